// A data-parallel training job for the MPI tests (`Tests/DistributedTests`),
// written as a user of `TowersDistributed` would write one: a siamese tower on
// the digits, any optimizer wrapped in `DistributedOptimizer`, each rank on its
// shard of each step's global batch. Under `mpirun -np N` every rank writes its
// own weights to `--out`/rank-<r>-of-<N>.safetensors, so that the tests can
// compare the ranks' bytes; `--no-mpi` trains alone on the whole batch.
//
// Faults for the failure tests (on rank `--fault-rank`, at step `--at`):
// `--fault nan` (a NaN input), `throw` (an error on that rank alone), `hang`
// (the rank stops responding), `diverge` (a weight changed outside the
// optimizer), `mismatch` (a different last layer). See `usage` below.

import Foundation
import Towers
import TowersDistributed

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    usage: MPIHarness --out DIR [--optimizer sgd|adam|adamw|rmsprop|adagrad] [--steps N] [--batch GLOBAL]
                      [--eager] [--no-mpi] [--seed-by-rank] [--save-every N] [--save FILE] [--resume FILE]
                      [--timeout SECONDS] [--fusion-bytes N] [--fault nan|throw|hang|diverge|mismatch --fault-rank R --at STEP]
    """

struct Options {
    var out = ""
    var optimizer = "sgd"
    var steps = 100
    var batch = 64
    var eager = false
    var noMPI = false
    var seedByRank = false
    var saveEvery = 0
    var save: String?
    var resume: String?
    var timeout = 60.0
    var fusionBytes = DataParallel.defaultFusionBytes
    var fault: String?
    var faultRank = 1
    var at = 5

    init(_ arguments: [String]) {
        var i = 0
        func value() -> String {
            i += 1
            guard i < arguments.count else { fail("missing value for \(arguments[i - 1])\n\(usage)") }
            return arguments[i]
        }
        func number(_ text: String) -> Int {
            guard let n = Int(text) else { fail("not a number: \(text)") }
            return n
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--out": out = value()
            case "--optimizer": optimizer = value()
            case "--steps": steps = number(value())
            case "--batch": batch = number(value())
            case "--eager": eager = true
            case "--no-mpi": noMPI = true
            case "--seed-by-rank": seedByRank = true
            case "--save-every": saveEvery = number(value())
            case "--save": save = value()
            case "--resume": resume = value()
            case "--timeout": timeout = Double(value()) ?? 0
            case "--fusion-bytes": fusionBytes = number(value())
            case "--fault": fault = value()
            case "--fault-rank": faultRank = number(value())
            case "--at": at = number(value())
            default: fail("unknown argument \(arguments[i])\n\(usage)")
            }
            i += 1
        }
        if out.isEmpty { fail(usage) }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

/// An error on one rank alone.
struct InjectedFailure: Error, CustomStringConvertible {
    let description: String
}

func makeOptimizer(_ name: String, _ store: VariableStore) throws -> any Optimizer {
    switch name {
    case "sgd": try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9)
    case "adam": try Adam(store: store, learningRate: .constant(1e-3))
    case "adamw": try AdamW(store: store, learningRate: .constant(1e-3), weightDecay: 0.01)
    // TF1's conventions for RMSProp (mean square starting at 1) and Adagrad
    // (accumulator 0.1): starting from 0 (PyTorch's), the first steps move each
    // weight by about ±lr (RMSProp: ±10 lr) whatever the size of its gradient,
    // which magnifies rounding differences past 1e-5 in 100 steps.
    case "rmsprop": try RMSProp(store: store, learningRate: .constant(1e-3), rho: 0.9, convention: .tf1)
    case "adagrad": try Adagrad(store: store, learningRate: .constant(0.05), initialAccumulatorValue: 0.1)
    default: fail("unknown optimizer \(name)")
    }
}

func train(_ o: Options, world: Communicator?) throws {
    let rank = world?.rank ?? 0, size = world?.size ?? 1
    let faulty = world != nil && rank == o.faultRank
    let store = VariableStore(seed: o.seedByRank && rank > 0 ? UInt64(1000 + rank) : 0)
    let widths = [64, 128, 64, o.fault == "mismatch" && faulty ? 16 : 32]
    let network = SiameseNetwork(
        SharedTowers<Float>(store: store, scope: "tower") { x in
            var h = x
            for (i, units) in widths.dropFirst().enumerated() {
                h = try Dense<Float>(units: units, activation: i == widths.count - 2 ? .identity : .relu)(h)
            }
            return h
        })
    _ = try network.towers.embed(.zeros([1, 64]))
    let base = try makeOptimizer(o.optimizer, store)
    try base.createSlots()

    var parallel: DataParallel?
    if let world {
        parallel = try DataParallel(store: store, world: world, fusionBytes: o.fusionBytes)
        try parallel!.start()
    }
    if let resume = o.resume {
        let url = URL(fileURLWithPath: resume)
        _ = try parallel?.restoreCheckpoint(from: url) ?? Checkpoint.load(into: store, from: url)
    }
    let optimizer = try parallel.map { try DistributedOptimizer(base, parallel: $0) }
    let shard = parallel?.shard ?? .whole
    let data = try Digits.load()

    var captured: CapturedStep<Float, Float, Float, Float>?
    while base.stepCount < o.steps {
        let step = base.stepCount
        var sampler = try PairSampler(dataset: data.train, seed: 7 &+ UInt64(step) &* 0x9E37_79B9)
        let mine = try sampler.sample(o.batch).shard(shard)
        var (left, right) = data.train.pairTensors(mine)
        let same = mine.targets()
        if faulty && step == o.at {
            switch o.fault {
            case "nan": left = left * Tensor<Float>(Float.nan)
            case "throw": throw InjectedFailure(description: "injected failure on rank \(rank) at step \(step)")
            case "hang":
                FileHandle.standardError.write(Data("rank \(rank): hanging at step \(step)\n".utf8))
                while true { sleep(1000) }
            default: break
            }
        }
        let loss: Float
        if o.eager {
            let (a, b) = try network(left, right, training: true)
            let value = try contrastiveLoss(a, b, same: same, margin: 1)
            loss = value.scalar
            if loss.isFinite { value.backward() }
        } else if let captured {
            loss = try captured(left, right, same)
        } else {
            let step = try store.capture(left, right, same, parallelTowers: size == 1) { l, r, s in
                let (a, b) = try network(l, r, training: true)
                return try contrastiveLoss(a, b, same: s, margin: 1)
            }
            captured = step
            loss = step.lastLoss
        }
        if let optimizer {
            _ = try optimizer.step(loss: loss)
        } else {
            guard loss.isFinite else { throw InjectedFailure(description: "loss \(loss) at step \(step)") }
            try base.step()
        }
        if faulty && o.fault == "diverge" && step == o.at {
            let kernel = store.variable(named: "tower/dense/kernel")!.tensor(as: Float.self)!
            kernel.withUnsafeMutableBufferPointer { $0[0] += 1e-3 }
        }
        if o.saveEvery > 0, base.stepCount % o.saveEvery == 0, let save = o.save {
            let url = URL(fileURLWithPath: save)
            try parallel?.saveCheckpoint(to: url) ?? Checkpoint.save(store, to: url)
        }
    }
    if let save = o.save {
        let url = URL(fileURLWithPath: save)
        try parallel?.saveCheckpoint(to: url) ?? Checkpoint.save(store, to: url)
    }
    // Every rank's own weights, for the tests (a real job writes from rank 0 only).
    let own = URL(fileURLWithPath: o.out).appendingPathComponent("rank-\(rank)-of-\(size).safetensors")
    try Checkpoint.save(store, to: own)
    if rank == 0 {
        let exchanges = parallel?.exchangeCount ?? 0
        print(
            "trained \(base.stepCount) steps on \(size) rank(s), \(o.batch / size) pairs each; \(exchanges) exchanges")
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
if options.noMPI {
    do { try train(options, world: nil) } catch { fail("error: \(error)") }
} else {
    let world: Communicator
    do { world = try Communicator.world(collectiveTimeout: options.timeout) } catch { fail("error: \(error)") }
    do {
        try train(options, world: world)
        world.finalize()
    } catch {
        FileHandle.standardError.write(Data("towers rank \(world.rank) of \(world.size): error: \(error)\n".utf8))
        guard (error as? DistributedError)?.isCollective == true else { world.abort(code: 1) }
        world.finalize()
        exit(1)
    }
}
