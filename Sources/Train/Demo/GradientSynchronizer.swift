import TowersCore

/// This process's part of every step's batch when several processes train one
/// model together (data parallelism): the step's global batch is drawn from the
/// seed and the step alone, and process `index` of `count` takes its rows
/// `index·b ..< (index + 1)·b`, where `b` is the batch per process.
///
/// So the pairs a step trains on do not depend on how many processes share
/// them: 2 processes with 32 pairs each see exactly the 64 pairs that 1 process
/// with 64 pairs sees.
///
/// ```swift
/// let shard = try BatchShard(index: 1, count: 2)
/// let mine = try globalBatch.shard(shard)   // the second half
/// ```
public struct BatchShard: Sendable, Equatable, CustomStringConvertible {
    /// This process's position among the processes, `0..<count`.
    public let index: Int
    /// The number of processes sharing each step's batch.
    public let count: Int

    /// The whole batch: one process.
    public static let whole = BatchShard(validIndex: 0, count: 1)

    /// Shard `index` of `count`.
    ///
    /// - Throws: ``DatasetError/invalidArgument(name:value:allowed:)`` unless
    ///   `count ≥ 1` and `0 ≤ index < count`.
    public init(index: Int, count: Int) throws(DatasetError) {
        guard count >= 1, (0..<count).contains(index) else {
            throw .invalidArgument(
                name: "BatchShard", value: "index \(index) of \(count)", allowed: "0 ≤ index < count, count ≥ 1")
        }
        self.init(validIndex: index, count: count)
    }

    /// A shard the caller has checked (a communicator's rank and size).
    package init(validIndex index: Int, count: Int) {
        check(count >= 1 && (0..<count).contains(index), "BatchShard: index \(index) of \(count)")
        self.index = index
        self.count = count
    }

    /// The rows of a global batch of `count · perProcess` rows that this process takes.
    public func rows(perProcess: Int) -> Range<Int> { index * perProcess..<(index + 1) * perProcess }

    public var description: String { "shard \(index) of \(count)" }
}

extension PairBatch {
    /// The pairs of this (global) batch that `shard` takes: an equal part, in order.
    ///
    /// - Throws: ``DatasetError/invalidArgument(name:value:allowed:)`` unless the
    ///   batch divides evenly among the shards.
    ///
    /// ```swift
    /// var sampler = try PairSampler(dataset: train, seed: 7)
    /// let global = try sampler.sample(64)
    /// let mine = try global.shard(BatchShard(index: rank, count: 2))   // 32 pairs
    /// ```
    public func shard(_ shard: BatchShard) throws(DatasetError) -> PairBatch {
        guard count % shard.count == 0 else {
            throw .invalidArgument(
                name: "shard", value: "\(shard) of \(count) pairs",
                allowed: "a shard count that divides the batch evenly")
        }
        let rows = shard.rows(perProcess: count / shard.count)
        return PairBatch(left: Array(left[rows]), right: Array(right[rows]), labels: Array(labels[rows]))
    }
}

/// Combines the gradients of processes that train one model together, between
/// the backward pass and the optimizer step. `TowersDistributed`'s
/// `DataParallel` is one: it averages the gradients over MPI.
///
/// ``SiameseTraining`` calls it when its ``SiameseTraining/synchronizer`` is set:
/// it trains on its ``shard`` of each step's batch, and after the backward pass
/// calls ``synchronize(loss:step:)``, which leaves the averaged gradients in the
/// variables' gradient tensors and returns the loss of the whole step.
///
/// ```swift
/// training.synchronizer = parallel          // a TowersDistributed.DataParallel
/// let loss = try training.step()            // the mean loss over every process
/// ```
public protocol GradientSynchronizer: AnyObject {
    /// This process's part of each step's batch.
    var shard: BatchShard { get }

    /// Replaces the gradients of the trainable variables by their average over
    /// the processes, and returns the step's loss over all of them (the mean of
    /// the processes' losses). `loss` is this process's loss, possibly NaN:
    /// implementations throw then, on every process, without updating.
    func synchronize(loss: Float, step: Int) throws -> Float
}
