// swift-tools-version: 6.1
//
// Towers: neural networks whose parts share weights, with TensorFlow 1's
// variable-scope rules, on OpenBLAS.

import PackageDescription

import class Foundation.ProcessInfo

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Towers",
    platforms: [.macOS(.v15)],
    products: [
        // MARK: Public modules
        .library(name: "Towers", targets: ["Towers"]),
        .library(name: "TowersCore", targets: ["TowersCore"]),
        .library(name: "Variables", targets: ["Variables"]),
        .library(name: "Layers", targets: ["Layers"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Train", targets: ["Train"]),
        // Data-parallel training over MPI: the only product that needs Open MPI. Its
        // module is `TowersDistributed` (the toolchain already has a `Distributed`).
        .library(name: "Distributed", targets: ["TowersDistributed"]),
        // MARK: Executables
        .executable(name: "towers", targets: ["TowersCLI"]),
        .executable(name: "towers-bench", targets: ["TowersBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // `make docs`: `swift package generate-documentation` for every module's catalog.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: Implementation details
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Elementwise kernels for instruction sets chosen at run time (AVX-512).
        .target(name: "CKernels"),
        .systemLibrary(
            name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin", "pkg-config"])]),

        // MARK: Public modules (dependencies point down this list)
        .target(name: "TowersCore", dependencies: ["CBLAS"], swiftSettings: swiftSettings),
        .target(name: "Variables", dependencies: ["TowersCore"], swiftSettings: swiftSettings),
        .target(name: "Layers", dependencies: ["TowersCore", "Variables"], swiftSettings: swiftSettings),
        .target(
            name: "Models",
            dependencies: ["TowersCore", "Variables", "Layers"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Train",
            dependencies: ["TowersCore", "Variables", "Layers", "Models", "CZlib", "CKernels"],
            exclude: ["Resources/README.md"],
            resources: [.copy("Resources/digits.csv.gz")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Towers",
            dependencies: ["TowersCore", "Variables", "Layers", "Models", "Train"],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "TowersDistributed",
            dependencies: ["TowersCore", "Variables", "Models", "Train", "CMPI"],
            swiftSettings: swiftSettings
        ),

        // MARK: Executables
        .executableTarget(
            name: "TowersCLI",
            dependencies: [
                "Towers", "TowersDistributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "TowersBench",
            dependencies: [
                "Towers", "TowersDistributed", "CBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/TowersBench",
            swiftSettings: swiftSettings
        ),

        // MARK: Examples (not products: `swift run -c release SiameseDigitsCNN`, …)
        .target(name: "ExampleSupport", path: "Examples/ExampleSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "SiameseDigitsCNN", dependencies: ["Towers", "ExampleSupport"], path: "Examples/SiameseDigitsCNN",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "TripletSequences", dependencies: ["Towers", "ExampleSupport"], path: "Examples/TripletSequences",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "TiedAutoencoder", dependencies: ["Towers", "ExampleSupport"], path: "Examples/TiedAutoencoder",
            swiftSettings: swiftSettings),

        // MARK: Tests
        .target(
            name: "TestSupport", dependencies: ["TowersCore"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "TowersCoreTests", dependencies: ["TowersCore", "TestSupport", "CBLAS"], swiftSettings: swiftSettings),
        .testTarget(name: "VariablesTests", dependencies: ["Variables", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LayersTests", dependencies: ["Layers", "TestSupport"], resources: [.copy("Golden")],
            swiftSettings: swiftSettings),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "TrainTests", dependencies: ["Train", "TestSupport"], exclude: ["Optimizers/References"],
            swiftSettings: swiftSettings),
        .testTarget(name: "TowersTests", dependencies: ["Towers", "TestSupport"], swiftSettings: swiftSettings),
        // In-process tests of the pure parts, and `mpirun` runs of the harness and of `towers`.
        .executableTarget(
            name: "MPIHarness", dependencies: ["Towers", "TowersDistributed"], path: "Tests/MPIHarness",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "DistributedTests", dependencies: ["TowersDistributed", "Towers", "MPIHarness", "TowersCLI"],
            swiftSettings: swiftSettings),
        // Runs the built `towers` executable (exit statuses, messages).
        .testTarget(name: "TowersCLITests", dependencies: ["TowersCLI", "Towers"], swiftSettings: swiftSettings),
        // Runs the built examples briefly (each prints its metric).
        .testTarget(
            name: "ExamplesTests", dependencies: ["SiameseDigitsCNN", "TripletSequences", "TiedAutoencoder"],
            swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)

// MARK: package-benchmark (opt-in)
// `TOWERS_PACKAGE_BENCHMARK=1 swift package benchmark --target TowersBenchmarks` runs Benchmarks/TowersBenchmarks
// on ordo-one/benchmark (wall clock, throughput, malloc counts). Opt-in so that the
// library's build and tests do not depend on the benchmark tooling.
if ProcessInfo.processInfo.environment["TOWERS_PACKAGE_BENCHMARK"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "TowersBenchmarks",
            dependencies: ["Towers", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/TowersBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]))
}
