import Foundation
import Towers
import TowersDistributed

#if canImport(Glibc)
    import Glibc
#endif

/// `mpirun -np N --bind-to none towers-bench --distributed`: one siamese SGD
/// step on a global batch, trained two ways in the same job:
///
/// - **N ranks × 1 thread**: every rank runs its batch / N pairs on one core
///   (towers one after another, one OpenBLAS thread), averages the gradients
///   with `MPI_Allreduce` (``DataParallel``) and updates;
/// - **1 rank × N threads**: rank 0 runs the whole batch, its towers on their own
///   cores (N = 2) and OpenBLAS on N threads, while the other ranks sleep.
///
/// Besides the steps per second of each, it reports the time per step spent in
/// the allreduce (waiting for the slower rank included) and the allreduce of
/// the same buffer alone, after a barrier.
enum DistributedBench {
    static let workloads = [
        TrainingWorkload(name: "digits-b64", layers: [64, 128, 64, 32], batch: 64, digits: true),
        TrainingWorkload(name: "digits-b256", layers: [64, 128, 64, 32], batch: 256, digits: true),
        TrainingWorkload(name: "digits-b1024", layers: [64, 128, 64, 32], batch: 1024, digits: true),
        TrainingWorkload(name: "wide-b128", layers: [784, 512, 256, 128], batch: 128, digits: false),
        TrainingWorkload(name: "wide-b512", layers: [784, 512, 256, 128], batch: 512, digits: false),
        TrainingWorkload(name: "wide-b2048", layers: [784, 512, 256, 128], batch: 2048, digits: false),
    ]

