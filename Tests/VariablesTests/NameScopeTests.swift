import Testing
import TowersCore
import Variables

/// Rules 21–25 of SEMANTICS.md: name scopes, the name scope each variable scope
/// entry opens, and what they prefix. Every expected name below was printed by
/// TF 2.21's `tf.compat.v1` in graph mode for the same program.
@Suite("Name scopes")
struct NameScopeTests {
    // MARK: Rule 21: one name table

    @Test("rule 21: name scopes and variable() names share one case-insensitive table")
    func oneTable() throws {
        let store = VariableStore()
        for _ in 0..<3 { try store.variableScope("foo") { _ = try store.variable(Float(1), name: "t") } }
        // foo, foo_1 and foo_2 are taken, whatever the case.
        let upper = try store.nameScope("Foo") { (scope: String) in
            (scope, try store.variable(Float(1), name: "t").name)
        }
        #expect(upper.0 == "Foo_3/")
        #expect(upper.1 == "Foo_3/t")
        // A variable named like a name scope is made unique against it, and the other way round.
        #expect(try store.variable(Float(0), name: "FOO").name == "FOO_4")
        _ = try store.variable(Float(0), name: "bar")
        #expect(try store.nameScope("bar") { (scope: String) in scope } == "bar_1/")
    }

    @Test("rule 21: getVariable names are made unique against name scopes; keys are not")
    func getVariableAgainstNameScopes() throws {
        let store = VariableStore()
        try store.variableScope("a") {}
        let a: Variable<Float> = try store.getVariable("a", shape: [1])
        #expect(a.key == "a")
        #expect(a.name == "a_1")
    }

    @Test("rule 21: each store has its own table")
    func perStore() throws {
        let s1 = VariableStore(), s2 = VariableStore()
        #expect(try s1.nameScope("n") { (scope: String) in scope } == "n/")
        #expect(try s1.nameScope("n") { (scope: String) in scope } == "n_1/")
        #expect(try s2.nameScope("n") { (scope: String) in scope } == "n/")
    }

    // MARK: Rule 22: nameScope

    @Test("rule 22: nameScope opens a unique name scope and prefixes variable(), never getVariable keys")
    func nameScopePrefixesVariableOnly() throws {
        let store = VariableStore()
        let (g, t): (Variable<Float>, Variable<Float>) = try store.nameScope("ns") {
            #expect(store.currentNameScope == "ns")
            #expect(VariableScope.current.name == "")
            return (try getVariable("g", shape: [1]), try store.variable(Float(1), name: "t"))
        }
        #expect(g.key == "g")
        #expect(g.name == "g")
        #expect(t.name == "ns/t")
        #expect(store.currentNameScope == "")
        #expect(try store.nameScope("ns") { (scope: String) in scope } == "ns_1/")
    }

    @Test("rule 22: a name ending in / re-enters exactly that name scope; \"\" is the root")
    func reenterByName() throws {
        let store = VariableStore()
        let first = try store.variableScope("foo") { try store.variable(Float(1), name: "t") }
        let again = try store.nameScope("foo/") { (scope: String) in
            #expect(scope == "foo/")
            return try store.variable(Float(1), name: "t")
        }
        #expect(first.name == "foo/t")
        #expect(again.name == "foo/t_1")
        // Re-entering is absolute: inside another name scope it still means `foo`.
        let nested = try store.nameScope("x") {
            try store.nameScope("foo/") { try store.variable(Float(1), name: "u") }
        }
        #expect(nested.name == "foo/u")
        // "" goes back to the root name scope.
        let atRoot = try store.nameScope("x") {
            try store.nameScope("") { (scope: String) in
                #expect(scope == "")
                return try store.variable(Float(1), name: "r")
            }
        }
        #expect(atRoot.name == "r")
    }

    @Test("rule 22: a slashed name is one name: p/q does not take p")
    func slashedNameScope() throws {
        let store = VariableStore()
        let names = try [("p/q"), ("p"), ("p/q")].map { n in try store.nameScope(n) { (scope: String) in scope } }
        #expect(names == ["p/q/", "p/", "p/q_1/"])
    }

