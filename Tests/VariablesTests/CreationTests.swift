import Testing
import TowersCore
import Variables

/// Rules 12–14 of SEMANTICS.md: failed calls change nothing, initial values,
/// and the defaults a scope passes to `getVariable` and to nested scopes.
@Suite("Creation")
struct CreationTests {
    // MARK: Rule 12: a failed call changes nothing

    @Test("rule 12: a failed call before creation leaves no variable, no collection entry, and the name free")
    func failedCreationChangesNothing() throws {
        let store = VariableStore()
        try store.variableScope("s", regularizer: .l2(1)) {
            // No shape and no initializer.
            expectError("Variable s/w did not get an initializer, so its `shape` argument must be specified.") {
                _ = try store.getVariable("w")
            }
            // A negative dimension.
            expectError("Dimension -1 must be >= 0\nVariable s/w: shape [-1, 2].") {
                _ = try store.getVariable("w", shape: [-1, 2])
            }
            // Shape and initial value together.
            expectError(
                "If initializer is a constant, do not specify shape.\nVariable s/w: its initial value fixes the shape."
            ) {
                _ = try store.getVariable("w", shape: [2], initialValue: Tensor<Float>([1, 2]))
            }
            // Reuse of a missing key.
            expectError(
                "Variable s/w does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?"
            ) {
                try store.variableScope(VariableScope.current, reuse: .reuse) {
                    _ = try store.getVariable("w", shape: [2])
                }
            }
        }
        #expect(store.allVariables.isEmpty)
        #expect(store.trainableVariables.isEmpty)
        #expect(store.globalVariables.isEmpty)
        #expect(store.regularizationLosses.isEmpty)
        #expect(store.variable(forKey: "s/w") == nil)
        // The name was not consumed: the successful creation gets the plain name.
        let w: Variable<Float> = try store.variableScope("s", regularizer: .l2(1)) { try getVariable("w", shape: [2]) }
        #expect(w.name == "s/w")
        #expect(store.regularizationLosses.count == 1)
    }

    @Test("rule 12: a failure inside creation consumes the name, as in TF1: the next one is n_1 under key n")
    func failureInsideCreationConsumesName() throws {
        let store = VariableStore()
        // An initializer that makes too many values fails after the name was chosen.
        expectError("3 values for 2 elements\nVariable s/w: initializer values(3), shape [2].") {
            try store.variableScope("s") {
                _ = try store.getVariable("w", shape: [2], initializer: .values([1, 2, 3]))
            }
        }
        #expect(store.allVariables.isEmpty)
        #expect(store.variable(forKey: "s/w") == nil)
        let w: Variable<Float> = try store.variableScope("s") { try getVariable("w", shape: [2]) }
        #expect(w.key == "s/w")
        #expect(w.name == "s/w_1")
        #expect(store.variable(forKey: "s/w") === w)
    }

