public import Foundation
import TowersCore
public import Train
public import Variables

/// Data-parallel training of one store's variables over the ranks of an MPI
/// job, Horovod's design with Towers' variable names as the contract between
/// ranks.
///
/// Every rank builds the same model in its own store and creates its optimizer
/// slots; ``start()`` checks that the ranks hold the same variable names,
/// shapes and dtypes (a ``DistributedError/modelMismatch(rank:difference:)`` on
/// every rank otherwise) and copies rank 0's variables, slots included, to the
/// others. Each step, each rank computes gradients on its ``shard`` of the
/// batch; ``synchronize(loss:step:)`` averages them over the ranks with
/// `MPI_Allreduce` on fused buffers filled in variable-name order (a shared
/// weight is one variable, reduced once); then every rank applies the same
/// optimizer step to the same weights, so the ranks stay bit-identical.
/// Dropout draws from the store's generator: rank 0 keeps its stream and the
/// other ranks get their own, from the store seed and the rank.
///
/// ```swift
/// let world = try Communicator.world()
/// let training = try SiameseTraining(recipe: recipe, data: try Digits.load())
/// let parallel = try DataParallel(store: training.store, world: world)
/// try parallel.start()
/// training.synchronizer = parallel            // recipe.batchSize pairs per rank
/// for _ in 0..<1000 { try training.step() }
/// try parallel.saveCheckpoint(to: url)         // rank 0 writes
/// world.finalize()
/// ```
///
/// With an optimizer of your own loop, wrap it in ``DistributedOptimizer``.
public final class DataParallel: GradientSynchronizer {
    public let world: Communicator
    public let store: VariableStore
    /// The largest fused buffer, in bytes (a larger variable gets one of its own).
    public let fusionBytes: Int
    /// This rank's part of each step's batch: shard `rank` of `size`.
    public var shard: BatchShard { BatchShard(validIndex: world.rank, count: world.size) }
    /// The last checkpoint written by ``saveCheckpoint(to:metadata:)`` (on every rank).
    public internal(set) var lastCheckpoint: URL?
    /// Seconds the last step spent in the gradient allreduce (waiting for the
    /// slowest rank included), and the total over all steps.
    public private(set) var lastAllreduceSeconds = 0.0
    public private(set) var totalAllreduceSeconds = 0.0
    /// The number of gradient exchanges so far.
    public private(set) var exchangeCount = 0

    private var exchange: GradientExchange?
    private var exchangeStoreCount = -1

    /// The default ``fusionBytes``: 64 MiB, Horovod's fusion threshold.
    public static let defaultFusionBytes = 64 << 20

    /// - Throws: ``DistributedError/invalidOption(name:message:)`` unless
    ///   `fusionBytes` is in 1 KiB ... 1 GiB.
    public init(store: VariableStore, world: Communicator, fusionBytes: Int = defaultFusionBytes) throws {
        guard (1 << 10...1 << 30).contains(fusionBytes) else {
            throw DistributedError.invalidOption(
                name: "fusionBytes", message: "must be from 1024 to 1073741824 bytes, got \(fusionBytes)")
        }
        self.store = store
        self.world = world
        self.fusionBytes = fusionBytes
    }

    /// The number of gradient elements each step reduces (after ``start()``).
    public var gradientElementCount: Int { exchange?.elementCount ?? 0 }

    // MARK: Start

    /// Checks the model on every rank, then copies rank 0's variables to every
    /// rank. Call it on every rank after the model and its optimizer slots exist
    /// (`Optimizer.createSlots()`), before the first step.
    ///
    /// - Throws: ``DistributedError/modelMismatch(rank:difference:)`` on every rank
    ///   when a rank's variables differ from rank 0's.
    public func start() throws {
        try checkModel()
        try broadcastVariables()
        // Dropout masks: rank 0 keeps the store's stream (one rank trains as one
        // process does); every other rank draws its own, from its seed and rank.
        if world.rank > 0 { store.randomGenerator.reseed(Self.generatorSeed(store.seed, rank: world.rank)) }
        exchange = try GradientExchange(variables: Self.trainable(store), fusionBytes: fusionBytes)
        exchangeStoreCount = store.allVariables.count
    }

    /// Compares every rank's variable names, shapes and dtypes with rank 0's.
    public func checkModel() throws {
        let gathered = try world.allgather(ModelSignature(store: store).encoded(), what: .modelCheck)
        let signatures = try gathered.map { try ModelSignature(decoding: $0) }
        if let (rank, difference) = ModelSignature.firstMismatch(signatures) {
            throw DistributedError.modelMismatch(rank: rank, difference: difference)
        }
    }

