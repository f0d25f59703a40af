import CBLAS
import Foundation
import Towers
import TowersCore

/// Workload 2: one siamese SGD step (both towers forward, contrastive loss with
/// margin 1, backward, momentum 0.9 update), all weights shared, run as a
/// captured step (the default) or eagerly, beside the same step's gemm calls
/// alone; `digits-b64 adam` is the captured step with Adam (learning rate 1e-3).
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

    /// The floating-point operations of the step's gemm calls, as computed: per
    /// tower, the forward product and the weight gradient of every layer, and the
    /// input gradient of every layer but the first (the data needs none).
    var flopsPerStep: Double {
        let macs = zip(layers, layers.dropFirst()).map { Double($0.0 * $0.1) }
        let perTower = 2 * Double(batch) * (2 * macs.reduce(0, +) + macs.dropFirst().reduce(0, +))
        return 2 * perTower
    }

    /// One row: the captured step (`eager == false`) or the eager one, updated by
    /// SGD with momentum or (`adam`) by Adam.
    func run(quick: Bool, eager: Bool, adam: Bool = false, gemmOnly: GemmOnlyTimes) throws -> BenchResult {
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
        let sgd: any Optimizer =
            adam
            ? try Adam(store: store, learningRate: .constant(1e-3))
            : try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9)
        let inputs = try batches()
        var k = 0
        let step: () throws -> Void
        var note = ""
        if eager {
            step = {
                let (l, r, same) = inputs[k % inputs.count]
                k += 1
                let (a, b) = try net(l, r)
                try contrastiveLoss(a, b, same: same, margin: 1).backward()
                try sgd.step()
            }
        } else {
            let (l0, r0, s0) = inputs[0]
            let captured = try store.capture(l0, r0, s0) { l, r, s in
                let (a, b) = try net(l, r)
                return try contrastiveLoss(a, b, same: s, margin: 1)
            }
            try sgd.step()
            if !captured.towersRunInParallel { note = captured.serialTowersReason ?? "" }
            step = {
                let (l, r, same) = inputs[k % inputs.count]
                k += 1
                try captured(l, r, same)
                try sgd.step()
            }
        }
        let calls = Swift.max(1, Int((quick ? 2e8 : 4e9) / flopsPerStep))
        let seconds = try timePerCall(repetitions: quick ? 3 : 5, callsPerRepetition: calls, warmup: 20, step)
        // Tensor buffers freshly allocated per steady-state step (the rest come from the pool).
        let freshBefore = TensorMemory.freshAllocations, reusedBefore = TensorMemory.reusedAllocations
        for _ in 0..<10 { try step() }
        let fresh = Double(TensorMemory.freshAllocations - freshBefore) / 10
        let reused = Double(TensorMemory.reusedAllocations - reusedBefore) / 10
        return BenchResult(
            name: name + (eager ? " eager" : "") + (adam ? " adam" : ""), value: 1 / seconds, unit: "steps/s",
            details: [
                "GFLOP/s": flopsPerStep / seconds / 1e9,
                "gemm-only steps/s (1 core)": 1 / gemmOnly.oneCore,
                "gemm-only steps/s (towers on 2 cores)": 1 / gemmOnly.twoCores,
                "ratio to gemm-only": gemmOnly.best / seconds,
                "fresh buffers/step": fresh, "pooled buffers/step": reused,
            ], note: note)
    }

    /// A fixed pool of batches, so data preparation is not timed.
    private func batches() throws -> [(Tensor<Float>, Tensor<Float>, Tensor<Float>)] {
        var inputs: [(Tensor<Float>, Tensor<Float>, Tensor<Float>)] = []
        if digits {
            let train = try Digits.load().train
            var sampler = try PairSampler(dataset: train, seed: 1)
            for _ in 0..<8 {
                let b = try sampler.sample(batch)
                let (l, r) = train.pairTensors(b)
                inputs.append((l, r, b.targets()))
            }
        } else {
            for i in 0..<8 {
                let same = Tensor<Float>((0..<batch).map { Float(1 - $0 % 2) })
                inputs.append(
                    (
                        try Tensor.randomUniform([batch, layers[0]], seed: UInt64(2 * i)),
                        try Tensor.randomUniform([batch, layers[0]], seed: UInt64(2 * i + 1)), same
                    ))
            }
        }
        return inputs
    }

    /// Seconds per step of the step's gemm calls alone.
    struct GemmOnlyTimes {
        /// Both towers' calls on one core.
        var oneCore: Double
        /// Each tower's calls on its own core, at the same time.
        var twoCores: Double
        /// The fastest way at the thread count in use: those two, or (with several
        /// threads) both towers' calls one after another, each on every thread.
        var best: Double
    }

    /// The step's gemm calls alone, replayed through `cblas_sgemm` on
    /// preallocated buffers (forward, dW, and dX but for the first layer): both
    /// towers on one core, and each tower on its own core.
    func gemmOnlyTimes(quick: Bool) -> GemmOnlyTimes {
        let towers = (0..<2).map { _ in TowerGemms(layers: layers, batch: batch) }
        let calls = Swift.max(1, Int((quick ? 2e8 : 4e9) / flopsPerStep))
        let reps = quick ? 3 : 5
        let single = BLASThreads.single {
            timePerCall(repetitions: reps, callsPerRepetition: calls) { for t in towers { t.run() } }
        }
        let workers = TowerWorkers(phases: [towers.map { t in { t.run() } }])
        defer { workers.shutDown() }
        let parallel = BLASThreads.single {
            timePerCall(repetitions: reps, callsPerRepetition: calls) { workers.run(phase: 0) }
        }
        guard BLAS.threadCount > 1 else { return GemmOnlyTimes(oneCore: single, twoCores: parallel, best: single) }
        // Both towers' calls one after another, each call on every thread OpenBLAS has
        // (these direct calls bypass Towers' per-call choice, so set the count first).
        BLAS.threadCount = BLAS.threadCount
        let threaded = timePerCall(repetitions: reps, callsPerRepetition: calls) { for t in towers { t.run() } }
        return GemmOnlyTimes(oneCore: single, twoCores: parallel, best: Swift.min(single, parallel, threaded))
    }
}

/// One tower's gemm calls on its own buffers.
private final class TowerGemms: @unchecked Sendable {
    let pairs: [(Int, Int)]
    let batch: Int
    var x, w, y, dw, dx: [Float]

    init(layers: [Int], batch: Int) {
        pairs = Array(zip(layers, layers.dropFirst()))
        self.batch = batch
        let maxWidth = layers.max()!
        x = [Float](repeating: 0.5, count: batch * maxWidth)
        w = [Float](repeating: 0.01, count: maxWidth * maxWidth)
        y = [Float](repeating: 0, count: batch * maxWidth)
        dw = [Float](repeating: 0, count: maxWidth * maxWidth)
        dx = [Float](repeating: 0, count: batch * maxWidth)
    }

    func run() {
        let b = blasint(batch)
        for (i, (fin, fout)) in pairs.enumerated() {
            let m = blasint(fin), n = blasint(fout)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, n, m, 1, x, m, w, n, 0, &y, n)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, b, 1, x, m, y, n, 1, &dw, n)
            if i > 0 { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, m, n, 1, y, n, w, n, 1, &dx, m) }
        }
    }
}

/// OpenBLAS on one thread for a measurement (through Towers' own switch, so
/// that its record of OpenBLAS's thread count stays true).
enum BLASThreads {
    static func single<R>(_ body: () -> R) -> R { BLAS.withSingleThread(body) }
}