    @Test("rule 22: nested name scopes, and TF's name checks with TF's text")
    func nestedAndInvalid() throws {
        let store = VariableStore()
        let inner = try store.nameScope("ok") { try store.nameScope("-x") { store.currentNameScope } }
        #expect(inner == "ok/-x")
        expectError(
            #"'_bad' is not a valid root scope name. A root scope name has to match the following pattern: ^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$"#
        ) { try store.nameScope("_bad") {} }
        expectError(
            #"'a b' is not a valid scope name. A scope name has to match the following pattern: ^[A-Za-z0-9_.\-/>]*$"#
        ) { try store.nameScope("ok") { try store.nameScope("a b") {} } }
    }

    @Test("rule 22: the free function uses the current store; outside a store it is an error")
    func freeFunction() throws {
        let store = VariableStore()
        let name = try store.asDefault { try nameScope("free") { store.currentNameScope } }
        #expect(name == "free")
        #expect(throws: VariableError.noCurrentStore(name: "n")) { try nameScope("n") {} }
    }

    @Test("rule 22: uniqueName is TF's Graph.unique_name, collisions with explicit names included")
    func uniqueNames() throws {
        let store = VariableStore()
        try store.nameScope("w_4") {}
        let ws = try (0..<4).map { _ in try store.nameScope("w") { (scope: String) in scope } }
        #expect(ws == ["w/", "w_1/", "w_2/", "w_3/"])
        #expect(try store.nameScope("w") { (scope: String) in scope } == "w_5/")  // w_4 was taken
        #expect(try store.nameScope("w_1") { (scope: String) in scope } == "w_1_1/")
        #expect(store.uniqueName("w_1", markAsUsed: false) == "w_1_2")
        #expect(store.uniqueName("w_1") == "w_1_2")
        #expect(store.uniqueName("w_1_1") == "w_1_1_1")
        #expect(store.isNameUsed("W_1_2"))
        #expect(!store.isNameUsed("w_6"))
        let ops = try store.nameScope("tower") { [store.uniqueName("MatMul"), store.uniqueName("MatMul")] }
        #expect(ops == ["tower/MatMul", "tower/MatMul_1"])
    }

    // MARK: Rule 23: the name scope of a variable scope entry

    @Test("rule 23: each entry by name opens test1, test1_1, test1_2; the variable scope stays test1")
    func entriesOpenUniqueNameScopes() throws {
        let store = VariableStore()
        let seen = try (0..<3).map { _ in
            try store.variableScope("test1") { (scope: VariableScope) in
                (scope.name, scope.originalNameScope, store.currentNameScope)
            }
        }
        #expect(seen.map(\.0) == ["test1", "test1", "test1"])
        #expect(seen.map(\.1) == ["test1/", "test1_1/", "test1_2/"])
        #expect(seen.map(\.2) == ["test1", "test1_1", "test1_2"])
        #expect(store.rootScope.originalNameScope == "")
    }

    @Test("rule 23: a variable scope inside a name scope opens its name scope there")
    func variableScopeInsideNameScope() throws {
        let store = VariableStore()
        let scope = try store.variableScope("outer") {
            try store.nameScope("ns") { try store.variableScope("inner") { (s: VariableScope) in s } }
        }
        #expect(scope.name == "outer/inner")
        #expect(scope.originalNameScope == "outer/ns/inner/")
    }

    @Test("rule 23: entered by object, the name scope is the object's last component, unique where it is entered")
    func objectEntryNameScope() throws {
        let store = VariableStore()
        let towerA = try store.variableScope("root") { try store.variableScope("towerA") { (s: VariableScope) in s } }
        #expect(towerA.originalNameScope == "root/towerA/")
        let (entered, x): (VariableScope, Variable<Float>) = try store.variableScope("other") {
            try store.variableScope("deeper") {
                try store.variableScope(towerA) { (s: VariableScope) in
                    #expect(store.currentNameScope == "other/deeper/towerA")
                    return (s, try store.variable(Float(1), name: "x"))
                }
            }
        }
        #expect(entered.name == "root/towerA")
        // The entered object keeps the captured one's original name scope, as TF does.
        #expect(entered.originalNameScope == "root/towerA/")
        #expect(x.name == "other/deeper/towerA/x")
        // At the root a second entry makes it unique.
        let again = try store.variableScope(towerA) { store.currentNameScope }
        let third = try store.variableScope(towerA) { store.currentNameScope }
        #expect([again, third] == ["towerA", "towerA_1"])
    }

