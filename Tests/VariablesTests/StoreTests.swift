import Testing
import TowersCore
import Variables

/// The store's helpers, the free functions and descriptions.
@Suite("Store and free functions")
struct StoreTests {
    @Test("free functions use the current task's store; outside any store they are errors")
    func freeFunctionsNeedAStore() throws {
        #expect(currentVariableStore == nil)
        expectError(
            "'w' was requested outside any variable store: call it inside store.asDefault { } or store.variableScope(...) { }."
        ) {
            let _: Variable<Float> = try getVariable("w", shape: [1])
        }
        expectError(
            "'w' was requested outside any variable store: call it inside store.asDefault { } or store.variableScope(...) { }."
        ) {
            _ = try getVariable("w", shape: [1])
        }
        expectError(
            "'Variable' was requested outside any variable store: call it inside store.asDefault { } or store.variableScope(...) { }."
        ) {
            _ = try variable(Tensor<Float>(1))
        }
        expectError(
            "'dense' was requested outside any variable store: call it inside store.asDefault { } or store.variableScope(...) { }."
        ) {
            try variableScope(nil, default: "dense") {}
        }
    }

    @Test("asDefault makes a store current at its root")
    func asDefault() throws {
        let store = VariableStore()
        let (current, w, v, scoped) = try store.asDefault {
            let w: Variable<Float> = try getVariable("w", shape: [1])
            let v = try variable(Tensor<Float>([1, 2]), name: "v")
            let scoped = try variableScope("s") { try getVariable("k", shape: [2]) }
            return (currentVariableStore, w, v, scoped)
        }
        #expect(current === store)
        #expect(w.name == "w")
        #expect(v.name == "v")
        #expect(scoped.name == "s/k")
        #expect(scoped.dtype == .float32)
        #expect(currentVariableStore == nil)
        // Nested asDefault of the same store keeps the current scope.
        let inner = try store.variableScope("outer") { store.asDefault { VariableScope.current.name } }
        #expect(inner == "outer")
    }

    @Test("two stores do not see each other's variables or scopes")
    func storesAreSeparate() throws {
        let a = VariableStore(), b = VariableStore()
        let (wa, wb): (Variable<Float>, Variable<Float>) = try a.variableScope("s") {
            let wa: Variable<Float> = try getVariable("w", shape: [1])
            // b is entered at its root, not inside a's scope.
            let wb: Variable<Float> = try b.getVariable("w", shape: [1])
            return (wa, wb)
        }
        #expect(wa.name == "s/w")
        #expect(wb.name == "w")
        #expect(names(a) == ["s/w"])
        #expect(names(b) == ["w"])
        #expect(a.seed == 0)
        #expect(VariableStore(seed: 9).seed == 9)
    }

    @Test("each store keeps its own current scope while another store's scope is entered inside it")
    func interleavedStores() throws {
        let a = VariableStore(), b = VariableStore()
        let got: [String] = try a.variableScope("outer") {
            try b.variableScope("other") {
                // Free functions use the innermost store, b…
                let inB: Variable<Float> = try getVariable("w", shape: [1])
                // …but a's current scope is still `outer` (TF: one scope stack per graph).
                let inA: Variable<Float> = try a.getVariable("w", shape: [1])
                let nestedA = try a.variableScope("inner") { try a.variable(Float(0), name: "v") }
                let defaultA: Variable<Float> = try a.asDefault { try getVariable("x", shape: [1]) }
                let backInB = VariableScope.current.name
                return [inB.name, inA.name, nestedA.name, defaultA.name, backInB]
            }
        }
        #expect(got == ["other/w", "outer/w", "outer/inner/v", "outer/x", "other"])
        #expect(names(a) == ["outer/w", "outer/inner/v", "outer/x"])
        #expect(names(b) == ["other/w"])
        // A store entered inside another store's scope starts at its own root.
        let fresh: String = try a.variableScope("s") { try b.variableScope("t") { VariableScope.current.name } }
        #expect(fresh == "t")
    }

    @Test("descriptions")
    func descriptions() throws {
        #expect(ReuseMode.reuse.description == "reuse")
        #expect(ReuseMode.autoReuse.description == "autoReuse")
        #expect(VariableScope.root.description == "VariableScope('', reuse: off)")
        let store = VariableStore()
        let s = try store.variableScope("a", reuse: .autoReuse) { (s: VariableScope) in s }
        #expect(s.description == "VariableScope('a', reuse: autoReuse)")
        let v: Variable<Double> = try store.getVariable("m", shape: [2, 3])
        #expect(v.description == "<Variable 'm' shape=[2, 3] dtype=Float64>")
        #expect(v.parameterCount == 6)
        #expect(v.tensor(as: Double.self) === v.value)
        #expect(v.tensor(as: Float.self) == nil)
    }

