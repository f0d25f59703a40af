import Models
import Testing
import TowersCore

@testable import Train

@Suite("Embedding evaluation")
struct EmbeddingEvaluationTests {
    /// The fraction of pairs classified correctly by `d <= threshold ⇔ same`.
    static func accuracy(_ distances: [Double], _ labels: [PairLabel], threshold: Double) -> Double {
        Double(zip(distances, labels).filter { ($0 <= threshold) == ($1 == .same) }.count) / Double(labels.count)
    }

    @Test("the threshold is the best one on the pairs it was chosen on")
    func bestThresholdSeparates() {
        let d: [Double] = [0.1, 0.4, 0.3, 2.0, 1.5, 0.9]
        let labels: [PairLabel] = [.same, .same, .same, .different, .different, .different]
        let t = EmbeddingEvaluation.bestThreshold(d, labels)
        #expect(t > 0.4 && t < 0.9)
        #expect(Self.accuracy(d, labels, threshold: t) == 1)
    }

    /// Equal distances with different labels: a threshold can only fall between
    /// distinct distances, so the count must not credit part of a tie.
    @Test("tied distances: the chosen threshold's real accuracy is the best possible")
    func tiedDistances() {
        let d: [Double] = [0, 1, 1, 1, 2]
        let labels: [PairLabel] = [.same, .same, .different, .different, .different]
        let t = EmbeddingEvaluation.bestThreshold(d, labels)
        #expect(Self.accuracy(d, labels, threshold: t) == 0.8, "threshold \(t)")

        // Random integer distances (many ties) against a brute-force search.
        var rng = SeededRandom(seed: 9)
        for trial in 0..<50 {
            let n = 5 + rng.nextInt(below: 30)
            let distances = (0..<n).map { _ in Double(rng.nextInt(below: 5)) }
            let pairLabels = distances.map { rng.nextUniform() < 0.8 - 0.15 * $0 ? PairLabel.same : .different }
            let candidates = [-1.0] + (0..<5).map { Double($0) + 0.5 }
            let best = candidates.map { Self.accuracy(distances, pairLabels, threshold: $0) }.max()!
            let chosen = EmbeddingEvaluation.bestThreshold(distances, pairLabels)
            #expect(Self.accuracy(distances, pairLabels, threshold: chosen) == best, "trial \(trial)")
        }
    }

    @Test("perfectly clustered embeddings: 1-NN and pair accuracy are 1")
    func perfectClusters() throws {
        // Three classes at far-apart points, a little jitter.
        let centres: [[Float]] = [[0, 0], [10, 0], [0, 10]]
        func embed(_ labels: [Int], jitter: Float) throws -> Tensor<Float> {
            try Tensor(
                labels.enumerated().map { i, c in
                    [centres[c][0] + jitter * Float(i % 3), centres[c][1] - jitter * Float(i % 2)]
                })
        }
        let trainLabels = (0..<30).map { $0 % 3 }, testLabels = (0..<12).map { ($0 * 2) % 3 }
        let e = try EmbeddingEvaluation(
            train: try embed(trainLabels, jitter: 0.1), trainLabels: trainLabels,
            test: try embed(testLabels, jitter: 0.2), testLabels: testLabels, pairs: 200, seed: 1)
        #expect(e.oneNearestNeighborAccuracy == 1)
        #expect(e.pairAccuracy == 1)
        #expect(e.threshold > 1 && e.threshold < 9)
    }

    @Test("1-NN accuracy counts the nearest train row's label")
    func oneNearestNeighbor() throws {
        let train = try Tensor<Float>([[0, 0], [1, 0], [5, 5]])
        let test = try Tensor<Float>([[0.9, 0.1], [4, 4], [0.2, 0]])
        // Nearest: row 1 (label 1), row 2 (label 2), row 0 (label 0).
        #expect(
            EmbeddingEvaluation.oneNN(train: train, trainLabels: [0, 1, 2], test: test, testLabels: [1, 2, 0]) == 1)
        #expect(
            EmbeddingEvaluation.oneNN(train: train, trainLabels: [0, 1, 2], test: test, testLabels: [0, 2, 0]) == 2.0
                / 3)
    }
}
