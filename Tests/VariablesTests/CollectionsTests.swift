import Testing
import TowersCore
import Variables

/// Rule 16 of SEMANTICS.md: the global, trainable and regularization-loss
/// collections.
@Suite("Collections")
struct CollectionsTests {
    @Test("rule 16: every variable joins the global collection in creation order")
    func allInCreationOrder() throws {
        let store = VariableStore()
        _ = try store.variable(Float(1), name: "v1")
        try store.variableScope("s") {
            let _: Variable<Float> = try getVariable("g1", shape: [1])
            _ = try store.variable(Tensor<Double>([1, 2]), name: "v2")
            let _: Variable<Double> = try getVariable("g2", shape: [2, 2])
        }
        let _: Variable<Float> = try store.getVariable("g3", shape: [3])
        #expect(names(store) == ["v1", "s/g1", "s/v2", "s/g2", "g3"])
        #expect(store.allVariables.map(\.dtype) == [.float32, .float32, .float64, .float64, .float32])
        #expect(store.allVariables.map(\.parameterCount) == [1, 1, 2, 4, 3])
        // Reuse adds nothing.
        let _: Variable<Float> = try store.variableScope("s", reuse: .reuse) { try getVariable("g1") }
        #expect(store.allVariables.count == 5)
    }

    @Test("rule 16: only trainable variables join the trainable collection")
    func trainableFiltering() throws {
        let store = VariableStore()
        let _: Variable<Float> = try store.getVariable("w", shape: [2])
        let _: Variable<Float> = try store.getVariable("step", shape: [], initializer: .zeros, trainable: false)
        _ = try store.variable(Float(0), name: "count", trainable: false)
        _ = try store.variable(Float(1), name: "scale")
        let _: Variable<Float> = try store.getVariable("b", shape: [2], trainable: true)
        #expect(store.trainableVariables.map(\.name) == ["w", "scale", "b"])
        #expect(names(store) == ["w", "step", "count", "scale", "b"])
        let step = store.variable(named: "step")!
        #expect(step.trainable == false)
        #expect(step.description == "<Variable 'step' shape=[] dtype=Float32 non-trainable>")
        #expect(store.variable(named: "w")!.description == "<Variable 'w' shape=[2] dtype=Float32>")
    }

    @Test("rule 16: one regularization term per regularized variable, in creation order")
    func regularizationTerms() throws {
        let store = VariableStore()
        try store.variableScope("reg", regularizer: .l2(0.1)) {
            let _: Variable<Float> = try getVariable("a", shape: [2])
            let _: Variable<Float> = try getVariable("b", shape: [2], regularizer: .l1(0.2))
        }
        let _: Variable<Float> = try store.getVariable("plain", shape: [2])
        let _: Variable<Double> = try store.getVariable("d", shape: [2], regularizer: .l2(0.3))
        _ = try store.variableScope("reg", regularizer: .l2(0.1)) { try store.variable(Float(1), name: "v") }
        #expect(store.regularizationLosses.map(\.variable.name) == ["reg/a", "reg/b", "d"])
        #expect(store.regularizationLosses.map(\.regularizer.name) == ["l2(0.1)", "l1(0.2)", "l2(0.3)"])
        // Reusing a regularized variable adds no second term.
        try store.variableScope("reg", reuse: .reuse, regularizer: .l2(0.1)) {
            let _: Variable<Float> = try getVariable("a")
        }
        #expect(store.regularizationLosses.count == 3)
    }

    @Test("rule 16: regularizationLoss is scale·Σw² computed from the current values")
    func regularizationLossValue() throws {
        let store = VariableStore()
        let a: Variable<Float> = try store.getVariable(
            "a", shape: [2, 2], initializer: .values([1, -2, 3, 0.5]), regularizer: .l2(0.1))
        let b: Variable<Float> = try store.getVariable(
            "b", shape: [3], initializer: .values([-1, 4, 2]), regularizer: .l2(0.25))
        let _: Variable<Float> = try store.getVariable("c", shape: [2], initializer: .ones)
        // By hand: 0.1·(1 + 4 + 9 + 0.25) + 0.25·(1 + 16 + 4) = 1.425 + 5.25 = 6.675.
        let loss = try #require(store.regularizationLoss(Float.self))
        #expect(loss.shape == [])
        #expect(abs(loss.scalar - 6.675) < 1e-5)
        // There are no Double terms.
        #expect(store.regularizationLoss(Double.self) == nil)
        // It follows the values.
        a.value.fill(with: 0)
        #expect(abs(store.regularizationLoss(Float.self)!.scalar - 5.25) < 1e-5)
        // It is differentiable: ∂/∂b of 0.25·Σb² is 0.5·b.
        let l = store.regularizationLoss(Float.self)!
        l.backward()
        #expect(b.gradient?.scalars == [-0.5, 2, 1])
    }

    @Test("rule 16: l1 and l1l2 penalties, and Double variables")
    func otherPenalties() throws {
        let store = VariableStore()
        let _: Variable<Double> = try store.getVariable(
            "a", shape: [3], initializer: .values([1, -2, 3]), regularizer: .l1(0.5))
        let _: Variable<Double> = try store.getVariable(
            "b", shape: [2], initializer: .values([-1, 2]), regularizer: .l1l2(l1: 0.1, l2: 0.2))
        // 0.5·6 + (0.1·3 + 0.2·5) = 3 + 1.3 = 4.3
        let loss = try #require(store.regularizationLoss(Double.self))
        #expect(abs(loss.scalar - 4.3) < 1e-12)
        #expect(store.regularizationLoss(Float.self) == nil)
        let term = store.regularizationLosses[1]
        #expect(abs(term.loss(Double.self)!.scalar - 1.3) < 1e-12)
        #expect(term.loss(Float.self) == nil)
        #expect(Regularizer.l1l2(l1: 0.1, l2: 0.2).description == "l1l2(0.1, 0.2)")
    }

    @Test("rule 16: a custom regularizer function")
    func customRegularizer() throws {
        struct SumOfValues: RegularizerFunction {
            func penalty<T: TensorScalar>(_ value: Tensor<T>) -> Tensor<T> { value.sum() }
        }
        let store = VariableStore()
        let sumRegularizer = Regularizer(name: "sum", SumOfValues())
        let _: Variable<Float> = try store.getVariable(
            "w", shape: [3], initializer: .values([1, 2, 4]), regularizer: sumRegularizer)
        #expect(store.regularizationLoss(Float.self)?.scalar == 7)
        #expect(store.regularizationLosses.first?.regularizer.name == "sum")
        #expect(sumRegularizer(Tensor<Double>([1, 1])).scalar == 2)
    }
}
