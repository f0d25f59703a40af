import Testing
import TowersCore
import Variables

/// Rules 1–5 and 7 of SEMANTICS.md: unique names, `variable` vs `getVariable`,
/// scope names and entry by scope object, valid names.
@Suite("Names")
struct NamingTests {
    // MARK: Rule 1: unique names

    @Test("rule 1: n, n_1, n_2, … and the first unused suffix")
    func uniqueSuffixes() throws {
        let store = VariableStore()
        for _ in 0..<3 { _ = try store.variable(Float(0), name: "w") }
        #expect(names(store) == ["w", "w_1", "w_2"])
        // `w_4` taken explicitly; the next `w` gets the first unused suffix, `w_3`, then `w_5`.
        _ = try store.variable(Float(0), name: "w_4")
        _ = try store.variable(Float(0), name: "w")
        _ = try store.variable(Float(0), name: "w")
        #expect(names(store) == ["w", "w_1", "w_2", "w_4", "w_3", "w_5"])
        // An explicit `w_1` is itself made unique.
        _ = try store.variable(Float(0), name: "w_1")
        #expect(names(store).last == "w_1_1")
    }

    @Test("rule 1: names are compared case-insensitively (Foo then foo gives foo_1)")
    func caseInsensitive() throws {
        let store = VariableStore()
        let a = try store.variable(Float(0), name: "Foo")
        let b = try store.variable(Float(0), name: "foo")
        let c = try store.variable(Float(0), name: "FOO")
        #expect(a.name == "Foo")
        #expect(b.name == "foo_1")
        #expect(c.name == "FOO_2")
        // getVariable's names too: key `foo` is free, its name is not.
        let d: Variable<Float> = try store.getVariable("foo", shape: [1])
        #expect(d.key == "foo")
        #expect(d.name == "foo_3")
        // Keys are not case-folded: `FOO` is a different key.
        let e: Variable<Float> = try store.getVariable("FOO", shape: [1])
        #expect(e !== d)
        #expect(e.key == "FOO")
        #expect(e.name == "FOO_4")
    }

    @Test("rule 1: names are unique per store")
    func perStore() throws {
        let s1 = VariableStore(), s2 = VariableStore()
        #expect(try s1.variable(Float(0), name: "x").name == "x")
        #expect(try s2.variable(Float(0), name: "x").name == "x")
    }

    // MARK: Rule 2: variable()

    @Test("rule 2: variable() is prefixed with the scope and made unique")
    func variablePrefixed() throws {
        let store = VariableStore()
        let (a, b, c) = try store.variableScope("outer") {
            try store.variableScope("inner") {
                (
                    try store.variable(Float(1), name: "v"), try store.variable(Float(2), name: "v"),
                    try store.variable(Float(3))
                )
            }
        }
        #expect(a.name == "outer/inner/v")
        #expect(b.name == "outer/inner/v_1")
        #expect(c.name == "outer/inner/Variable")
        #expect([a.key, b.key, c.key] == [nil, nil, nil])
    }

    @Test("rule 2: variable() ignores reuse and always creates, prefixed by each entry's name scope")
    func variableIgnoresReuse() throws {
        let store = VariableStore()
        let first = try store.variableScope("s") { try store.variable(Float(1), name: "v") }
        let second = try store.variableScope("s", reuse: .reuse) { try store.variable(Float(2), name: "v") }
        let third = try store.variableScope("s", reuse: .autoReuse) { try store.variable(Float(3), name: "v") }
        #expect(first !== second)
        // Rule 24: each entry of `s` opens the name scope s, s_1, s_2.
        #expect([first.name, second.name, third.name] == ["s/v", "s_1/v", "s_2/v"])
        #expect([first.value.scalar, second.value.scalar, third.value.scalar] == [1, 2, 3])
    }

    @Test("rule 2: getVariable never finds a variable made by variable()")
    func getVariableDoesNotFindVariable() throws {
        let store = VariableStore()
        try store.variableScope("s") { _ = try store.variable(Float(1), name: "v") }
        expectError(
            "Variable s/v does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?"
        ) {
            try store.variableScope("s", reuse: .reuse) { _ = try store.getVariable("v", shape: [1]) }
        }
        // Under autoReuse it creates a new one, whose name is made unique.
        let v: Variable<Float> = try store.variableScope("s", reuse: .autoReuse) {
            try getVariable("v", shape: [1])
        }
        #expect(v.key == "s/v")
        #expect(v.name == "s/v_1")
        #expect(store.allVariables.count == 2)
    }

    @Test("rule 2: variable() copies its initial value")
    func variableCopies() throws {
        let store = VariableStore()
        let t = Tensor<Float>([1, 2, 3])
        let v = try store.variable(t, name: "v", trainable: false)
        t[0] = 9
        #expect(v.value.scalars == [1, 2, 3])
        #expect(v.trainable == false)
        #expect(v.value.requiresGrad == false)
        #expect(try store.variable(t, name: "w").value.requiresGrad == true)
    }

    // MARK: Rule 3: getVariable key vs name

