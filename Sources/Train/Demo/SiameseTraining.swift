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
    /// Gradients are scaled to this global norm when theirs is larger (`nil`: no clipping).
    public var clipNorm: Double? = nil
    public var steps = 3000
    /// Pairs per step.
    public var batchSize = 64
    /// Fraction of same-class pairs.
    public var sameFraction = 0.5
    public var seed: UInt64 = 0
    /// How steps run: captured once and replayed (the default), or eagerly.
    public var execution = Execution.captured
    /// Whether a captured step runs its two towers at the same time, one per core
    /// (the default). Several processes on one machine (MPI ranks) may do better
    /// with one core each.
    public var towersInParallel = true
    public init() {}

    /// How training steps run.
    public enum Execution: Sendable, Equatable {
        /// The first step is captured (`CapturedStep`) and replayed after
        /// that, the towers on their own cores.
        case captured
        /// Every step builds the towers again, one operation at a time.
        case eager
    }
}

/// A siamese network on the digits (or another data set split the same way,
/// ``Digits/split(_:)``), its optimizer and its pair sampler: one
/// ``step(lastGoodCheckpoint:)`` samples a batch of pairs, runs both towers (one set of weights),
/// computes the contrastive loss, back-propagates and updates. By default the
/// first step is captured and later steps replay it (``SiameseRecipe/Execution``).
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
    /// The training rows grouped for pair sampling, once; each step reseeds it.
    private let pairSampler: PairSampler
    /// The loss of every step taken by this object, in order.
    public private(set) var losses: [Float] = []
    /// The captured step, after the first step when ``SiameseRecipe/execution`` is `.captured`.
    public private(set) var capturedStep: CapturedStep<Float, Float, Float, Float>?
    /// Combines gradients with other processes after each backward pass (data
    /// parallelism, see ``GradientSynchronizer``); `nil` trains alone. With one,
    /// ``SiameseRecipe/batchSize`` is the batch of this process, each step's
    /// global batch is `batchSize × shard.count` pairs, and ``losses`` holds the
    /// global losses.
    public var synchronizer: (any GradientSynchronizer)?

    /// - Throws: ``DatasetError`` when the training or test rows cannot make pairs
    ///   (fewer than two labels, or no label on two rows), and
    ///   ``OptimizerError`` for a bad learning rate, momentum or clip norm.
    public init(recipe: SiameseRecipe, data: DigitsSplit, store: VariableStore? = nil) throws {
        if recipe.layerSizes.first != data.train.featureCount {
            throw DatasetError.featureCountMismatch(model: recipe.layerSizes.first ?? 0, data: data.train.featureCount)
        }
        try DatasetError.checkPairs(data.train, part: "training rows (those whose index is not divisible by 5)")
        try DatasetError.checkPairs(data.test, part: "test rows (those whose index is divisible by 5)")
        self.recipe = recipe
        self.data = data
        pairSampler = try PairSampler(dataset: data.train, sameFraction: recipe.sameFraction, seed: recipe.seed)
        let store = store ?? VariableStore(seed: recipe.seed)
        self.store = store
        let sizes = recipe.layerSizes
        let network = SiameseNetwork(
            SharedTowers<Float>(store: store, scope: "tower") { x in
                var h = x
                for (i, units) in sizes.dropFirst().enumerated() {
                    h = try Dense<Float>(units: units, activation: i == sizes.count - 2 ? .identity : .relu)(h)
                }
                return h
            })
        // Build the variables once so the optimizer's slots exist before any load,
        // under a name scope of its own: a name scope never changes variable keys
        // (rule 22), and the captured step's operations keep TF's `tower/…` and
        // `tower_1/…` names.
        _ = try store.nameScope("build") { try network.towers.embed(Tensor<Float>.zeros([1, sizes[0]])) }
        self.network = network
        optimizer = try SGD(
            store: store, learningRate: .constant(recipe.learningRate), momentum: recipe.momentum,
            clipNorm: recipe.clipNorm)
        try optimizer.createSlots()
    }

    /// The number of steps taken, restored with a checkpoint.
    public var stepCount: Int { optimizer.stepCount }

    /// One training step; returns its loss (over every process, with a
    /// ``synchronizer``).
    ///
    /// - Throws: ``TrainingError/nonFiniteLoss(step:value:lastGoodCheckpoint:)``
    ///   without updating when the loss is NaN or infinite, and
    ///   ``TrainingError/nonFiniteWeights(step:variable:lastGoodCheckpoint:)`` when the
    ///   update made a weight NaN or infinite (then the weights in memory are unusable:
    ///   ``Checkpoint/save(_:to:metadata:variables:)`` refuses them).
    @discardableResult
    public func step(lastGoodCheckpoint: URL? = nil) throws -> Float {
        let index = optimizer.stepCount
        // The sampler is re-seeded from the step count so a resumed run draws the same pairs.
        var sampler = pairSampler.reseeded(seed: recipe.seed &+ UInt64(index) &* 0x9E37_79B9)
        let shard = synchronizer?.shard ?? .whole
        let batch =
            shard.count == 1
            ? try sampler.sample(recipe.batchSize) : try sampler.sample(recipe.batchSize * shard.count).shard(shard)
        let (left, right) = data.train.pairTensors(batch)
        let same = batch.targets()
        var value: Float
        switch recipe.execution {
        case .eager:
            let (a, b) = try network(left, right, training: true)
            let loss = try contrastiveLoss(a, b, same: same, margin: Float(recipe.margin))
            value = loss.scalar
            guard value.isFinite || synchronizer != nil else {
                throw TrainingError.nonFiniteLoss(
                    step: index, value: Double(value), lastGoodCheckpoint: lastGoodCheckpoint)
            }
            // With a synchronizer a non-finite loss still takes part in the exchange,
            // which then stops every process.
            if value.isFinite { loss.backward() }
        case .captured:
            if let step = capturedStep {
                value = try step(left, right, same)
            } else {
                let margin = Float(recipe.margin), network = network
                let step = try store.capture(left, right, same, parallelTowers: recipe.towersInParallel) { l, r, s in
                    let (a, b) = try network(l, r, training: true)
                    return try contrastiveLoss(a, b, same: s, margin: margin)
                }
                capturedStep = step
                value = step.lastLoss
            }
        }
        if let synchronizer {
            do {
                value = try synchronizer.synchronize(loss: value, step: index)
            } catch {
                optimizer.zeroGradients()
                throw error
            }
        }
        // The backward pass has run; without an update its gradients are dropped.
        guard value.isFinite else {
            optimizer.zeroGradients()
            throw TrainingError.nonFiniteLoss(step: index, value: Double(value), lastGoodCheckpoint: lastGoodCheckpoint)
        }
        do {
            try optimizer.step()
        } catch let error as TrainingError {
            throw error.with(lastGoodCheckpoint: lastGoodCheckpoint)
        }
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
