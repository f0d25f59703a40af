public import Foundation
import Layers
public import Models
public import TowersCore
public import Variables

/// The main job's recipe: a siamese tower trained with contrastive loss and SGD
/// on pairs of digits.
public struct SiameseRecipe: Sendable, Equatable {
    /// Tower widths, input first: 64-128-64-32 with ReLU between.
    public var layerSizes = [64, 128, 64, 32]
    public var margin = 1.0
    public var learningRate = 0.05
    public var momentum = 0.9
    public var steps = 3000
    /// Pairs per step.
    public var batchSize = 64
    /// Fraction of same-class pairs.
    public var sameFraction = 0.5
    public var seed: UInt64 = 0
    public init() {}
}

/// A siamese network on the digits, its optimizer and its pair sampler: one
/// ``step()`` samples a batch of pairs, runs both towers (one set of weights),
/// computes the contrastive loss, back-propagates and updates.
///
/// ```swift
/// let run = try SiameseTraining(recipe: SiameseRecipe(), data: try Digits.load())
/// for _ in 0..<3000 { _ = try run.step() }
/// let result = try run.evaluate()
/// print(result.oneNearestNeighborAccuracy)
/// ```
public final class SiameseTraining {
    public let recipe: SiameseRecipe
    public let data: DigitsSplit
    public let store: VariableStore
    public let network: SiameseNetwork<Float>
    public let optimizer: SGD
    /// The loss of every step taken by this object, in order.
    public private(set) var losses: [Float] = []

    public init(recipe: SiameseRecipe, data: DigitsSplit, store: VariableStore? = nil) throws {
        self.recipe = recipe
        self.data = data
        let store = store ?? VariableStore(seed: recipe.seed)
        self.store = store
        let sizes = recipe.layerSizes
        network = SiameseNetwork(
            SharedTowers<Float>(store: store, scope: "tower") { x in
                var h = x
                for (i, units) in sizes.dropFirst().enumerated() {
                    h = try Dense<Float>(units: units, activation: i == sizes.count - 2 ? .identity : .relu)(h)
                }
                return h
            })
        // Build the variables once so the optimizer's slots exist before any load.
        _ = try network.towers.embed(Tensor<Float>.zeros([1, sizes[0]]))
        optimizer = try SGD(store: store, learningRate: .constant(recipe.learningRate), momentum: recipe.momentum)
        try optimizer.createSlots()
    }

    /// The number of steps taken, restored with a checkpoint.
    public var stepCount: Int { optimizer.stepCount }

    /// One training step; returns its loss. Throws ``TrainingError/nonFiniteLoss(step:value:lastGoodCheckpoint:)``
    /// without updating when the loss is NaN or infinite.
    @discardableResult
    public func step(lastGoodCheckpoint: URL? = nil) throws -> Float {
        // The sampler is re-seeded from the step count so a resumed run draws the same pairs.
        var sampler = PairSampler(
            dataset: data.train, sameFraction: recipe.sameFraction,
            seed: recipe.seed &+ UInt64(stepCount) &* 0x9E37_79B9)
        let batch = sampler.sample(recipe.batchSize)
        let (left, right) = data.train.pairTensors(batch)
        let (a, b) = try network(left, right, training: true)
        let loss = contrastiveLoss(a, b, labels: batch.labels, margin: Float(recipe.margin))
        let value = loss.scalar
        guard value.isFinite else {
            throw TrainingError.nonFiniteLoss(
                step: stepCount, value: Double(value), lastGoodCheckpoint: lastGoodCheckpoint)
        }
        loss.backward()
        try optimizer.step()
        losses.append(value)
        return value
    }

    /// Embeddings of every row of `dataset`, `[count, 32]`, without recording.
    public func embeddings(_ dataset: Dataset) throws -> Tensor<Float> {
        try network.towers.embed(dataset.featureTensor())
    }

    /// Test-set 1-NN accuracy against the train embeddings, and pair verification
    /// accuracy on test pairs with a distance threshold chosen on train pairs.
    public func evaluate(pairs: Int = 2000) throws -> EmbeddingEvaluation {
        try EmbeddingEvaluation(
            train: embeddings(data.train), trainLabels: data.train.labels,
            test: embeddings(data.test), testLabels: data.test.labels, pairs: pairs, seed: recipe.seed)
    }
}