    @Test("rule 12: a refused duplicate does not consume a name")
    func refusedDuplicateKeepsNames() throws {
        let store = VariableStore()
        let a: Variable<Float> = try store.getVariable("a", shape: [1])
        #expect(throws: VariableError.alreadyExists(key: "a")) { _ = try store.getVariable("a", shape: [1]) }
        #expect(throws: VariableError.shapeMismatch(key: "a", specified: [2], found: [1])) {
            try store.variableScope(VariableScope.root, reuse: .autoReuse) {
                _ = try store.getVariable("a", shape: [2])
            }
        }
        let b = try store.variable(Float(0), name: "a")
        #expect(a.name == "a")
        #expect(b.name == "a_1")
        #expect(store.allVariables.count == 2)
    }

    @Test("rule 12: a failing initializer leaves no variable but uses up the name")
    func failingOrthogonalLeavesNothing() throws {
        let store = VariableStore()
        expectError(
            "The tensor to initialize, specified by argument `shape` must be at least two-dimensional. Received shape=[5]\nVariable o: initializer orthogonal(1.0), shape [5]."
        ) {
            _ = try store.getVariable("o", shape: [5], initializer: .orthogonal())
        }
        let bad = Initializer(name: "short") { _, _ in [1] }
        expectError("it made 1 values for 4 elements\nVariable p: initializer short, shape [2, 2].") {
            _ = try store.getVariable("p", shape: [2, 2], initializer: bad)
        }
        #expect(store.allVariables.isEmpty)
        let o: Variable<Float> = try store.getVariable("o", shape: [5], initializer: .zeros)
        #expect(o.name == "o_1")
        #expect(o.key == "o")
    }

    // MARK: Rule 13: initial values

    @Test("rule 13: an initial value fixes shape and dtype")
    func initialValue() throws {
        let store = VariableStore()
        let t = try Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        let v = try store.getVariable("iv", initialValue: t)
        #expect(v.shape == [2, 3])
        #expect(v.dtype == .float64)
        #expect(v.value.scalars == [1, 2, 3, 4, 5, 6])
        // A copy: changing the tensor afterwards does not change the variable.
        t[0, 0] = 100
        #expect(v.value[0, 0] == 1)
        // The call's initializer is not used when an initial value is given.
        let w = try store.getVariable("iw", initializer: .ones, initialValue: Tensor<Float>([7, 8]))
        #expect(w.value.scalars == [7, 8])
        // Under reuse the initial value's shape is checked against the variable's.
        let same = try store.variableScope(VariableScope.root, reuse: .autoReuse) {
            try store.getVariable("iv", initialValue: Tensor<Double>([[0, 0, 0], [0, 0, 0]]))
        }
        #expect(same === v)
        #expect(v.value.scalars == [1, 2, 3, 4, 5, 6])
        expectError("Trying to share variable iv, but specified shape [3] and found shape [2, 3].") {
            try store.variableScope(VariableScope.root, reuse: .reuse) {
                _ = try store.getVariable("iv", initialValue: Tensor<Double>([0, 0, 0]))
            }
        }
    }

    @Test("rule 13: shape and initial value together is an error")
    func shapeAndInitialValue() throws {
        let store = VariableStore()
        #expect(throws: VariableError.shapeWithInitialValue(key: "s/iv")) {
            try store.variableScope("s") {
                _ = try store.getVariable("iv", shape: [2], initialValue: Tensor<Float>([1, 2]))
            }
        }
        #expect(store.allVariables.isEmpty)
    }

    @Test(
        "rule 13: no shape and no initial value is an error naming the variable; with an initializer, TF's text for it")
    func missingShape() throws {
        let store = VariableStore()
        #expect(throws: VariableError.missingShape(key: "m/x")) {
            try store.variableScope("m") { _ = try store.getVariable("x") }
        }
        // An initializer (the scope's or the call's) but no shape: TF's "not valid" text.
        #expect(throws: VariableError.shapeNotFullyDefined(key: "m/x", shape: nil)) {
            try store.variableScope("m", initializer: .ones) { _ = try store.getVariable("x") }
        }
        let text = errorText {
            try store.variableScope("m") { let _: Variable<Float> = try getVariable("x", initializer: .zeros) }
        }
        #expect(
            text?.firstLine
                == "The initializer passed is not valid. It should be a callable with no arguments and the shape should not be provided or an instance of `Initializer` and `shape` should be fully defined."
        )
        #expect(text?.contains("Variable m/x: shape nil") == true)
        #expect(store.allVariables.isEmpty)
    }

    @Test("a shape [] variable is a scalar")
    func scalarShape() throws {
        let store = VariableStore()
        let s: Variable<Float> = try store.getVariable("s", shape: [], initializer: .constant(2.5))
        #expect(s.shape == [])
        #expect(s.value.scalar == 2.5)
        #expect(s.parameterCount == 1)
    }

    // MARK: Rule 14: scope defaults

    @Test("rule 14: a scope's initializer is inherited by nested scopes and replaced by arguments")
    func initializerDefault() throws {
        let store = VariableStore()
        let values: [Float] = try store.variableScope("a", initializer: .constant(7)) {
            let own: Variable<Float> = try getVariable("own", shape: [1])
            let call: Variable<Float> = try getVariable("call", shape: [1], initializer: .constant(1))
            let nested: Variable<Float> = try store.variableScope("b") { try getVariable("nested", shape: [1]) }
            let replaced: Variable<Float> = try store.variableScope("c", initializer: .constant(2)) {
                try getVariable("replaced", shape: [1])
            }
            return [own, call, nested, replaced].map { $0.value.scalar }
        }
        #expect(values == [7, 1, 7, 2])
        #expect(names(store) == ["a/own", "a/call", "a/b/nested", "a/c/replaced"])
    }

    @Test("rule 14: a scope's regularizer is inherited and replaced by arguments")
    func regularizerDefault() throws {
        let store = VariableStore()
        try store.variableScope("a", regularizer: .l2(0.5)) {
            let _: Variable<Float> = try getVariable("own", shape: [1])
            let _: Variable<Float> = try getVariable("call", shape: [1], regularizer: .l1(0.25))
            try store.variableScope("b") { let _: Variable<Float> = try getVariable("nested", shape: [1]) }
            try store.variableScope("c", regularizer: .l1l2(l1: 1, l2: 2)) {
                let _: Variable<Float> = try getVariable("replaced", shape: [1])
            }
        }
        let _: Variable<Float> = try store.getVariable("outside", shape: [1])
        let terms = store.regularizationLosses.map { "\($0.variable.name): \($0.regularizer)" }
        #expect(terms == ["a/own: l2(0.5)", "a/call: l1(0.25)", "a/b/nested: l2(0.5)", "a/c/replaced: l1l2(1.0, 2.0)"])
    }

    @Test("rule 14: a scope's dtype is used by the type-erased getVariable, inherited and replaced")
    func dtypeDefault() throws {
        let store = VariableStore()
        let dtypes: [DType] = try store.variableScope("d", dtype: .float64) {
            let own = try store.getVariable("own", shape: [2])
            let free = try getVariable("free", shape: [2])
            let nested = try store.variableScope("n") { try store.getVariable("nested", shape: [2]) }
            let replaced = try store.variableScope("r", dtype: .float32) {
                try store.getVariable("replaced", shape: [2])
            }
            // A typed call fixes its own dtype whatever the scope says.
            let typed: Variable<Float> = try getVariable("typed", shape: [2])
            return [own.dtype, free.dtype, nested.dtype, replaced.dtype, typed.dtype]
        }
        #expect(dtypes == [.float64, .float64, .float64, .float32, .float32])
        #expect(store.variable(forKey: "d/own") is Variable<Double>)
        #expect(store.variable(forKey: "d/r/replaced") is Variable<Float>)
        // At the root the type-erased overload makes Float32.
        #expect(try store.getVariable("root", shape: [1]) is Variable<Float>)
    }

    @Test("rule 14: a scope's trainable flag is inherited and replaced by arguments")
    func trainableDefault() throws {
        let store = VariableStore()
        try store.variableScope("frozen", trainable: false) {
            let _: Variable<Float> = try getVariable("own", shape: [1])
            let _: Variable<Float> = try getVariable("call", shape: [1], trainable: true)
            try store.variableScope("n") { let _: Variable<Float> = try getVariable("nested", shape: [1]) }
            try store.variableScope("t", trainable: true) {
                let _: Variable<Float> = try getVariable("thawed", shape: [1])
            }
        }
        #expect(store.allVariables.map(\.trainable) == [false, true, false, true])
        #expect(store.trainableVariables.map(\.name) == ["frozen/call", "frozen/t/thawed"])
        #expect((store.variable(forKey: "frozen/own") as? Variable<Float>)?.value.requiresGrad == false)
    }

    @Test("rule 14: by scope object the defaults come from the object, not the enclosing scope")
    func scopeObjectDefaults() throws {
        let store = VariableStore()
        let obj = try store.variableScope("obj", initializer: .constant(3), dtype: .float64, trainable: false) {
            (s: VariableScope) in s
        }
        #expect(obj.initializer?.name == "constant(3.0)")
        #expect(obj.dtype == .float64)
        #expect(obj.trainable == false)
        let (a, b) = try store.variableScope("enclosing", initializer: .constant(9), dtype: .float32, trainable: true) {
            let a = try store.variableScope(obj) { try store.getVariable("a", shape: [1]) }
            let b = try store.variableScope(obj, initializer: .constant(4), trainable: true) {
                try store.getVariable("b", shape: [1])
            }
            return (a, b)
        }
        #expect(a.name == "obj/a")
        #expect(a.dtype == .float64)
        #expect(a.trainable == false)
        #expect((a as? Variable<Double>)?.value.scalars == [3])
        #expect(b.trainable == true)
        #expect((b as? Variable<Double>)?.value.scalars == [4])
    }
}
