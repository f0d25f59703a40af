import Foundation
import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Train
import Variables

/// Options an SGD user can get wrong throw ``OptimizerError``; an update that makes a
/// weight non-finite stops training, naming the step and the variable.
@Suite("SGD validation")
struct SGDValidationTests {
    typealias F = TrainingFixtures

    private func make(
        momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0, clipNorm: Double? = nil,
        learningRate: LearningRateSchedule = .constant(0.1)
    ) throws -> SGD {
        let store = VariableStore(seed: 1)
        _ = try F.variable(store, "w", [1, 2])
        return try SGD(
            store: store, learningRate: learningRate, momentum: momentum, nesterov: nesterov,
            weightDecay: weightDecay, clipNorm: clipNorm)
    }

    @Test("invalid options throw OptimizerError naming the option and the value")
    func invalidOptions() throws {
        #expect(throws: OptimizerError(optimizer: "SGD", option: "clipNorm", "must be finite and > 0, got -1.0")) {
            try make(clipNorm: -1)
        }
        #expect(throws: OptimizerError(optimizer: "SGD", option: "clipNorm", "must be finite and > 0, got 0.0")) {
            try make(clipNorm: 0)
        }
        #expect(throws: OptimizerError.self) { try make(clipNorm: .infinity) }
        #expect(throws: OptimizerError(optimizer: "SGD", option: "momentum", "must be finite and ≥ 0, got -1.0")) {
            try make(momentum: -1)
        }
        #expect(throws: OptimizerError.self) { try make(momentum: .nan) }
        #expect(throws: OptimizerError.self) { try make(weightDecay: -0.1) }
        #expect(throws: OptimizerError.self) { try make(nesterov: true) }
        #expect(throws: OptimizerError.self) { try make(learningRate: .constant(.nan)) }
        #expect(throws: OptimizerError.self) { try make(learningRate: .constant(-0.1)) }
        #expect(throws: OptimizerError.self) { try make(learningRate: .step(initial: 0.1, factor: 0, every: 10)) }
        #expect(throws: OptimizerError.self) { try make(learningRate: .step(initial: 0.1, factor: 0.5, every: 0)) }
        #expect(throws: OptimizerError.self) { try make(learningRate: .cosine(initial: 0.1, totalSteps: 0)) }
        #expect(
            "\(OptimizerError(optimizer: "SGD", option: "clipNorm", "must be finite and > 0, got -1.0"))"
                == "SGD: clipNorm must be finite and > 0, got -1.0")
        // Valid edge values are accepted.
        _ = try make(momentum: 0, weightDecay: 0, clipNorm: 1e-9, learningRate: .constant(0))
    }

    @Test("a learning rate set to NaN after creation is caught at the next step, before any update")
    func invalidRateLater() throws {
        let sgd = try make()
        let w = try #require(sgd.store.variable(named: "w")?.tensor(as: Double.self))
        w.grad = Tensor<Double>([1, 1])
        sgd.learningRate = .constant(.nan)
        #expect(throws: OptimizerError.self) { try sgd.step() }
        #expect(w.scalars == [1, 2])
        #expect(sgd.stepCount == 0)
    }

    @Test("an update that makes a weight infinite throws nonFiniteWeights naming the step and variable")
    func nonFiniteWeights() throws {
        let store = VariableStore(seed: 1)
        let a = try F.variable(store, "a", [1, 2])
        let b = try F.variable(store, "b", [3, 4])
        let sgd = try SGD(store: store, learningRate: .constant(1e300), momentum: 0.5)
        a.value.grad = Tensor<Double>([1, 1])
        b.value.grad = Tensor<Double>([0, 0])
        try sgd.step()  // finite: 1 − 1e300
        a.value.grad = Tensor<Double>([0, 0])
        b.value.grad = Tensor<Double>([1e300, 0])
        #expect(throws: TrainingError.nonFiniteWeights(step: 1, variable: "b", lastGoodCheckpoint: nil)) {
            try sgd.step()
        }
        #expect(sgd.stepCount == 1, "global_step is not advanced by a failed step")
        let message = "\(TrainingError.nonFiniteWeights(step: 1, variable: "b", lastGoodCheckpoint: nil))"
        #expect(message.contains("step 1") && message.contains("first: b"))
    }
}
