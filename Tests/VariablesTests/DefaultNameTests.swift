import Testing
import TowersCore
import Variables

/// A dense layer as layers write it: a default-named scope with a kernel and a bias.
/// (The code of the "Sharing variables" article.)
func dense(_ x: Tensor<Float>, units: Int) throws -> Tensor<Float> {
    try variableScope(nil, default: "dense") {
        let kernel: Variable<Float> = try getVariable("kernel", shape: [x.shape[1], units])
        let bias: Variable<Float> = try getVariable("bias", shape: [units], initializer: .zeros)
        return x.matmul(kernel.value) + bias.value
    }
}

/// Rule 6 of SEMANTICS.md: default names (`variableScope(nil, default:)`), the
/// tower function that shares, and the two-towers-in-one-entry trap.
@Suite("Default names")
struct DefaultNameTests {
    @Test("rule 6: dense, dense_1, dense_2 in one entry of the parent")
    func siblingsInOneEntry() throws {
        let store = VariableStore()
        let scopeNames = try store.variableScope("model") {
            try (0..<3).map { _ in try store.variableScope(nil, default: "dense") { VariableScope.current.name } }
        }
        #expect(scopeNames == ["model/dense", "model/dense_1", "model/dense_2"])
    }

    @Test("rule 6: at the root, which is never left, the counts keep growing")
    func atRoot() throws {
        let store = VariableStore()
        let a = try store.variableScope(nil, default: "dense") { VariableScope.current.name }
        let b = try store.variableScope(nil, default: "dense") { VariableScope.current.name }
        let c = try store.asDefault { try variableScope(nil, default: "dense") { VariableScope.current.name } }
        #expect([a, b, c] == ["dense", "dense_1", "dense_2"])
        // Another store counts on its own.
        let other = try VariableStore().variableScope(nil, default: "dense") { VariableScope.current.name }
        #expect(other == "dense")
    }

