// swift-tools-version: 6.1
//
// libFuzzer targets for Towers' file readers: the safetensors reader, gzip
// (zlib) and the CSV reader. `make fuzz` (or `Fuzz/run.sh SECONDS`) builds them
// with `-sanitize=fuzzer,address` and runs each one; see README.md.

import PackageDescription

import struct Foundation.URL

// A path dependency's identity is its directory's name, whatever the clone is called.
let towers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "TowersFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer"]),
        .executableTarget(
            name: "FuzzSafetensors", dependencies: ["FuzzSupport", .product(name: "Train", package: towers)]),
        .executableTarget(name: "FuzzGzip", dependencies: ["FuzzSupport", .product(name: "Train", package: towers)]),
        .executableTarget(name: "FuzzCSV", dependencies: ["FuzzSupport", .product(name: "Train", package: towers)]),
    ],
    swiftLanguageModes: [.v6]
)
