// A triplet network over token sequences: three towers (one set of weights),
// each an Embedding, an LSTM over the sequence (RNN) and a Dense projection of
// its last state, trained with the triplet margin loss and Adam as a captured
// step. The sequences are synthetic: four classes, each drawing half of its
// tokens from its own five-token range. Prints the held-out sequences'
// 1-nearest-neighbour accuracy.
//
//     swift run -c release TripletSequences [--steps N]

import ExampleSupport
import Foundation
import Towers

@main
struct TripletSequences {
    static let vocabulary = 20, length = 12, classes = 4

    /// `count` sequences of token indices (as Float features) with their class.
    static func sequences(count: Int, seed: UInt64) throws -> Dataset {
        var rng = SeededRandom(seed: seed)
        var tokens: [Float] = [], labels: [Int] = []
        for i in 0..<count {
            let label = i % classes
            for _ in 0..<length {
                let own = rng.nextUniform() < 0.5
                let token = own ? 5 * label + rng.nextInt(below: 5) : rng.nextInt(below: vocabulary)
                tokens.append(Float(token))
            }
            labels.append(label)
        }
        return try Dataset(features: tokens, labels: labels, featureCount: length)
    }

    static func main() throws {
        let steps = ExampleArguments.steps(default: 600)
        let train = try sequences(count: 400, seed: 1), test = try sequences(count: 200, seed: 2)
        let store = VariableStore(seed: 3)

        // [B, 12] token indices → [B, 12, 16] → LSTM(32), last hidden state → [B, 16].
        let towers = SharedTowers<Float>(store: store, scope: "encoder") { tokens in
            let vectors = try Embedding<Float>(vocabularySize: vocabulary, dimension: 16)(tokens)
            let (_, state) = try RNN(cell: LSTMCell<Float>(units: 32)).run(vectors)
            return try Dense<Float>(units: 16)(state.hidden)
        }
        let triplets = TripletNetwork(towers)
        let adam = try Adam(store: store, learningRate: .constant(3e-3))

        var sampler = try TripletSampler(dataset: train, seed: 4)
        func nextBatch() throws -> (Tensor<Float>, Tensor<Float>, Tensor<Float>) {
            train.tripletTensors(try sampler.sample(32))
        }
        let (anchors, positives, negatives) = try nextBatch()
        let step = try store.capture(anchors, positives, negatives) { a, p, n in
            let (ea, ep, en) = try triplets(a, p, n, training: true)
            return try tripletMarginLoss(anchor: ea, positive: ep, negative: en, margin: 1)
        }
        try adam.step()
        var loss = step.lastLoss
        for i in 1..<max(steps, 1) {
            let (a, p, n) = try nextBatch()
            loss = try step(a, p, n)
            try adam.step()
            if (i + 1) % 200 == 0 { print(String(format: "step %5d  triplet loss %.4f", i + 1, loss)) }
        }

        print(store.trainableVariables.map(\.name).joined(separator: ", "))
        let evaluation = try EmbeddingEvaluation(
            train: try towers.embed(train.featureTensor()), trainLabels: train.labels,
            test: try towers.embed(test.featureTensor()), testLabels: test.labels)
        print(
            String(
                format: "held-out 1-NN accuracy: %.4f (after %d steps)", evaluation.oneNearestNeighborAccuracy, steps))
    }
}
