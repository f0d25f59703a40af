import Benchmark
import Towers

/// The workloads of `towers-bench`, measured by package-benchmark: wall clock,
/// throughput and mallocs per iteration (after warm-up, a siamese step should
/// allocate no tensor buffers, and its count should not grow with the batch).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 20, maxDuration: .seconds(3))

    // The harness's own allocations per measured iteration, to subtract from the rows below.
    Benchmark("empty", configuration: .init(scalingFactor: .kilo)) { benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(0) }
    }

    for n in [256, 512, 1024] {
        Benchmark("matmul-\(n)") { benchmark in
            let a = try Tensor<Float>.randomUniform([n, n], seed: 1)
            let b = try Tensor<Float>.randomUniform([n, n], seed: 2)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(withoutGradients { a.matmul(b) }) }
        }
    }

    for (name, layers, batch) in [
        ("digits-b64", [64, 128, 64, 32], 64), ("digits-b256", [64, 128, 64, 32], 256),
        ("wide-b128", [784, 512, 256, 128], 128), ("wide-b512", [784, 512, 256, 128], 512),
    ] {
        /// The siamese network, its optimizer and a batch (left, right, same-pair mask).
        func setUp() throws -> (
            VariableStore, SiameseNetwork<Float>, SGD, (Tensor<Float>, Tensor<Float>, Tensor<Float>)
        ) {
            let store = VariableStore(seed: 0)
            let net = SiameseNetwork(
                SharedTowers<Float>(store: store, scope: "tower") { x in
                    var h = x
                    for (i, units) in layers.dropFirst().enumerated() {
                        h = try Dense<Float>(units: units, activation: i == layers.count - 2 ? .identity : .relu)(h)
                    }
                    return h
                })
            let left = try Tensor<Float>.randomUniform([batch, layers[0]], seed: 1)
            let right = try Tensor<Float>.randomUniform([batch, layers[0]], seed: 2)
            let same = Tensor<Float>((0..<batch).map { Float(1 - $0 % 2) })
            let sgd = try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9)
            return (store, net, sgd, (left, right, same))
        }
        // A thousand steps per measurement: what the closure's set-up and tear-down
        // allocate is then spread over them (the "empty" row shows the harness's own).
        let steps = Benchmark.Configuration(scalingFactor: .kilo)
        // Captured steps on one thread, and on the threads Towers is configured with.
        for (suffix, threads) in [("-1-thread", 1 as Int?), ("", nil)] {
            Benchmark("siamese-step-\(name)-captured\(suffix)", configuration: steps) { benchmark in
                let saved = BLAS.threadCount
                defer { BLAS.threadCount = saved }
                if let threads { BLAS.threadCount = threads }
                let (store, net, sgd, (left, right, same)) = try setUp()
                let step = try store.capture(left, right, same) { l, r, s in
                    let (a, b) = try net(l, r)
                    return try contrastiveLoss(a, b, same: s, margin: 1)
                }
                try sgd.step()
                // Warm-up: the measured steps are steady-state replays.
                for _ in 0..<20 {
                    try step(left, right, same)
                    try sgd.step()
                }
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    try step(left, right, same)
                    try sgd.step()
                }
            }
        }
        Benchmark("siamese-step-\(name)-eager", configuration: steps) { benchmark in
            let (_, net, sgd, (left, right, same)) = try setUp()
            for _ in 0..<20 {
                let (a, b) = try net(left, right)
                try contrastiveLoss(a, b, same: same, margin: 1).backward()
                try sgd.step()
            }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let (a, b) = try net(left, right)
                try contrastiveLoss(a, b, same: same, margin: 1).backward()
                try sgd.step()
            }
        }
    }
}