    @Test("rule 3: the key is scope + / + name, or the name at the root")
    func keys() throws {
        let store = VariableStore()
        let top: Variable<Float> = try store.getVariable("k", shape: [1])
        let nested: Variable<Float> = try store.variableScope("a") {
            try store.variableScope("b") { try getVariable("k", shape: [1]) }
        }
        #expect(top.key == "k")
        #expect(top.name == "k")
        #expect(nested.key == "a/b/k")
        #expect(nested.name == "a/b/k")
        #expect(store.variable(forKey: "a/b/k") === nested)
        #expect(store.variable(named: "a/b/k") === nested)
        #expect(store.variable(forKey: "a/b") == nil)
    }

    @Test("rule 3: a name taken by variable() makes the getVariable name unique, not the key")
    func keyVersusName() throws {
        let store = VariableStore()
        let plain = try store.variableScope("s") { try store.variable(Float(0), name: "k") }
        let got: Variable<Float> = try store.variableScope("s") { try getVariable("k", shape: [1]) }
        #expect(plain.name == "s/k")
        #expect(got.name == "s/k_1")
        #expect(got.key == "s/k")
        // Reuse finds it by its key.
        let again: Variable<Float> = try store.variableScope("s", reuse: .reuse) { try getVariable("k") }
        #expect(again === got)
        #expect(store.variable(forKey: "s/k") === got)
        #expect(store.variable(named: "s/k") === plain)
    }

    // MARK: Rule 4: scope names

    @Test("rule 4: entering a scope again gives the same prefix")
    func scopeNotUniquified() throws {
        let store = VariableStore()
        let n1 = try store.variableScope("s") { VariableScope.current.name }
        let n2 = try store.variableScope("s") { VariableScope.current.name }
        let v1 = try store.variableScope("s") { try store.variable(Float(0)) }
        #expect(n1 == "s")
        #expect(n2 == "s")
        // The variable scope stays `s`; the third entry's name scope is `s_2` (rule 23).
        #expect(v1.name == "s_2/Variable")
        #expect(VariableScope.current.name == "")
    }

    @Test("rule 4: the body receives its scope, named with the full path")
    func bodyScopeParameter() throws {
        let store = VariableStore()
        let name = try store.variableScope("a") { _ in
            try store.variableScope("b") { (scope: VariableScope) in scope.name }
        }
        #expect(name == "a/b")
    }

    @Test("rule 4: \"p/q\" is the same as p then q nested")
    func slashedName() throws {
        let store = VariableStore()
        let v: Variable<Float> = try store.variableScope("p/q") {
            #expect(VariableScope.current.name == "p/q")
            return try getVariable("w", shape: [2])
        }
        #expect(v.name == "p/q/w")
        let nested: Variable<Float> = try store.variableScope("p", reuse: .reuse) {
            try store.variableScope("q") { try getVariable("w", shape: [2]) }
        }
        #expect(nested === v)
        // And the other way round.
        let u: Variable<Float> = try store.variableScope("x") {
            try store.variableScope("y") { try getVariable("u", shape: [1]) }
        }
        let slashed: Variable<Float> = try store.variableScope("x/y", reuse: .reuse) { try getVariable("u") }
        #expect(slashed === u)
        #expect(store.allVariables.count == 2)
    }

    // MARK: Rule 5: entering by scope object

    @Test("rule 5: a scope object's prefix is its own full name wherever it is entered")
    func scopeObjectPrefix() throws {
        let store = VariableStore()
        let inner = try store.variableScope("outer") {
            try store.variableScope("inner") { (scope: VariableScope) in scope }
        }
        #expect(inner.name == "outer/inner")
        let (name, v): (String, Variable<Float>) = try store.variableScope("elsewhere") {
            try store.variableScope("deeper") {
                try store.variableScope(inner) { (scope: VariableScope) in
                    #expect(VariableScope.current.name == "outer/inner")
                    return (scope.name, try getVariable("w", shape: [1]))
                }
            }
        }
        #expect(name == "outer/inner")
        #expect(v.name == "outer/inner/w")
        // Nested scopes inside it continue from its name.
        let deeper: String = try store.variableScope("elsewhere") {
            try store.variableScope(inner) { try store.variableScope("x") { VariableScope.current.name } }
        }
        #expect(deeper == "outer/inner/x")
        // Back in the enclosing scope afterwards.
        let after = try store.variableScope("elsewhere") {
            try store.variableScope(inner) { () in 0 }
            return VariableScope.current.name
        }
        #expect(after == "elsewhere")
    }

    @Test("rule 5: re-entering a captured scope from inside another (the article's example)")
    func scopeObjectArticle() throws {
        let store = VariableStore()
        let encoder = try store.variableScope("encoder") { (scope: VariableScope) in
            let _: Variable<Float> = try getVariable("w", shape: [4, 4])
            return scope
        }
        let w: Variable<Float> = try store.variableScope("decoder") {
            try store.variableScope(encoder, reuse: .reuse) {  // encoder/…, not decoder/encoder/…
                try getVariable("w")
            }
        }
        print(w.name)  // encoder/w
        #expect(w.name == "encoder/w")
        #expect(w === store.variable(forKey: "encoder/w"))
        #expect(store.allVariables.count == 1)
    }