    @Test("rule 6: the variables of default-named scopes")
    func variablesInDefaultScopes() throws {
        let store = VariableStore()
        let x = try Tensor<Float>([[1, 2, 3]])
        let y = try store.variableScope("model") {
            try dense(try dense(x, units: 4), units: 2)
        }
        print(store.allVariables.map(\.name))
        // ["model/dense/kernel", "model/dense/bias", "model/dense_1/kernel", "model/dense_1/bias"]
        #expect(y.shape == [1, 2])
        #expect(
            names(store) == ["model/dense/kernel", "model/dense/bias", "model/dense_1/kernel", "model/dense_1/bias"])
        #expect(store.allVariables.map(\.shape) == [[3, 4], [4], [4, 2], [2]])
    }

    @Test("rule 6: a named sibling counts; the first unused suffix is taken")
    func namedSiblingsCount() throws {
        let store = VariableStore()
        let result = try store.variableScope("m") {
            var out: [String] = []
            try store.variableScope("dense") { out.append(VariableScope.current.name) }
            try store.variableScope("dense_2") { out.append(VariableScope.current.name) }
            for _ in 0..<3 {
                try store.variableScope(nil, default: "dense") { out.append(VariableScope.current.name) }
            }
            return out
        }
        #expect(result == ["m/dense", "m/dense_2", "m/dense_1", "m/dense_3", "m/dense_4"])
    }

    @Test("rule 6: different defaults count separately; a given name wins over the default")
    func separateDefaults() throws {
        let store = VariableStore()
        let result = try store.variableScope("m") {
            try ["dense", "conv", "dense", "conv"].map { d in
                try store.variableScope(nil, default: d) { VariableScope.current.name }
            } + [try store.variableScope("head", default: "dense") { VariableScope.current.name }]
        }
        #expect(result == ["m/dense", "m/conv", "m/dense_1", "m/conv_1", "m/head"])
    }

    @Test("rule 6: leaving a scope forgets its children's counts")
    func leavingForgets() throws {
        let store = VariableStore()
        var seen: [String] = []
        for _ in 0..<3 {
            try store.variableScope("block") {
                try store.variableScope(nil, default: "dense") {
                    seen.append(VariableScope.current.name)
                    try store.variableScope(nil, default: "inner") { seen.append(VariableScope.current.name) }
                }
            }
        }
        #expect(
            seen == [
                "block/dense", "block/dense/inner", "block/dense", "block/dense/inner", "block/dense",
                "block/dense/inner",
            ])
        // Nested default scopes in two siblings: each parent entry counts its own.
        let nested = try store.variableScope("m") {
            try (0..<2).flatMap { _ in
                try store.variableScope(nil, default: "dense") {
                    try (0..<2).map { _ in
                        try store.variableScope(nil, default: "inner") { VariableScope.current.name }
                    }
                }
            }
        }
        #expect(nested == ["m/dense/inner", "m/dense/inner_1", "m/dense_1/inner", "m/dense_1/inner_1"])
    }

    @Test("rule 6: a tower function that enters its own scope shares under autoReuse")
    func towerFunctionShares() throws {
        let store = VariableStore()
        func tower(_ x: Tensor<Float>) throws -> Tensor<Float> {
            try store.variableScope("tower", reuse: .autoReuse) {
                try dense(try dense(x, units: 4), units: 2)
            }
        }
        let left = try tower(Tensor<Float>([[1, 2, 3]]))
        let right = try tower(Tensor<Float>([[4, 5, 6]]))
        print(store.allVariables.map(\.name))
        // ["tower/dense/kernel", "tower/dense/bias", "tower/dense_1/kernel", "tower/dense_1/bias"]
        #expect(
            names(store) == ["tower/dense/kernel", "tower/dense/bias", "tower/dense_1/kernel", "tower/dense_1/bias"])
        #expect(left.shape == [1, 2])
        #expect(right.shape == [1, 2])
        #expect(store.uses(of: store.allVariables[0]) == ["tower/dense"])
    }

    @Test("rule 6: without reuse the second tower call is an error naming the first variable")
    func towerFunctionWithoutReuse() throws {
        let store = VariableStore()
        func tower(_ x: Tensor<Float>) throws -> Tensor<Float> {
            try store.variableScope("tower") { try dense(try dense(x, units: 4), units: 2) }
        }
        _ = try tower(Tensor<Float>([[1, 2, 3]]))
        expectError(
            "Variable tower/dense/kernel already exists, disallowed. Did you mean to set reuse=True or reuse=AUTO_REUSE in VarScope?"
        ) {
            _ = try tower(Tensor<Float>([[1, 2, 3]]))
        }
        #expect(store.allVariables.count == 4)
    }

    @Test("rule 6: two towers built inside ONE entry do not share, even under autoReuse")
    func twoTowersInOneEntryTrap() throws {
        let store = VariableStore()
        let x1 = try Tensor<Float>([[1, 2, 3]]), x2 = try Tensor<Float>([[4, 5, 6]])
        try store.variableScope("towers", reuse: .autoReuse) {
            _ = try dense(try dense(x1, units: 4), units: 2)  // towers/dense, towers/dense_1
            _ = try dense(try dense(x2, units: 4), units: 2)  // towers/dense_2, towers/dense_3: not shared!
        }
        print(store.trainableVariables.count)  // 8, not 4
        #expect(store.trainableVariables.count == 8)
        #expect(
            names(store) == [
                "towers/dense/kernel", "towers/dense/bias", "towers/dense_1/kernel", "towers/dense_1/bias",
                "towers/dense_2/kernel", "towers/dense_2/bias", "towers/dense_3/kernel", "towers/dense_3/bias",
            ])
        #expect(Set(store.allVariables.map { ObjectIdentifier($0) }).count == 8)
    }

    @Test("rule 6: the fix for the trap: one scope entry per tower")
    func oneEntryPerTower() throws {
        let store = VariableStore()
        let x1 = try Tensor<Float>([[1, 2, 3]]), x2 = try Tensor<Float>([[4, 5, 6]])
        try store.variableScope("towers") {
            for x in [x1, x2] {
                try store.variableScope("tower", reuse: .autoReuse) {
                    _ = try dense(try dense(x, units: 4), units: 2)
                }
            }
        }
        print(store.trainableVariables.count)  // 4
        #expect(store.trainableVariables.count == 4)
        #expect(
            names(store) == [
                "towers/tower/dense/kernel", "towers/tower/dense/bias", "towers/tower/dense_1/kernel",
                "towers/tower/dense_1/bias",
            ])
    }

    @Test("rule 6: default names and reuse: inherited, but not settable without a name (rule 8)")
    func defaultNameAndReuse() throws {
        let store = VariableStore()
        let text = """
            reuse=True cannot be used without a name_or_scope
            The scope with default name 'dense' cannot set reuse: name it to reuse its variables.
            """
        expectError(text) { try store.variableScope(nil, default: "dense", reuse: .reuse) {} }
        expectError(text) { try store.variableScope(nil, default: "dense", reuse: .autoReuse) {} }
        // TF's first line for both, with AUTO_REUSE too.
        #expect(
            errorText { try store.variableScope(nil, default: "dense", reuse: .autoReuse) {} }?.firstLine
                == "reuse=True cannot be used without a name_or_scope")
        // The failed entries opened nothing: the next default name is still `dense`.
        let name = try store.variableScope(nil, default: "dense") { VariableScope.current.name }
        #expect(name == "dense")
        // Inside a reusing scope a default-named scope inherits reuse.
        let reuse = try store.variableScope("r", reuse: .reuse) {
            try store.variableScope(nil, default: "dense") { VariableScope.current.reuse }
        }
        #expect(reuse == .reuse)
    }
}
