// A siamese CNN on the embedded digits: two towers (one set of weights) embed
// 8×8 images, contrastive loss pulls same-digit pairs together, Adam trains a
// captured step. Prints the test set's 1-nearest-neighbour accuracy.
//
//     swift run -c release SiameseDigitsCNN [--steps N]

import ExampleSupport
import Foundation
import Towers

@main
struct SiameseDigitsCNN {
    static func main() throws {
        let steps = ExampleArguments.steps(default: 1500)
        let digits = try Digits.load()
        let store = VariableStore(seed: 7)

        // The tower: [B, 64] → [B, 8, 8, 1] → conv 3×3, 16 → max pool → conv 3×3, 32 → dense 32.
        // The layers are made inside the tower function, so every tower gets the same
        // names (cnn/conv2d/kernel, …) and, under SharedTowers' .autoReuse, the same weights.
        let towers = SharedTowers<Float>(store: store, scope: "cnn") { x, training in
            var h = try Reshape<Float>([8, 8, 1])(x)
            h = try Conv2D<Float>(filters: 16, kernelSize: (3, 3), padding: .same, activation: .relu)(h)
            h = try MaxPool2D<Float>(poolSize: (2, 2))(h)
            h = try Conv2D<Float>(filters: 32, kernelSize: (3, 3), padding: .same, activation: .relu)(h)
            h = try Flatten<Float>()(h)
            h = try Dropout<Float>(rate: 0.1)(h, training: training)
            return try Dense<Float>(units: 32)(h)
        }
        let siamese = SiameseNetwork(towers)
        let adam = try Adam(store: store, learningRate: .constant(1e-3))

        var sampler = try PairSampler(dataset: digits.train, seed: 1)
        func nextBatch() throws -> (Tensor<Float>, Tensor<Float>, Tensor<Float>) {
            let batch = try sampler.sample(64)
            let (left, right) = digits.train.pairTensors(batch)
            return (left, right, batch.targets())
        }

        // Step 1 runs eagerly and is recorded; later steps replay it on new batches.
        let (left, right, same) = try nextBatch()
        let step = try store.capture(left, right, same) { l, r, s in
            let (a, b) = try siamese(l, r, training: true)
            return try contrastiveLoss(a, b, same: s, margin: 1)
        }
        try adam.step()
        var loss = step.lastLoss
        for i in 1..<max(steps, 1) {
            let (l, r, s) = try nextBatch()
            loss = try step(l, r, s)
            try adam.step()
            if (i + 1) % 500 == 0 { print(String(format: "step %5d  contrastive loss %.4f", i + 1, loss)) }
        }

        let evaluation = try EmbeddingEvaluation(
            train: try towers.embed(digits.train.featureTensor()), trainLabels: digits.train.labels,
            test: try towers.embed(digits.test.featureTensor()), testLabels: digits.test.labels)
        print("trainable parameters (one tower, shared): \(SharingReport(store: store).trainableParameters)")
        print(String(format: "test 1-NN accuracy: %.4f (after %d steps)", evaluation.oneNearestNeighborAccuracy, steps))
    }
}
