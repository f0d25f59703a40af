public import TowersCore

/// One mini-batch: which rows of the data set it holds, their features and labels.
///
/// ```swift
/// for batch in data.batches(size: 32, seed: 1) {
///     print(batch.indices.count, batch.features.shape, batch.labels)
/// }
/// ```
public struct DatasetBatch: Sendable {
    /// The data set rows in this batch, in batch order.
    public let indices: [Int]
    /// The rows' features, `[indices.count, featureCount]`.
    public let features: Tensor<Float>
    /// The rows' labels.
    public let labels: [Int]
}

/// The mini-batches of one epoch (see ``Dataset/batches(size:seed:epoch:dropLast:)``);
/// each batch's tensor is built when the iterator reaches it.
public struct DatasetBatches: Sequence, Sendable {
    /// The data set being batched.
    public let dataset: Dataset
    /// The row order of this epoch.
    public let order: [Int]
    /// The batch size.
    public let size: Int
    /// Whether a final, smaller batch is dropped.
    public let dropLast: Bool

    /// The number of batches.
    public var count: Int { dropLast ? order.count / size : (order.count + size - 1) / size }

    /// The row indices of every batch, without building tensors.
    public var indexBatches: [[Int]] {
        (0..<count).map { Array(order[($0 * size)..<Swift.min(($0 + 1) * size, order.count)]) }
    }

    public func makeIterator() -> Iterator {
        Iterator(batches: self)
    }

    /// Yields the batches in order.
    public struct Iterator: IteratorProtocol, Sendable {
        let batches: DatasetBatches
        var position = 0

        public mutating func next() -> DatasetBatch? {
            guard position < batches.count else { return nil }
            let start = position * batches.size
            let rows = Array(batches.order[start..<Swift.min(start + batches.size, batches.order.count)])
            position += 1
            return DatasetBatch(
                indices: rows, features: batches.dataset.features(rows: rows),
                labels: batches.dataset.labels(rows: rows))
        }
    }
}
