import Models
public import TowersCore

/// How well embeddings separate classes.
public struct EmbeddingEvaluation: Sendable {
    /// Fraction of test rows whose nearest train embedding has the same label.
    public var oneNearestNeighborAccuracy: Double
    /// Fraction of test pairs classified correctly as same/different by thresholding
    /// their distance at ``threshold``.
    public var pairAccuracy: Double
    /// The distance threshold, chosen to maximise accuracy on train pairs.
    public var threshold: Double

    /// Evaluates `test` embeddings against `train` embeddings.
    ///
    /// ```swift
    /// let e = try EmbeddingEvaluation(train: tr, trainLabels: trl, test: te, testLabels: tel)
    /// ```
    public init(
        train: Tensor<Float>, trainLabels: [Int], test: Tensor<Float>, testLabels: [Int], pairs: Int = 2000,
        seed: UInt64 = 0
    ) throws(DatasetError) {
        oneNearestNeighborAccuracy = Self.oneNN(
            train: train, trainLabels: trainLabels, test: test, testLabels: testLabels)
        var trainSampler = try PairSampler(labels: trainLabels, seed: seed &+ 1)
        var testSampler = try PairSampler(labels: testLabels, seed: seed &+ 2)
        let trainPairs = try trainSampler.sample(pairs), testPairs = try testSampler.sample(pairs)
        let trainD = Self.distances(train, trainPairs), testD = Self.distances(test, testPairs)
        threshold = Self.bestThreshold(trainD, trainPairs.labels)
        let t = threshold
        let correct = zip(testD, testPairs.labels).filter { d, label in (d <= t) == (label == .same) }.count
        pairAccuracy = Double(correct) / Double(Swift.max(testPairs.count, 1))
    }

    static func oneNN(train: Tensor<Float>, trainLabels: [Int], test: Tensor<Float>, testLabels: [Int]) -> Double {
        // ‖t − r‖² = ‖t‖² − 2·t·r + ‖r‖²; the ‖t‖² term does not change the argmin.
        let dot = withoutGradients { test.matmul(train, transposeOther: true) }  // (test, train)
        let trainNorms = train.withUnsafeBufferPointer { p in
            (0..<train.shape[0]).map { r in
                (0..<train.shape[1]).reduce(Float(0)) { $0 + p[r * train.shape[1] + $1] * p[r * train.shape[1] + $1] }
            }
        }
        let n = train.shape[0]
        var correct = 0
        dot.withUnsafeBufferPointer { d in
            for i in 0..<test.shape[0] {
                var best = 0
                var bestD = Float.infinity
                for j in 0..<n {
                    let dist = trainNorms[j] - 2 * d[i * n + j]
                    if dist < bestD { bestD = dist; best = j }
                }
                if trainLabels[best] == testLabels[i] { correct += 1 }
            }
        }
        return Double(correct) / Double(Swift.max(test.shape[0], 1))
    }

    static func distances(_ e: Tensor<Float>, _ batch: PairBatch) -> [Double] {
        let d = e.shape[1]
        return e.withUnsafeBufferPointer { p in
            zip(batch.left, batch.right).map { i, j in
                (0..<d).reduce(0.0) { s, k in
                    let diff = Double(p[i * d + k] - p[j * d + k])
                    return s + diff * diff
                }.squareRoot()
            }
        }
    }

    static func bestThreshold(_ distances: [Double], _ labels: [PairLabel]) -> Double {
        let sorted = zip(distances, labels).sorted { $0.0 < $1.0 }
        // Threshold after position k: the first k+1 are "same". A threshold can only
        // fall between distinct distances, so inside a run of equal distances it is
        // not a candidate (the count would credit only part of the tie).
        var correct = labels.filter { $0 == .different }.count  // threshold below everything
        var best = (correct, (sorted.first?.0 ?? 0) - 1e-6)
        for (k, (d, label)) in sorted.enumerated() {
            correct += label == .same ? 1 : -1
            let next = k + 1 < sorted.count ? sorted[k + 1].0 : d + 1
            if next > d, correct > best.0 { best = (correct, (d + next) / 2) }
        }
        return best.1
    }
}
