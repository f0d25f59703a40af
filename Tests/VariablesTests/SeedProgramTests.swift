import Testing
import TowersCore
import Variables

/// The seven seed programs of the project's issue, with the names, identities and
/// error texts TensorFlow 1 gives. Their code is the code of the "Sharing
/// variables" article (checked by `ArticleSnippetTests`).
@Suite("Seed programs")
struct SeedProgramTests {
    @Test("1: variable() makes unique names; getVariable() is stored under its key (rules 1–3)")
    func program1() throws {
        let store = VariableStore()
        var v = try store.variable(Float(1.0), name: "firstvar")
        print(v.name)  // firstvar
        #expect(v.name == "firstvar")
        v = try store.variable(Float(2.0), name: "firstvar")
        print(v.name)  // firstvar_1
        #expect(v.name == "firstvar_1")
        var u = try store.variable(Float(3.0))
        print(u.name)  // Variable
        #expect(u.name == "Variable")
        u = try store.variable(Float(4.0))
        print(u.name)  // Variable_1
        #expect(u.name == "Variable_1")
        var w: Variable<Float> = try store.getVariable("firstvar", shape: [1], initializer: .constant(0.3))
        print(w.name)  // firstvar_2
        #expect(w.name == "firstvar_2")
        #expect(w.key == "firstvar")
        #expect(w.value.scalars == [Float(0.3)])
        w = try store.getVariable("firstvar1", shape: [1], initializer: .constant(0.4))
        print(w.name)  // firstvar1
        print(v.value.scalar, u.value.scalar, w.value.scalars)  // 2.0 4.0 [0.4]

        #expect(names(store) == ["firstvar", "firstvar_1", "Variable", "Variable_1", "firstvar_2", "firstvar1"])
        #expect(keys(store) == [nil, nil, nil, nil, "firstvar", "firstvar1"])
        #expect(v.value.scalar == 2.0)
        #expect(u.value.scalar == 4.0)
        #expect(w.value.scalars == [Float(0.4)])
        #expect(w.key == "firstvar1")
        #expect(store.variable(forKey: "firstvar")?.name == "firstvar_2")
        #expect(store.variable(named: "firstvar")?.key == nil)
    }

    @Test("2: a second getVariable of one key at the top level is an error (rule 10)")
    func program2() throws {
        let store = VariableStore()
        _ = try store.getVariable("a", shape: [1])
        do {
            _ = try store.getVariable("a", shape: [1])
            Issue.record("the second getVariable(\"a\") did not throw")
        } catch {
            print(error)
            // Variable a already exists, disallowed. Did you mean to set reuse=True or reuse=AUTO_REUSE in VarScope?
            #expect(
                String(describing: error)
                    == "Variable a already exists, disallowed. Did you mean to set reuse=True or reuse=AUTO_REUSE in VarScope?"
            )
            #expect(error as? VariableError == .alreadyExists(key: "a"))
        }
        #expect(names(store) == ["a"])
    }

    @Test("3: sibling scopes prefix their variables (rule 4)")
    func program3() throws {
        let store = VariableStore()
        let v1: Variable<Float> = try store.variableScope("test1") {
            try getVariable("firstvar", shape: [2])
        }
        let v2: Variable<Float> = try store.variableScope("test2") {
            try getVariable("firstvar", shape: [2])
        }
        print(v1.name, v2.name)  // test1/firstvar test2/firstvar
        #expect(v1.name == "test1/firstvar")
        #expect(v2.name == "test2/firstvar")
        #expect(v1 !== v2)
        #expect(names(store) == ["test1/firstvar", "test2/firstvar"])
        #expect(v1.shape == [2])
    }

    /// Program 4; returns the store and the two variables for program 5.
    static func buildProgram4() throws -> (VariableStore, Variable<Float>, Variable<Float>) {
        let store = VariableStore()
        let (v1, v2): (Variable<Float>, Variable<Float>) = try store.variableScope("test1") {
            let v1: Variable<Float> = try getVariable("firstvar", shape: [2])
            let v2: Variable<Float> = try store.variableScope("test2") {
                try getVariable("firstvar", shape: [2])
            }
            return (v1, v2)
        }
        print(v1.name, v2.name)  // test1/firstvar test1/test2/firstvar
        return (store, v1, v2)
    }

    @Test("4: nested scopes join their names (rule 4)")
    func program4() throws {
        let (store, v1, v2) = try Self.buildProgram4()
        #expect(v1.name == "test1/firstvar")
        #expect(v2.name == "test1/test2/firstvar")
        #expect(names(store) == ["test1/firstvar", "test1/test2/firstvar"])
    }

    @Test("5: reuse is inherited by a nested scope; the same objects come back (rules 8, 10)")
    func program5() throws {
        let (store, v1, v2) = try Self.buildProgram4()
        let (r1, r2): (Variable<Float>, Variable<Float>) = try store.variableScope("test1", reuse: .reuse) {
            let r1: Variable<Float> = try getVariable("firstvar", shape: [2])
            let r2: Variable<Float> = try store.variableScope("test2") {  // inherits reuse
                try getVariable("firstvar", shape: [2])
            }
            return (r1, r2)
        }
        print(r1 === v1, r2 === v2)  // true true
        #expect(r1 === v1)
        #expect(r2 === v2)
        #expect(r1.name == "test1/firstvar")
        #expect(r2.name == "test1/test2/firstvar")
        #expect(names(store) == ["test1/firstvar", "test1/test2/firstvar"])
    }

    @Test("6: reuse of a variable that was never created is an error (rule 11)")
    func program6() throws {
        let store = VariableStore()
        do {
            try store.variableScope("test1", reuse: .reuse) {
                let _: Variable<Float> = try getVariable("firstvar", shape: [2])
            }
            Issue.record("reusing a missing variable did not throw")
        } catch {
            print(error)
            // Variable test1/firstvar does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?
            #expect(
                String(describing: error)
                    == "Variable test1/firstvar does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?"
            )
        }
        #expect(store.allVariables.isEmpty)
        // The same with the whole second half of program 5: the first call fails.
        expectError(
            "Variable test1/firstvar does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?"
        ) {
            try store.variableScope("test1", reuse: .reuse) {
                let _: Variable<Float> = try getVariable("firstvar", shape: [2])
                try store.variableScope("test2") {
                    let _: Variable<Float> = try getVariable("firstvar", shape: [2])
                }
            }
        }
        #expect(store.allVariables.isEmpty)
    }

    @Test("7: autoReuse creates on the first entry and shares on the next (rules 8, 10, 11)")
    func program7() throws {
        let store = VariableStore()
        func build() throws -> (Variable<Float>, Variable<Float>) {
            try store.variableScope("test1", reuse: .autoReuse) {
                let v1: Variable<Float> = try getVariable("firstvar", shape: [2])
                let v2: Variable<Float> = try store.variableScope("test2") {
                    try getVariable("firstvar", shape: [2])
                }
                return (v1, v2)
            }
        }
        let (a1, a2) = try build()  // creates test1/firstvar and test1/test2/firstvar
        let (b1, b2) = try build()  // finds them
        print(a1 === b1, a2 === b2, store.allVariables.count)  // true true 2
        #expect(a1.name == "test1/firstvar")
        #expect(a2.name == "test1/test2/firstvar")
        #expect(a1 === b1)
        #expect(a2 === b2)
        #expect(store.allVariables.count == 2)
        #expect(names(store) == ["test1/firstvar", "test1/test2/firstvar"])
    }
}