    @Test(
        "every VariableError text: TF1's first line, and the variable on a second line where TF's does not name it",
        arguments: [
            (
                VariableError.alreadyExists(key: "k"),
                "Variable k already exists, disallowed. Did you mean to set reuse=True or reuse=AUTO_REUSE in VarScope?"
            ),
            (
                .doesNotExist(key: "k"),
                "Variable k does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?"
            ),
            (
                .shapeMismatch(key: "KEY", specified: [3, 2], found: [2, 3]),
                "Trying to share variable KEY, but specified shape [3, 2] and found shape [2, 3]."
            ),
            (
                .shapeMismatch(key: "w", specified: [3, nil], found: [2, 3]),
                "Trying to share variable w, but specified shape [3, ?] and found shape [2, 3]."
            ),
            (
                .dtypeMismatch(key: "KEY", specified: .float64, found: .float32),
                "Trying to share variable KEY, but specified dtype Float64 and found dtype Float32."
            ),
            (
                .missingShape(key: "k"),
                "Variable k did not get an initializer, so its `shape` argument must be specified."
            ),
            (
                .shapeNotFullyDefined(key: "k", shape: [2, nil]),
                "The initializer passed is not valid. It should be a callable with no arguments and the shape should not be provided or an instance of `Initializer` and `shape` should be fully defined.\nVariable k: shape [2, ?]; a new variable needs every dimension."
            ),
            (
                .shapeWithInitialValue(key: "k"),
                "If initializer is a constant, do not specify shape.\nVariable k: its initial value fixes the shape."
            ),
            (
                .negativeDimension(key: "w", shape: [-1, 3], dimension: -1),
                "Dimension -1 must be >= 0\nVariable w: shape [-1, 3]."
            ),
            (
                .tooLarge(key: "big", shape: [1 << 40, 1 << 40], dtype: .float32),
                "Shape [1099511627776, 1099511627776] is too large (more than 2**63 - 1 entries) for 'big'."
            ),
            (
                .tooLarge(key: "big", shape: [1 << 30, 1 << 20], dtype: .float32),
                "Shape [1073741824, 1048576] is too large (more than 2**48 bytes of Float32) for 'big'."
            ),
            (
                .initializerFailed(key: "k", initializer: "i", shape: [2], reason: "r"),
                "r\nVariable k: initializer i, shape [2]."
            ),
            (
                .invalidName(name: "a b", pattern: #"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$"#),
                #"'a b' is not a valid root scope name. A root scope name has to match the following pattern: ^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$"#
            ),
            (
                .invalidName(name: "a b", pattern: #"^[A-Za-z0-9_.\-/>]*$"#),
                #"'a b' is not a valid scope name. A scope name has to match the following pattern: ^[A-Za-z0-9_.\-/>]*$"#
            ),
            (.invalidName(name: "", pattern: "P"), "Empty variable or scope name; names must match P."),
            (
                .reuseWithoutName(defaultName: "d"),
                "reuse=True cannot be used without a name_or_scope\nThe scope with default name 'd' cannot set reuse: name it to reuse its variables."
            ),
            (.defaultNameRequired, "If default_name is None then name_or_scope is required"),
            (
                .getterTypeMismatch(key: "k", expected: .float32, returned: .float64),
                "Custom getter for k returned a Float64 value where Float32 was requested."
            ),
            (
                .getterReturnedTensor(key: "k"),
                "Custom getter for k returned a tensor, not a variable: use getVariableValue to get what the getters return."
            ),
            (
                .templateCreatedTrainableVariables(["<Variable 't_1/v' shape=[] dtype=Float32>"]),
                "Trainable variable created when calling a template after the first time, perhaps you used variable() when you meant getVariable(): [<Variable 't_1/v' shape=[] dtype=Float32>]"
            ),
            (
                .noCurrentStore(name: "k"),
                "'k' was requested outside any variable store: call it inside store.asDefault { } or store.variableScope(...) { }."
            ),
        ])
    func errorTexts(error: VariableError, text: String) {
        #expect(error.description == text)
        #expect(String(describing: error) == text)
        #expect("\(error)" == text)
    }
}
