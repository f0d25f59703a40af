public import TowersCore

/// A labelled data set held in memory: `count` rows of `featureCount` `Float`
/// features (row-major, ready to become a `[count, featureCount]` tensor) and
/// one integer class label per row.
///
/// ```swift
/// let data = Dataset(features: [0, 1, 1, 0], labels: [3, 7], featureCount: 2)
/// let x = data.featureTensor()               // Tensor<Float> [2, 2]
/// for batch in data.batches(size: 32, seed: 1, epoch: 0) {
///     // batch.features: [B, 2], batch.labels: [Int]
/// }
/// ```
public struct Dataset: Sendable, Equatable {
    /// All features, row-major: row `i` is `features[i * featureCount ..< (i + 1) * featureCount]`.
    public let features: [Float]
    /// The class label of each row.
    public let labels: [Int]
    /// The number of features per row.
    public let featureCount: Int

    /// A data set from row-major features and one label per row.
    ///
    /// ```swift
    /// let tiny = try Dataset(features: [0.1, 0.2, 0.3], labels: [0, 1, 1], featureCount: 1)
    /// ```
    ///
    /// Throws ``DatasetError/featuresDoNotMakeRows(features:labels:featureCount:)``
    /// unless `featureCount` is positive and the features make one row per label.
    public init(features: [Float], labels: [Int], featureCount: Int) throws(DatasetError) {
        guard featureCount > 0, labels.count.multipliedReportingOverflow(by: featureCount) == (features.count, false)
        else {
            throw .featuresDoNotMakeRows(features: features.count, labels: labels.count, featureCount: featureCount)
        }
        self.init(validFeatures: features, labels: labels, featureCount: featureCount)
    }

    /// A data set whose rows the caller has already checked.
    init(validFeatures features: [Float], labels: [Int], featureCount: Int) {
        check(featureCount > 0 && features.count == labels.count * featureCount, "a dataset's rows were not checked")
        self.features = features
        self.labels = labels
        self.featureCount = featureCount
    }

    /// The number of rows.
    public var count: Int { labels.count }

    /// The distinct labels, ascending.
    public var classes: [Int] { Array(Set(labels)).sorted() }

    /// How many rows carry each label.
    ///
    /// ```swift
    /// Digits.load().train.labelCounts()[3]   // rows labelled 3
    /// ```
    public func labelCounts() -> [Int: Int] {
        labels.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    /// The row indices of each label, ascending.
    public func indicesByClass() -> [Int: [Int]] {
        var result: [Int: [Int]] = [:]
        for (index, label) in labels.enumerated() { result[label, default: []].append(index) }
        return result
    }

    /// One row's features.
    public func row(_ index: Int) -> ArraySlice<Float> {
        guard index >= 0 && index < count else { fail("row \(index) out of range 0..<\(count)") }
        return features[(index * featureCount)..<((index + 1) * featureCount)]
    }

    /// All features as a `Tensor<Float>` of shape `[count, featureCount]`.
    public func featureTensor() -> Tensor<Float> {
        Tensor(validShape: [count, featureCount], scalars: features)
    }

    /// The features of `rows` (in that order, repeats allowed) as a
    /// `[rows.count, featureCount]` tensor, copied row by row.
    ///
    /// ```swift
    /// let x = data.features(rows: [4, 0, 4])   // Tensor<Float> [3, featureCount]
    /// ```
    public func features(rows: [Int]) -> Tensor<Float> {
        features(rows: rows, as: Float.self)
    }

    /// The features of `rows` as a `Tensor<T>` (converted when `T` is `Double`).
    public func features<T: TensorScalar>(rows: [Int], as type: T.Type) -> Tensor<T> {
        let d = featureCount
        let storage = TensorStorage<T>(uninitializedCount: rows.count * d)
        features.withUnsafeBufferPointer { source in
            for (r, index) in rows.enumerated() {
                guard index >= 0 && index < count else { fail("row \(index) out of range 0..<\(count)") }
                let from = source.baseAddress! + index * d
                let to = storage.base + r * d
                if T.self == Float.self {
                    UnsafeMutableRawPointer(to).initializeMemory(as: Float.self, from: from, count: d)
                } else {
                    for k in 0..<d { (to + k).initialize(to: T(from[k])) }
                }
            }
        }
        return Tensor(shape: [rows.count, d], storage: storage)
    }

    /// The labels of `rows`, in that order.
    public func labels(rows: [Int]) -> [Int] {
        rows.map { labels[$0] }
    }

    /// A data set of the given rows, in that order (repeats allowed).
    ///
    /// ```swift
    /// let firstTen = data.subset(Array(0..<10))
    /// ```
    public func subset(_ indices: [Int]) -> Dataset {
        var selected: [Float] = []
        selected.reserveCapacity(indices.count * featureCount)
        for index in indices { selected.append(contentsOf: row(index)) }
        return Dataset(validFeatures: selected, labels: indices.map { labels[$0] }, featureCount: featureCount)
    }

    /// The row indices `0..<count` in an order that depends only on `seed` and
    /// `epoch` (a Fisher–Yates shuffle driven by `SeededRandom`), so a run can
    /// be reproduced or resumed at any epoch.
    ///
    /// ```swift
    /// let order = data.shuffledIndices(seed: 42, epoch: 3)
    /// ```
    public func shuffledIndices(seed: UInt64, epoch: Int = 0) -> [Int] {
        var rng = SeededRandom(seed: Self.mix(seed: seed, epoch: epoch))
        var order = Array(0..<count)
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(i, rng.nextInt(below: i + 1))
            }
        }
        return order
    }

    /// A data set with the rows in ``shuffledIndices(seed:epoch:)`` order.
    public func shuffled(seed: UInt64, epoch: Int = 0) -> Dataset {
        subset(shuffledIndices(seed: seed, epoch: epoch))
    }

    /// The mini-batches of one epoch: rows shuffled by `seed` and `epoch` (or in
    /// order when `seed` is `nil`), cut into batches of `size`; the last batch is
    /// smaller unless `dropLast` drops it.
    ///
    /// ```swift
    /// for epoch in 0..<10 {
    ///     for batch in try train.batches(size: 64, seed: 7, epoch: epoch) {
    ///         let logits = model(batch.features)   // [B, 64] → …
    ///         _ = batch.labels
    ///     }
    /// }
    /// ```
    ///
    /// A `size` below 1 is a ``DatasetError``.
    public func batches(
        size: Int, seed: UInt64?, epoch: Int = 0, dropLast: Bool = false
    ) throws(DatasetError)
        -> DatasetBatches
    {
        guard size > 0 else { throw .invalidArgument(name: "size", value: "\(size)", allowed: "1 or more") }
        let order = seed.map { shuffledIndices(seed: $0, epoch: epoch) } ?? Array(0..<count)
        return DatasetBatches(dataset: self, order: order, size: size, dropLast: dropLast)
    }

    /// Derives an epoch's shuffle seed from the run's seed.
    static func mix(seed: UInt64, epoch: Int) -> UInt64 {
        seed ^ (UInt64(bitPattern: Int64(epoch)) &+ 1) &* 0x9E37_79B9_7F4A_7C15
    }
}