    /// Copies `root`'s values of every variable (weights, optimizer slots,
    /// `global_step`) to every rank, in name order.
    public func broadcastVariables(from root: Int = 0) throws {
        for v in store.allVariables.sorted(by: { $0.name < $1.name }) {
            func send<T: TensorElement>(_: T.Type) throws {
                guard let t = v.tensor(as: T.self), t.count > 0 else { return }
                try world.broadcast(
                    UnsafeMutableRawPointer(t.storage.base), bytes: t.count * MemoryLayout<T>.stride, root: root,
                    what: .broadcast)
            }
            try send(v.dtype.elementType)
        }
    }

    // MARK: Steps

    /// Averages the trainable variables' gradients over the ranks and returns the
    /// mean of the ranks' losses (see `GradientSynchronizer` in Train).
    ///
    /// - Throws: ``DistributedError/nonFiniteLoss(step:ranks:losses:lastGoodCheckpoint:)``
    ///   on every rank when some rank's loss is NaN or infinite (no rank applies
    ///   that update), and ``DistributedError/variablesChanged(detail:)`` when
    ///   trainable variables appeared after ``start()``.
    public func synchronize(loss: Float, step: Int) throws -> Float {
        let exchange = try currentExchange()
        let start = CollectiveWatchdog.now()
        try exchange.run(loss: loss, on: world, step: step)
        lastAllreduceSeconds = Double(CollectiveWatchdog.now() - start) / 1e9
        totalAllreduceSeconds += lastAllreduceSeconds
        exchangeCount += 1
        if exchange.nonFiniteCount > 0 {
            // Every rank saw the count: they all gather the losses and throw.
            let losses = try gatherLosses(loss, step: step)
            let ranks = losses.indices.filter { !losses[$0].isFinite }
            throw DistributedError.nonFiniteLoss(
                step: step, ranks: ranks, losses: ranks.map { losses[$0] }, lastGoodCheckpoint: lastCheckpoint)
        }
        return Float(exchange.lossSum / Double(world.size))
    }

    /// Averages the trainable variables' gradients over the ranks, without a loss.
    public func averageGradients(step: Int = -1) throws {
        _ = try synchronize(loss: 0, step: step)
    }

    /// Replaces the values of `variables` (`Float` or `Double`) by their average
    /// over the ranks: for statistics each rank computes from its own data, such
    /// as BatchNorm's moving mean and variance, before a checkpoint.
    public func averageValues(of variables: [any AnyVariable]) throws {
        for v in variables.sorted(by: { $0.name < $1.name }) {
            func average<T: TensorScalar>(_ t: Tensor<T>, _ dtype: MPIDType) throws {
                guard t.count > 0 else { return }
                try world.allreduceSum(t.storage.base, count: t.count, dtype: dtype, what: .gather, step: -1)
                let s = T(1 / Double(world.size))
                for i in 0..<t.count { t.storage.base[i] *= s }
            }
            if let t = v.tensor(as: Float.self) { try average(t, .float) }
            if let t = v.tensor(as: Double.self) { try average(t, .double) }
        }
    }

    private func currentExchange() throws -> GradientExchange {
        guard let exchange else {
            throw DistributedError.unavailable(reason: "DataParallel.start() must run on every rank before a step")
        }
        let count = store.allVariables.count
        if count != exchangeStoreCount {
            let names = Self.trainable(store).map(\.name).sorted()
            if names != exchange.names {
                let added = names.filter { !exchange.names.contains($0) }
                throw DistributedError.variablesChanged(
                    detail: added.isEmpty ? "\(names.count) now, \(exchange.names.count) at start" : "new \(added)")
            }
            exchangeStoreCount = count
        }
        return exchange
    }

    private func gatherLosses(_ loss: Float, step: Int) throws -> [Float] {
        let bits = withUnsafeBytes(of: loss.bitPattern.littleEndian) { Array($0) }
        return try world.allgather(bits, what: .lossGather, step: step).map { bytes in
            Float(bitPattern: bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
        }
    }

    /// A seed for rank `rank`'s random generator (SplitMix64 of the store seed and the rank).
    static func generatorSeed(_ seed: UInt64, rank: Int) -> UInt64 {
        var z = seed &+ UInt64(rank) &* 0x9E37_79B9_7F4A_7C15 &+ 0x6A09_E667_F3BC_C909
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func trainable(_ store: VariableStore) -> [any AnyVariable] {
        store.trainableVariables.filter { $0.dtype == .float32 || $0.dtype == .float64 }
    }
}
