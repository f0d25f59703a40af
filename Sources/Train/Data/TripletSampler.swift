public import TowersCore

/// Draws seeded batches of triplets for triplet-loss training: an anchor row, a
/// different row of the same class (positive) and a row of another class
/// (negative).
///
/// The anchor is uniform over rows whose class has at least two rows; the
/// positive is uniform over the anchor's other class members; the negative is
/// uniform over all rows of other classes.
///
/// ```swift
/// let train = try Digits.load().train
/// var sampler = try TripletSampler(dataset: train, seed: 3)
/// let batch = try sampler.sample(32)
/// let (a, p, n) = train.tripletTensors(batch)      // Tensor<Float> [32, 64] each
/// ```
public struct TripletSampler: Sendable {
    private let labels: [Int]
    private let byClass: [Int: [Int]]
    private let classes: [Int]
    private let anchorCandidates: [Int]
    private var rng: SeededRandom

    /// A sampler over rows with the given labels. Throws ``DatasetError`` unless
    /// some class has two rows and there are at least two classes.
    public init(labels: [Int], seed: UInt64) throws(DatasetError) {
        self.labels = labels
        var byClass: [Int: [Int]] = [:]
        for (index, label) in labels.enumerated() { byClass[label, default: []].append(index) }
        self.byClass = byClass
        classes = byClass.keys.sorted()
        anchorCandidates = labels.indices.filter { byClass[labels[$0]]!.count >= 2 }
        guard !anchorCandidates.isEmpty && classes.count >= 2 else {
            let summary = DatasetError.labelSummary(labels)
            throw .cannotMakeTriplets(rows: labels.count, labels: summary.labels, largestClass: summary.largest)
        }
        rng = SeededRandom(seed: seed)
    }

    /// A sampler over the rows of `dataset`.
    public init(dataset: Dataset, seed: UInt64) throws(DatasetError) {
        try self.init(labels: dataset.labels, seed: seed)
    }

    /// Draws the next batch of `batchSize` triplets; a negative size is a ``DatasetError``.
    public mutating func sample(_ batchSize: Int) throws(DatasetError) -> TripletBatch {
        guard batchSize >= 0 else {
            throw .invalidArgument(name: "batchSize", value: "\(batchSize)", allowed: "0 or more")
        }
        var anchors: [Int] = [], positives: [Int] = [], negatives: [Int] = []
        anchors.reserveCapacity(batchSize)
        positives.reserveCapacity(batchSize)
        negatives.reserveCapacity(batchSize)
        for _ in 0..<batchSize {
            let a = anchorCandidates[rng.nextInt(below: anchorCandidates.count)]
            let label = labels[a]
            let members = byClass[label]!
            var k = rng.nextInt(below: members.count - 1)
            if members[k] >= a { k += 1 }
            var n = rng.nextInt(below: labels.count - members.count)
            var negative = -1
            for other in classes where other != label {
                let rows = byClass[other]!
                if n < rows.count {
                    negative = rows[n]
                    break
                }
                n -= rows.count
            }
            anchors.append(a)
            positives.append(members[k])
            negatives.append(negative)
        }
        return TripletBatch(anchors: anchors, positives: positives, negatives: negatives)
    }
}

/// A batch of triplets as row indices.
public struct TripletBatch: Sendable, Equatable {
    /// The anchor rows.
    public let anchors: [Int]
    /// Rows of the same class as each anchor (never the anchor itself).
    public let positives: [Int]
    /// Rows of a different class from each anchor.
    public let negatives: [Int]

    /// The number of triplets.
    public var count: Int { anchors.count }
}

extension Dataset {
    /// The features of a triplet batch's anchors, positives and negatives, each
    /// `[B, featureCount]`.
    ///
    /// ```swift
    /// let (anchor, positive, negative) = train.tripletTensors(sampler.sample(16))
    /// ```
    public func tripletTensors(
        _ batch: TripletBatch
    ) -> (anchor: Tensor<Float>, positive: Tensor<Float>, negative: Tensor<Float>) {
        (features(rows: batch.anchors), features(rows: batch.positives), features(rows: batch.negatives))
    }
}