    @Test("rule 23: auxiliaryNameScope: false opens no name scope")
    func noAuxiliaryNameScope() throws {
        let store = VariableStore()
        let (scope, y) = try store.variableScope("aux", auxiliaryNameScope: false) { (s: VariableScope) in
            (s, try store.variable(Float(1), name: "y"))
        }
        #expect(scope.name == "aux")
        #expect(scope.originalNameScope == "")
        #expect(y.name == "y")
        let (inner, y2) = try store.nameScope("nsq") {
            try store.variableScope("aux2", auxiliaryNameScope: false) { (s: VariableScope) in
                (s, try store.variable(Float(1), name: "y"))
            }
        }
        #expect(inner.originalNameScope == "nsq/")
        #expect(y2.name == "nsq/y")
        // By object as well; and the root object never opens one.
        let z = try store.variableScope(scope, auxiliaryNameScope: false) { try store.variable(Float(1), name: "z") }
        #expect(z.name == "z")
        let root = try store.nameScope("n") {
            try store.variableScope(store.rootScope) { (s: VariableScope) in
                (s.name, s.originalNameScope, store.currentNameScope)
            }
        }
        #expect(root == ("", "", "n"))
    }

    @Test("rule 23: re-entering a scope's original name scope puts names where its first entry put them")
    func originalNameScopeReentry() throws {
        let store = VariableStore()
        let vs = try store.variableScope("foo") { (s: VariableScope) in s }
        let c = try store.variableScope(vs, auxiliaryNameScope: false) { (s: VariableScope) in
            try store.nameScope(s.originalNameScope) {
                let v: Variable<Float> = try getVariable("v", shape: [1])
                #expect(v.name == "foo/v")
                return store.uniqueName("c")
            }
        }
        #expect(c == "foo/c")
    }

    // MARK: Rule 24: what name scopes prefix

    @Test("rule 24: variable() in three entries of foo: foo/t, foo_1/t, foo_2/t, whatever the reuse")
    func variableInEntries() throws {
        let store = VariableStore()
        let reuses: [ReuseMode?] = [nil, .reuse, .autoReuse]
        let names = try reuses.map { r in
            try store.variableScope("foo", reuse: r) { try store.variable(Float(1), name: "t").name }
        }
        #expect(names == ["foo/t", "foo_1/t", "foo_2/t"])
    }

    @Test("rule 24: a name scope inside a variable scope adds to variable() names, not to keys")
    func nameScopeInsideVariableScope() throws {
        let store = VariableStore()
        let (t, g): (Variable<Float>, Variable<Float>) = try store.variableScope("vs2") {
            try store.nameScope("inner_ns") {
                (try store.variable(Float(1), name: "t"), try getVariable("g", shape: [1]))
            }
        }
        #expect(t.name == "vs2/inner_ns/t")
        #expect(g.name == "vs2/g")
        #expect(g.key == "vs2/g")
    }

    // MARK: Rule 25: default names

    @Test("rule 25: a default-named scope takes its scope name and its name scope separately")
    func defaultNameAndNameScope() throws {
        let store = VariableStore()
        try store.nameScope("dense") {}
        let scope = try store.variableScope(nil, default: "dense") { (s: VariableScope) in s }
        #expect(scope.name == "dense")
        #expect(scope.originalNameScope == "dense_1/")
        let second = try store.variableScope(nil, default: "dense") { (s: VariableScope) in s }
        #expect(second.name == "dense_1")
        #expect(second.originalNameScope == "dense_2/")
    }
}
