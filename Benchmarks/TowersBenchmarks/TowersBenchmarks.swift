import Benchmark
import Towers

/// The workloads of `towers-bench`, measured by package-benchmark: wall clock,
/// throughput and mallocs per iteration (after warm-up, a siamese step should
/// allocate no tensor buffers, and its count should not grow with the batch).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 20, maxDuration: .seconds(3))

    for n in [256, 512, 1024] {
        Benchmark("matmul-\(n)") { benchmark in
            let a = Tensor<Float>.randomUniform([n, n], seed: 1)
            let b = Tensor<Float>.randomUniform([n, n], seed: 2)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(withoutGradients { a.matmul(b) }) }
        }
    }

    for (name, layers, batch) in [
        ("digits-b64", [64, 128, 64, 32], 64), ("digits-b256", [64, 128, 64, 32], 256),
        ("wide-b128", [784, 512, 256, 128], 128), ("wide-b512", [784, 512, 256, 128], 512),
    ] {
        Benchmark("siamese-step-\(name)") { benchmark in
            let store = VariableStore(seed: 0)
            let net = SiameseNetwork(
                SharedTowers<Float>(store: store, scope: "tower") { x in
                    var h = x
                    for (i, units) in layers.dropFirst().enumerated() {
                        h = try Dense<Float>(units: units, activation: i == layers.count - 2 ? .identity : .relu)(h)
                    }
                    return h
                })
            let left = Tensor<Float>.randomUniform([batch, layers[0]], seed: 1)
            let right = Tensor<Float>.randomUniform([batch, layers[0]], seed: 2)
            let labels = (0..<batch).map { $0 % 2 == 0 ? PairLabel.same : .different }
            let sgd = try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let (a, b) = try net(left, right)
                try contrastiveLoss(a, b, labels: labels, margin: 1).backward()
                try sgd.step()
            }
        }
    }
}
