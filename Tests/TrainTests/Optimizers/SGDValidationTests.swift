import Foundation
import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Train
import Variables

/// Options an SGD user can get wrong throw ``SGDError``; an update that makes a
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

    @Test("invalid options throw SGDError naming the option, the value and the range")
    func invalidOptions() throws {
        #expect(throws: SGDError.invalidOption(name: "clipNorm", value: -1, allowed: "a finite number > 0")) {
            try make(clipNorm: -1)
        }
        #expect(throws: SGDError.invalidOption(name: "clipNorm", value: 0, allowed: "a finite number > 0")) {
            try make(clipNorm: 0)
        }
        #expect(throws: SGDError.self) { try make(clipNorm: .infinity) }
        #expect(throws: SGDError.invalidOption(name: "momentum", value: -1, allowed: "a finite number ≥ 0")) {
            try make(momentum: -1)
        }
        #expect(throws: SGDError.self) { try make(momentum: .nan) }
        #expect(throws: SGDError.self) { try make(weightDecay: -0.1) }
        #expect(throws: SGDError.nesterovWithoutMomentum) { try make(nesterov: true) }
        #expect(throws: SGDError.self) { try make(learningRate: .constant(.nan)) }
        #expect(throws: SGDError.self) { try make(learningRate: .constant(-0.1)) }
        #expect(throws: SGDError.self) { try make(learningRate: .step(initial: 0.1, factor: 0, every: 10)) }
        #expect(throws: SGDError.self) { try make(learningRate: .step(initial: 0.1, factor: 0.5, every: 0)) }
        #expect(throws: SGDError.self) { try make(learningRate: .cosine(initial: 0.1, totalSteps: 0)) }
        #expect(
            "\(SGDError.invalidOption(name: "clipNorm", value: -1, allowed: "a finite number > 0"))"
                == "SGD: clipNorm -1.0 is not allowed: it must be a finite number > 0")
        // Valid edge values are accepted.
        _ = try make(momentum: 0, weightDecay: 0, clipNorm: 1e-9, learningRate: .constant(0))
    }

    @Test("a learning rate set to NaN after creation is caught at the next step, before any update")
    func invalidRateLater() throws {
        let sgd = try make()
        let w = try #require(sgd.store.variable(named: "w")?.tensor(as: Double.self))
        w.grad = Tensor<Double>([1, 1])
        sgd.learningRate = .constant(.nan)
        #expect(throws: SGDError.self) { try sgd.step() }
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
