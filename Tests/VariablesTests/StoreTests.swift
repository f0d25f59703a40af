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
        "every VariableError text",
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
                .dtypeMismatch(key: "KEY", specified: .float64, found: .float32),
                "Trying to share variable KEY, but specified dtype Float64 and found dtype Float32."
            ),
            (
                .missingShape(key: "k"),
                "Shape of a new variable (k) must be fully defined, but instead was nil. Give a shape or an initial value."
            ),
            (
                .shapeWithInitialValue(key: "k"),
                "Variable k: an initial value fixes the shape; do not specify shape as well."
            ),
            (
                .initializerShape(key: "k", initializer: "i", shape: [2], reason: "r"),
                "Variable k: initializer i cannot fill shape [2]: r."
            ),
            (
                .invalidName(name: "a b", pattern: "P"),
                "'a b' is not a valid variable or scope name; names must match P."
            ),
            (.invalidName(name: "", pattern: "P"), "Empty variable or scope name; names must match P."),
            (
                .reuseWithoutName(defaultName: "d"),
                "reuse cannot be used without a name_or_scope (default name 'd'): name the scope to reuse it."
            ),
            (
                .getterTypeMismatch(key: "k", expected: .float32, returned: .float64),
                "Custom getter for k returned a Float64 variable where Float32 was requested."
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
