import CBLAS
import Foundation
import Towers

/// Workload 2: one siamese SGD step (both towers forward, contrastive loss with
/// margin 1, backward, momentum 0.9 update), all weights shared.
struct TrainingWorkload {
    var name: String
    var layers: [Int]
    var batch: Int
    var digits: Bool

    static let all = [
        TrainingWorkload(name: "digits-b64", layers: [64, 128, 64, 32], batch: 64, digits: true),
        TrainingWorkload(name: "digits-b256", layers: [64, 128, 64, 32], batch: 256, digits: true),
        TrainingWorkload(name: "wide-b128", layers: [784, 512, 256, 128], batch: 128, digits: false),
        TrainingWorkload(name: "wide-b512", layers: [784, 512, 256, 128], batch: 512, digits: false),
    ]

    /// 2 towers × (forward + 2 backward gemms) × 2·B·Σ in·out.
    var flopsPerStep: Double {
        let macs = zip(layers, layers.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 }
        return 2 * 3 * 2 * Double(batch) * Double(macs)
    }

    func run(quick: Bool) throws -> BenchResult {
        let store = VariableStore(seed: 0)
        let sizes = layers
        let net = SiameseNetwork(
            SharedTowers<Float>(store: store, scope: "tower") { x in
                var h = x
                for (i, units) in sizes.dropFirst().enumerated() {
                    h = try Dense<Float>(units: units, activation: i == sizes.count - 2 ? .identity : .relu)(h)
                }
                return h
            })
        _ = try net.towers.embed(.zeros([1, layers[0]]))
        let sgd = try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9)
        // A fixed pool of batches so data preparation is not timed.
        var sampler: PairSampler
        var inputs: [(Tensor<Float>, Tensor<Float>, [PairLabel])] = []
        if digits {
            let train = try Digits.load().train
            sampler = PairSampler(dataset: train, seed: 1)
            for _ in 0..<8 {
                let b = sampler.sample(batch)
                let (l, r) = train.pairTensors(b)
                inputs.append((l, r, b.labels))
            }
        } else {
            for i in 0..<8 {
                let labels = (0..<batch).map { $0 % 2 == 0 ? PairLabel.same : .different }
                inputs.append(
                    (
                        try Tensor.randomUniform([batch, layers[0]], seed: UInt64(2 * i)),
                        try Tensor.randomUniform([batch, layers[0]], seed: UInt64(2 * i + 1)), labels
                    ))
            }
        }
        var k = 0
        let step = {
            let (l, r, labels) = inputs[k % inputs.count]
            k += 1
            let (a, b) = try net(l, r)
            try contrastiveLoss(a, b, labels: labels, margin: 1).backward()
            try sgd.step()
        }
        let calls = Swift.max(1, Int((quick ? 2e8 : 4e9) / flopsPerStep))
        let seconds = try timePerCall(repetitions: quick ? 3 : 5, callsPerRepetition: calls, warmup: 20, step)
        // Tensor buffers freshly allocated per steady-state step (the rest come from the pool).
        let freshBefore = TensorMemory.freshAllocations, reusedBefore = TensorMemory.reusedAllocations
        for _ in 0..<10 { try step() }
        let fresh = Double(TensorMemory.freshAllocations - freshBefore) / 10
        let reused = Double(TensorMemory.reusedAllocations - reusedBefore) / 10
        let gemmSeconds = gemmOnlyTime(quick: quick)
        return BenchResult(
            name: name, value: 1 / seconds, unit: "steps/s",
            details: [
                "GFLOP/s": flopsPerStep / seconds / 1e9, "gemm-only steps/s": 1 / gemmSeconds,
                "fraction outside gemm": Swift.max(0, 1 - gemmSeconds / seconds),
                "fresh buffers/step": fresh, "pooled buffers/step": reused,
            ], note: "")
    }

    /// The same step's gemm calls alone, replayed through `cblas_sgemm` on
    /// preallocated buffers: forward, dW, and dX (except for the first layer,
    /// whose input needs no gradient), for two towers.
    func gemmOnlyTime(quick: Bool) -> Double {
        let pairs = Array(zip(layers, layers.dropFirst()))
        let maxWidth = layers.max()!
        let x = [Float](repeating: 0.5, count: batch * maxWidth)
        let w = [Float](repeating: 0.01, count: maxWidth * maxWidth)
        var y = [Float](repeating: 0, count: batch * maxWidth)
        var dw = [Float](repeating: 0, count: maxWidth * maxWidth)
        var dx = [Float](repeating: 0, count: batch * maxWidth)
        let b = blasint(batch)
        let calls = Swift.max(1, Int((quick ? 2e8 : 4e9) / flopsPerStep))
        return timePerCall(repetitions: quick ? 3 : 5, callsPerRepetition: calls) {
            for _ in 0..<2 {
                for (i, (fin, fout)) in pairs.enumerated() {
                    let m = blasint(fin), n = blasint(fout)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, n, m, 1, x, m, w, n, 0, &y, n)
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, b, 1, x, m, y, n, 1, &dw, n)
                    if i > 0 { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, m, n, 1, y, n, w, n, 1, &dx, m) }
                }
            }
        }
    }
}
