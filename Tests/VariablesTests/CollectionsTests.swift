import Testing
import TowersCore
import Variables

/// Rules 16, 29 and 30 of SEMANTICS.md: the global, local, trainable and named
/// collections, and lists filtered by scope.
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

    // MARK: Rule 29: collections

    @Test("rule 29: getLocalVariable makes a local, non-trainable variable, outside the global collection")
    func localVariables() throws {
        let store = VariableStore()
        let l: Variable<Float> = try store.getLocalVariable("l", shape: [2])
        let _: Variable<Float> = try store.getVariable("g", shape: [2])
        #expect(l.name == "l")
        #expect(!l.trainable)
        #expect(store.localVariables.map(\.name) == ["l"])
        #expect(store.globalVariables.map(\.name) == ["g"])
        #expect(store.trainableVariables.map(\.name) == ["g"])
        #expect(names(store) == ["l", "g"])
        // Reused like any other getVariable key.
        let again: Variable<Float> = try store.variableScope(store.rootScope, reuse: .reuse) {
            try store.getLocalVariable("l", shape: [2])
        }
        #expect(again === l)
        // Its extra collections are added to the local one.
        let both: Variable<Float> = try store.getLocalVariable("m", shape: [1], collections: ["metrics"])
        #expect(store.collection(named: "metrics").map(\.name) == ["m"])
        #expect(store.localVariables.contains { $0 === both })
        // The free function.
        let free: Variable<Int64> = try store.asDefault { try getLocalVariable("seen", shape: []) }
        #expect(free.value.scalar == 0)
        #expect(store.localVariables.map(\.name) == ["l", "m", "seen"])
    }

    @Test("rule 29: collections replaces the default [global]; trainable still adds the trainable list")
    func namedCollections() throws {
        let store = VariableStore()
        let c: Variable<Float> = try store.getVariable("c", shape: [1], collections: ["mine"])
        let c2: Variable<Float> = try store.getVariable("c2", shape: [1], trainable: false, collections: ["mine"])
        let both: Variable<Float> = try store.getVariable("both", shape: [1], collections: [.global, "mine"])
        #expect(store.collection(named: "mine").map(\.name) == ["c", "c2", "both"])
        #expect(store.globalVariables.map(\.name) == ["both"])
        #expect(store.trainableVariables.map(\.name) == ["c", "both"])
        #expect(!c2.trainable && c.trainable && both.trainable)
        // variable() takes collections too.
        let v = try store.variable(Float(1), name: "vv", collections: ["x"])
        #expect(store.collection(named: "x").map(\.name) == ["vv"])
        #expect(!store.globalVariables.contains { $0 === v })
        #expect(store.trainableVariables.contains { $0 === v })
        // Adding an existing variable, once.
        store.addToCollection(c, named: "x")
        store.addToCollection(c, named: "x")
        #expect(store.collection(named: "x").map(\.name) == ["vv", "c"])
        #expect(CollectionKey.global.rawValue == "variables")
        #expect(CollectionKey.local.description == "local_variables")
        #expect(CollectionKey.trainable == "trainable_variables")
    }

    @Test("rule 29: integer variables are trainable by default, as in TF, but take no gradient")
    func integerVariablesTrainable() throws {
        let store = VariableStore()
        let i: Variable<Int32> = try store.getVariable("i", shape: [2])
        #expect(i.trainable)
        #expect(store.trainableVariables.contains { $0 === i })
        #expect(!i.value.requiresGrad)
    }

    // MARK: Rule 30: lists filtered by scope

    @Test("rule 30: a filter keeps names that start with it as plain text; a scope's own lists add /")
    func filteredLists() throws {
        let store = VariableStore()
        let tower = try store.variableScope("tower") { (s: VariableScope) in
            let _: Variable<Float> = try getVariable("a", shape: [1])
            return s
        }
        try store.variableScope("tower_1") { let _: Variable<Float> = try getVariable("e", shape: [1]) }
        let _: Variable<Float> = try store.getLocalVariable("tower/local", shape: [1])
        #expect(store.trainableVariables(scope: "tower").map(\.name) == ["tower/a", "tower_1/e"])
        #expect(store.trainableVariables(scope: "tower/").map(\.name) == ["tower/a"])
        #expect(store.globalVariables(scope: "tower").map(\.name) == ["tower/a", "tower_1/e"])
        #expect(store.localVariables(scope: "tower").map(\.name) == ["tower/local"])
        #expect(store.trainableVariables(scope: nil).count == 2)
        #expect(store.trainableVariables(scope: "").count == 2)
        // Plain text, not a regular expression (TF's re.match would take "tow.r").
        #expect(store.globalVariables(scope: "tow.r").isEmpty)
        #expect(tower.trainableVariables.map(\.name) == ["tower/a"])
        #expect(tower.globalVariables.map(\.name) == ["tower/a"])
        #expect(tower.localVariables.map(\.name) == ["tower/local"])
        #expect(tower.collection(named: .global).map(\.name) == ["tower/a"])
        #expect(store.rootScope.trainableVariables.count == 2)
        #expect(VariableScope.root.trainableVariables.isEmpty)
    }
}