    @Test("rule 5: entering by object gives a new object with the captured one's settings; it is the current scope")
    func scopeObjectCopy() throws {
        let store = VariableStore()
        let s = try store.variableScope("s") { (scope: VariableScope) in scope }
        #expect(s.reuse == nil)
        let entered = try store.variableScope(s) { (copy: VariableScope) in
            #expect(copy !== s)
            #expect(copy === VariableScope.current)
            #expect(copy.name == "s")
            let _: Variable<Float> = try getVariable("a", shape: [1])
            store.reuseVariables()
            // Rule 27: the change is to the current object, which is the body's.
            #expect(VariableScope.current.reuse == .reuse)
            #expect(copy.reuse == .reuse)
            return copy
        }
        #expect(entered.reuse == .reuse)
        #expect(s.reuse == nil)
        // Entering the captured object again: reuse is off again, so a new variable can be made.
        let b: Variable<Float> = try store.variableScope(s) { try getVariable("b", shape: [1]) }
        #expect(b.name == "s/b")
        #expect(s.description == "VariableScope('s', reuse: off)")
    }

    // MARK: Rule 7: valid names

    static let rootPattern = #"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$"#
    static let nestedPattern = #"^[A-Za-z0-9_.\-/>]*$"#

    @Test(
        "rule 7: valid names at the root",
        arguments: ["a", "A9", "9a", ".hidden", "a_b", "a-b", "a.b", "a/b", "a>b", "x_1/y-2.z>w"])
    func validRootNames(name: String) throws {
        let store = VariableStore()
        let scoped = try store.variableScope(name) { VariableScope.current.name }
        #expect(scoped == name)
        let v: Variable<Float> = try store.getVariable(name, shape: [1])
        // The scope's entry opened the name scope `name` (rule 23), so the name is taken.
        #expect(v.key == name)
        #expect(v.name == name + "_1")
        #expect(try store.variable(Float(0), name: name).name == name + "_2")
    }

    @Test("rule 7: invalid names at the root", arguments: ["_a", "-a", "/a", ">a", "a b", "a:0", "naïve", "a\n"])
    func invalidRootNames(name: String) throws {
        let store = VariableStore()
        let text =
            "'\(name)' is not a valid root scope name. A root scope name has to match the following pattern: \(Self.rootPattern)"
        expectError(text) { try store.variableScope(name) {} }
        expectError(text) { _ = try store.getVariable(name, shape: [1]) }
        expectError(text) { _ = try store.variable(Float(0), name: name) }
        expectError(text) { try store.variableScope(nil, default: name) {} }
        #expect(store.allVariables.isEmpty)
    }

    @Test("rule 7: nested names may start with _, - , / or >")
    func validNestedNames() throws {
        let store = VariableStore()
        let names = try store.variableScope("s") {
            try ["_a", "-a", ">a", "_"].map { n in
                try store.variableScope(n) { VariableScope.current.name }
            }
        }
        #expect(names == ["s/_a", "s/-a", "s/>a", "s/_"])
        let v: Variable<Float> = try store.variableScope("s") { try getVariable("_k", shape: [1]) }
        #expect(v.name == "s/_k")
        let u = try store.variableScope("s") { try store.variable(Float(0), name: "_u") }
        #expect(u.name == "s_2/_u")  // the third entry of `s`: name scope s_2
    }

    @Test("rule 7: invalid nested names", arguments: ["a b", "a:0", "é", "a*"])
    func invalidNestedNames(name: String) throws {
        let store = VariableStore()
        let text =
            "'\(name)' is not a valid scope name. A scope name has to match the following pattern: \(Self.nestedPattern)"
        // getVariable checks the whole key as a root name, as TF does.
        let keyText =
            "'s/\(name)' is not a valid root scope name. A root scope name has to match the following pattern: \(Self.rootPattern)"
        try store.variableScope("s") {
            expectError(text) { try store.variableScope(name) {} }
            expectError(keyText) { _ = try store.getVariable(name, shape: [1]) }
            expectError(text) { _ = try store.variable(Float(0), name: name) }
        }
        #expect(store.allVariables.isEmpty)
    }

    @Test("rule 7: empty names are an error")
    func emptyNames() throws {
        let store = VariableStore()
        let rootText = "Empty variable or scope name; names must match \(Self.rootPattern)."
        let nestedText = "Empty variable or scope name; names must match \(Self.nestedPattern)."
        expectError(rootText) { try store.variableScope("") {} }
        expectError(rootText) { _ = try store.getVariable("", shape: [1]) }
        expectError(rootText) { _ = try store.variable(Float(0), name: "") }
        expectError("If default_name is None then name_or_scope is required") { try store.variableScope(nil) {} }
        try store.variableScope("s") {
            expectError(nestedText) { try store.variableScope("") {} }
            expectError(nestedText) { _ = try store.getVariable("", shape: [1]) }
            expectError(nestedText) { try store.variableScope(nil, default: "") {} }
        }
        #expect(store.allVariables.isEmpty)
    }
}
