public import Models
public import TowersCore

/// Draws seeded batches of labelled pairs of rows for siamese training.
///
/// Each batch has `round(batchSize × sameFraction)` same-class pairs (in random
/// positions) and the rest different-class pairs. A same pair takes a uniformly
/// random row and another row of its class; a different pair takes a uniformly
/// random row and a uniformly random row of any other class. The sequence of
/// batches depends only on the labels, the fraction and the seed.
///
/// ```swift
/// let train = try Digits.load().train
/// var sampler = try PairSampler(dataset: train, seed: 42)
/// let batch = try sampler.sample(64)
/// let (left, right) = train.pairTensors(batch)     // Tensor<Float> [64, 64] each
/// let y: Tensor<Float> = batch.targets()            // 1 = same, 0 = different
/// ```
public struct PairSampler: Sendable {
    /// The fraction of each batch drawn as same-class pairs.
    public let sameFraction: Double
    private let labels: [Int]
    private let byClass: [Int: [Int]]
    private let classes: [Int]
    /// Rows whose class has at least two rows (possible anchors of same pairs).
    private let sameCandidates: [Int]
    private var rng: SeededRandom

    /// A sampler over rows with the given labels.
    ///
    /// Throws ``DatasetError`` if `sameFraction` is outside `0...1` or the labels
    /// cannot give the pairs asked for: same pairs need a class with two rows,
    /// different pairs need two classes.
    public init(labels: [Int], sameFraction: Double = 0.5, seed: UInt64) throws(DatasetError) {
        guard (0...1).contains(sameFraction) else {
            throw .invalidArgument(name: "sameFraction", value: "\(sameFraction)", allowed: "a fraction in 0...1")
        }
        self.labels = labels
        self.sameFraction = sameFraction
        var byClass: [Int: [Int]] = [:]
        for (index, label) in labels.enumerated() { byClass[label, default: []].append(index) }
        self.byClass = byClass
        classes = byClass.keys.sorted()
        sameCandidates = labels.indices.filter { byClass[labels[$0]]!.count >= 2 }
        guard (sameFraction == 0 || !sameCandidates.isEmpty) && (sameFraction == 1 || classes.count >= 2) else {
            let summary = DatasetError.labelSummary(labels)
            throw .cannotMakePairs(
                part: "rows", rows: labels.count, labels: summary.labels, largestClass: summary.largest)
        }
        rng = SeededRandom(seed: seed)
    }

    /// This sampler with its generator restarted from `seed`: the batches a new
    /// sampler over the same labels and seed would draw, without grouping the
    /// rows by label again.
    ///
    /// ```swift
    /// var stepSampler = sampler.reseeded(seed: 42 &+ UInt64(step))
    /// ```
    public func reseeded(seed: UInt64) -> PairSampler {
        var copy = self
        copy.rng = SeededRandom(seed: seed)
        return copy
    }

    /// A sampler over the rows of `dataset`.
    public init(dataset: Dataset, sameFraction: Double = 0.5, seed: UInt64) throws(DatasetError) {
        try self.init(labels: dataset.labels, sameFraction: sameFraction, seed: seed)
    }

    /// Draws the next batch of `batchSize` pairs; a negative size is a ``DatasetError``.
    public mutating func sample(_ batchSize: Int) throws(DatasetError) -> PairBatch {
        guard batchSize >= 0 else {
            throw .invalidArgument(name: "batchSize", value: "\(batchSize)", allowed: "0 or more")
        }
        let sameCount = Int((Double(batchSize) * sameFraction).rounded())
        var kinds = [PairLabel](repeating: .different, count: batchSize)
        for i in 0..<sameCount { kinds[i] = .same }
        kinds.shuffle(using: &rng)

        var left: [Int] = [], right: [Int] = []
        left.reserveCapacity(batchSize)
        right.reserveCapacity(batchSize)
        for kind in kinds {
            switch kind {
            case .same:
                let i = sameCandidates[rng.nextInt(below: sameCandidates.count)]
                let members = byClass[labels[i]]!
                // Any other member of the class: draw among count - 1 and skip i.
                var k = rng.nextInt(below: members.count - 1)
                if members[k] >= i { k += 1 }
                left.append(i)
                right.append(members[k])
            case .different:
                let i = rng.nextInt(below: labels.count)
                left.append(i)
                right.append(randomRow(notIn: labels[i]))
            }
        }
        return PairBatch(left: left, right: right, labels: kinds)
    }

    /// A uniformly random row whose label is not `excluded`.
    private mutating func randomRow(notIn excluded: Int) -> Int {
        var k = rng.nextInt(below: labels.count - byClass[excluded]!.count)
        for label in classes where label != excluded {
            let members = byClass[label]!
            if k < members.count { return members[k] }
            k -= members.count
        }
        fail("unreachable: row draw beyond the other classes")
    }
}

/// A batch of pairs: row indices for the left and right inputs and whether each
/// pair shares a class.
public struct PairBatch: Sendable, Equatable {
    /// Rows for the first input of each pair.
    public let left: [Int]
    /// Rows for the second input of each pair.
    public let right: [Int]
    /// Whether each pair is same-class.
    public let labels: [PairLabel]

    /// The number of pairs.
    public var count: Int { labels.count }

    /// The labels as a `[count]` tensor of targets (1 for same, 0 for different by default).
    ///
    /// ```swift
    /// let y = batch.targets(as: Double.self)
    /// ```
    public func targets<T: TensorScalar>(as type: T.Type, same: T = 1, different: T = 0) -> Tensor<T> {
        Tensor(labels.map { $0.target(same: same, different: different) })
    }

    /// The labels as a `[count]` `Float` tensor of targets.
    ///
    /// ```swift
    /// let y = batch.targets()   // Tensor<Float>: 1 for same, 0 for different
    /// ```
    public func targets(same: Float = 1, different: Float = 0) -> Tensor<Float> {
        targets(as: Float.self, same: same, different: different)
    }
}

extension Dataset {
    /// The features of a pair batch's left and right rows, each `[B, featureCount]`.
    ///
    /// ```swift
    /// let (left, right) = train.pairTensors(sampler.sample(32))
    /// ```
    public func pairTensors(_ batch: PairBatch) -> (left: Tensor<Float>, right: Tensor<Float>) {
        (features(rows: batch.left), features(rows: batch.right))
    }
}
