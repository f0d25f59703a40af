import Foundation
import Testing
import Towers

// The code of the article "Write your own model and training loop"
// (`Sources/Towers/Towers.docc/WritingYourOwnModel.md`), as it is printed there:
// `ArticleSnippetTests` checks that every snippet of the article is in this file.

/// A classifier of the digits' 64 pixels into 10 classes: its layers are made
/// once, so every call uses the same weights.
struct Classifier {
    let store: VariableStore
    let hidden = Dense<Float>(units: 64, activation: .relu)
    let dropout = Dropout<Float>(rate: 0.2)
    let output = Dense<Float>(units: 10)

    /// Logits `[batch, 10]` for pixels `[batch, 64]`.
    func callAsFunction(_ x: Tensor<Float>, training: Bool = false) throws -> Tensor<Float> {
        try store.variableScope("classifier") {
            try output(try dropout(try hidden(x), training: training))
        }
    }
}

/// The fraction of rows whose largest logit is at their label.
func accuracy(_ logits: Tensor<Float>, _ labels: [Int]) -> Double {
    let classes = logits.shape[1], scores = logits.scalars
    let hits = labels.indices.filter { row in
        let slice = scores[(row * classes)..<((row + 1) * classes)]
        return slice.firstIndex(of: slice.max()!)! - row * classes == labels[row]
    }
    return Double(hits.count) / Double(labels.count)
}

@Suite("Article: write your own model and training loop")
struct OwnModelArticleTests {
    @Test("an eager loop trains the classifier; its variables have the layers' names")
    func eagerLoop() throws {
        let store = VariableStore(seed: 1)
        let model = Classifier(store: store)
        let digits = try Digits.load()
        let adam = try Adam(store: store, learningRate: .constant(1e-2))

        for epoch in 0..<3 {
            for batch in try digits.train.batches(size: 64, seed: 1, epoch: epoch) {
                let logits = try model(batch.features, training: true)
                let loss = try softmaxCrossEntropy(logits: logits, labels: batch.labels)
                loss.backward()  // each weight's gradient, in its `grad`
                try adam.step()  // updates, zeroes the gradients, counts global_step
            }
        }

        let test = try withoutGradients { try model(digits.test.featureTensor()) }
        print(accuracy(test, digits.test.labels))
        print(store.trainableVariables.map(\.name))
        // ["classifier/dense/kernel", "classifier/dense/bias", "classifier/dense_1/kernel", "classifier/dense_1/bias"]
        #expect(accuracy(test, digits.test.labels) > 0.9)
        #expect(
            store.trainableVariables.map(\.name) == [
                "classifier/dense/kernel", "classifier/dense/bias", "classifier/dense_1/kernel",
                "classifier/dense_1/bias",
            ])
        #expect(adam.stepCount == 3 * 23)
    }

    @Test("a captured step replays the loop's first step with new batches")
    func capturedLoop() throws {
        let store = VariableStore(seed: 1)
        let model = Classifier(store: store)
        let digits = try Digits.load()
        let adam = try Adam(store: store, learningRate: .constant(1e-2))

        // Everything that changes per step is an input tensor: the labels too, one-hot.
        func oneHot(_ labels: [Int]) -> Tensor<Float> {
            var hot = [Float](repeating: 0, count: labels.count * 10)
            for (row, label) in labels.enumerated() { hot[row * 10 + label] = 1 }
            return try! Tensor(shape: [labels.count, 10], scalars: hot)
        }
        let batches = try (0..<3).flatMap { try digits.train.batches(size: 64, seed: 1, epoch: $0, dropLast: true) }
        let step = try store.capture(batches[0].features, oneHot(batches[0].labels)) { x, y in
            let logits = try model(x, training: true)
            return -(logits.logSoftmax() * y).sum() / 64
        }
        try adam.step()
        for batch in batches.dropFirst() {
            let loss = try step(batch.features, oneHot(batch.labels))  // forward and backward, replayed
            try adam.step()
            #expect(loss.isFinite)
        }

        let test = try withoutGradients { try model(digits.test.featureTensor()) }
        #expect(accuracy(test, digits.test.labels) > 0.9)
        #expect(adam.stepCount == batches.count)
    }

    @Test("save, then load the weights before the model is built, as for inference")
    func saveAndLoad() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("towers-article-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = VariableStore(seed: 1)
        let model = Classifier(store: store)
        let digits = try Digits.load()
        let adam = try Adam(store: store, learningRate: .constant(1e-2))
        for batch in try digits.train.batches(size: 64, seed: 1) {
            try softmaxCrossEntropy(logits: model(batch.features, training: true), labels: batch.labels).backward()
            try adam.step()
        }
        let url = dir.appendingPathComponent("classifier.safetensors")

        try Checkpoint.save(store, to: url)  // weights, Adam's slots and global_step

        // Later, in another program: the store is empty until the model runs.
        let restored = VariableStore(seed: 2)
        try Checkpoint.loadWeights(into: restored, from: url)  // values wait; Adam's state is skipped
        let sameModel = Classifier(store: restored)
        // Its first run creates the variables, with the file's values.
        let logits = try withoutGradients { try sameModel(digits.test.featureTensor()) }
        try Checkpoint.finishLoading(restored)  // throws if a weight found no variable, or the reverse

        let original = try withoutGradients { try model(digits.test.featureTensor()) }
        #expect(logits.scalars == original.scalars)
        #expect(accuracy(logits, digits.test.labels) == accuracy(original, digits.test.labels))
    }
}