    static func run(quick: Bool, filter: String?, json: String?) throws {
        let world = try Communicator.world()
        defer { world.finalize() }
        let n = world.size
        let root = world.isRoot
        if root {
            let machine = Machine.current
            print("Towers \(TowersVersion.string) distributed benchmarks — \(machine.cpu), \(machine.cores) cores")
            print(
                "build: \(Machine.buildMode), BLAS: \(BLAS.kernelName); \(n) ranks, \(world.localSize) on this machine")
            let usable = usableCores()
            if usable < n {
                print(
                    "warning: rank 0 may use \(usable) core(s) only (mpirun binds ranks to cores by default): "
                        + "run mpirun with --bind-to none for the 1 rank × \(n) threads rows")
            }
        }
        var rows: [BenchResult] = []
        for w in workloads where filter.map({ w.name.contains($0) }) ?? true {
            guard w.batch % n == 0 else { continue }
            let spread = try spreadRun(w, world: world, quick: quick)
            try world.barrier(sleeping: true)
            var alone: Double?
            if root { alone = try aloneRun(w, threads: n, quick: quick) }
            try world.barrier(sleeping: true)
            guard root, let alone else { continue }
            rows.append(
                BenchResult(
                    name: "\(w.name) \(n) ranks × 1 thread", value: 1 / spread.step, unit: "steps/s",
                    details: [
                        "allreduce ms/step": spread.allreduce * 1000, "allreduce alone ms": spread.alone * 1000,
                        "gradient MB": Double(spread.bytes) / 1e6, "ratio to 1 rank": alone / spread.step,
                    ], note: "\(w.batch / n) pairs per rank"))
            rows.append(
                BenchResult(
                    name: "\(w.name) 1 rank × \(n) threads", value: 1 / alone, unit: "steps/s", details: [:],
                    note: "towers on \(n) cores, \(n) BLAS threads"))
        }
        guard root else { return }
        print("")
        print(BenchResult.table(rows))
        if let json {
            let machine = Machine.current
            let report = BenchReport(
                machine: machine.cpu, cores: machine.cores, buildMode: Machine.buildMode, blasKernel: BLAS.kernelName,
                threads: 1, peakResidentMegabytes: Machine.peakResidentMegabytes, results: rows)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(report), to: URL(fileURLWithPath: json))
            print("wrote \(json)")
        }
    }

    /// Seconds per step on every rank (batch / N each, one core each), the
    /// allreduce's share of a step, and the allreduce alone.
    static func spreadRun(
        _ w: TrainingWorkload, world: Communicator, quick: Bool
    ) throws
        -> (step: Double, allreduce: Double, alone: Double, bytes: Int)
    {
        BLAS.threadCount = 1
        let (store, step, sgd) = try model(w)
        let parallel = try DataParallel(store: store, world: world)
        try parallel.start()
        let inputs = try batches(w, rows: w.batch / world.size, rank: world.rank)
        let (l0, r0, s0) = inputs[0]
        let captured = try store.capture(l0, r0, s0, parallelTowers: false, step)
        try parallel.averageGradients()
        try sgd.step()
        var k = 0
        let calls = callCount(w, quick: quick)
        let before = (parallel.totalAllreduceSeconds, parallel.exchangeCount)
        let seconds = try timePerCall(repetitions: quick ? 3 : 5, callsPerRepetition: calls, warmup: 10) {
            let (l, r, s) = inputs[k % inputs.count]
            k += 1
            let loss = try captured(l, r, s)
            _ = try parallel.synchronize(loss: loss, step: k)
            try sgd.step()
        }
        let share =
            (parallel.totalAllreduceSeconds - before.0) / Double(parallel.exchangeCount - before.1)
        // The same exchange with every rank ready: the transfer alone.
        var samples: [Double] = []
        for _ in 0..<(quick ? 5 : 21) {
            try world.barrier()
            _ = try captured(l0, r0, s0)
            try parallel.averageGradients()
            samples.append(parallel.lastAllreduceSeconds)
            sgd.zeroGradients()
        }
        let alone = samples.sorted()[samples.count / 2]
        return (seconds, share, alone, parallel.gradientElementCount * MemoryLayout<Float>.stride)
    }

    /// Seconds per step of rank 0 alone on the whole batch, towers in parallel.
    static func aloneRun(_ w: TrainingWorkload, threads: Int, quick: Bool) throws -> Double {
        BLAS.threadCount = threads
        defer { BLAS.threadCount = 1 }
        let (store, step, sgd) = try model(w)
        let inputs = try batches(w, rows: w.batch, rank: 0)
        let (l0, r0, s0) = inputs[0]
        let captured = try store.capture(l0, r0, s0, parallelTowers: threads > 1, step)
        try sgd.step()
        var k = 0
        return try timePerCall(repetitions: quick ? 3 : 5, callsPerRepetition: callCount(w, quick: quick), warmup: 10) {
            let (l, r, s) = inputs[k % inputs.count]
            k += 1
            try captured(l, r, s)
            try sgd.step()
        }
    }

    typealias StepFunction = (Tensor<Float>, Tensor<Float>, Tensor<Float>) throws -> Tensor<Float>

    /// The workload's siamese network and SGD, and its step's function.
    static func model(_ w: TrainingWorkload) throws -> (VariableStore, StepFunction, SGD) {
        let store = VariableStore(seed: 0)
        let sizes = w.layers
        let net = SiameseNetwork(
            SharedTowers<Float>(store: store, scope: "tower") { x in
                var h = x
                for (i, units) in sizes.dropFirst().enumerated() {
                    h = try Dense<Float>(units: units, activation: i == sizes.count - 2 ? .identity : .relu)(h)
                }
                return h
            })
        _ = try net.towers.embed(.zeros([1, sizes[0]]))
        let sgd = try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9)
        try sgd.createSlots()
        let step: StepFunction = { l, r, s in
            let (a, b) = try net(l, r)
            return try contrastiveLoss(a, b, same: s, margin: 1)
        }
        return (store, step, sgd)
    }

    /// 8 batches of `rows` pairs: this rank's part of 8 global batches.
    static func batches(
        _ w: TrainingWorkload, rows: Int, rank: Int
    ) throws -> [(Tensor<Float>, Tensor<Float>, Tensor<Float>)] {
        let shard = try BatchShard(index: rank, count: w.batch / rows)
        if w.digits {
            let train = try Digits.load().train
            var sampler = try PairSampler(dataset: train, seed: 1)
            return try (0..<8).map { _ in
                let b = try sampler.sample(w.batch).shard(shard)
                let (l, r) = train.pairTensors(b)
                return (l, r, b.targets())
            }
        }
        return try (0..<8).map { i in
            let seed = UInt64(1000 * i + rank)
            let same = Tensor<Float>((0..<rows).map { Float(1 - $0 % 2) })
            return (
                try Tensor.randomUniform([rows, w.layers[0]], seed: 2 * seed),
                try Tensor.randomUniform([rows, w.layers[0]], seed: 2 * seed + 1), same
            )
        }
    }

    /// Steps per timed repetition: about 4 GFLOP of the global batch (0.2 quick).
    static func callCount(_ w: TrainingWorkload, quick: Bool) -> Int {
        Swift.max(1, Int((quick ? 2e8 : 4e9) / w.flopsPerStep))
    }

    /// The cores this process may run on (`Cpus_allowed` in /proc/self/status).
    static func usableCores() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else {
            return ProcessInfo.processInfo.activeProcessorCount
        }
        return line.dropFirst("Cpus_allowed:".count).compactMap { $0.hexDigitValue?.nonzeroBitCount }.reduce(0, +)
    }
}
