import Synchronization
import Testing
import TowersCore
import Variables

/// Rules 5 and 27 of SEMANTICS.md: the scope object a body receives is the
/// current scope; what changes to it reach. Checked against TF 2.21's
/// `tf.compat.v1` (`scope.reuse_variables()`, `set_initializer`, `set_regularizer`).
@Suite("Scope objects")
struct ScopeObjectTests {
    @Test("rule 27: the object a body receives is the current scope, in nested calls and free functions too")
    func bodyObjectIsCurrent() throws {
        let store = VariableStore()
        try store.variableScope("s") { (s: VariableScope) in
            #expect(VariableScope.current === s)
            #expect(store.currentScope === s)
            try store.nameScope("ns") { #expect(VariableScope.current === s) }
            try store.variableScope("inner") { (inner: VariableScope) in
                #expect(VariableScope.current === inner)
                #expect(inner !== s)
            }
            #expect(VariableScope.current === s)
        }
        #expect(store.currentScope === store.rootScope)
        #expect(store.asDefault { VariableScope.current } === store.rootScope)
    }

    @Test(
        "rule 27: reuseVariables() on the object reaches later calls, nested scopes opened after, and entries by object"
    )
    func reuseVariablesOnObject() throws {
        let store = VariableStore()
        let (s, a, again, nestedReuse): (VariableScope, Variable<Float>, Variable<Float>, ReuseMode?) =
            try store.variableScope("s") { (s: VariableScope) in
                let a: Variable<Float> = try getVariable("a", shape: [1])
                let before = try store.variableScope("early") { VariableScope.current.reuse }
                #expect(before == nil)
                s.reuseVariables()
                #expect(VariableScope.current.reuse == .reuse)
                let again: Variable<Float> = try getVariable("a", shape: [1])
                let nested = try store.variableScope("n") { VariableScope.current.reuse }
                return (s, a, again, nested)
            }
        #expect(again === a)
        #expect(nestedReuse == .reuse)
        // A later entry through the object reuses; the entered object is new.
        let entered = try store.variableScope(s) { (e: VariableScope) in
            #expect(e !== s)
            #expect(e.reuse == .reuse)
            let v: Variable<Float> = try getVariable("a", shape: [1])
            #expect(v === a)
            return e
        }
        #expect(entered.name == "s")
        // A later entry by name starts from its parent again.
        let byName = try store.variableScope("s") { VariableScope.current.reuse }
        #expect(byName == nil)
    }

    @Test("rule 27: at the root, reuseVariables() lasts for the store")
    func rootReuse() async throws {
        let store = VariableStore()
        let w: Variable<Float> = try store.getVariable("w", shape: [2])
        store.reuseVariables()
        #expect(store.rootScope.reuse == .reuse)
        // From another task, and in scopes entered by name afterwards.
        let found = try await Task { () throws -> Variable<Float> in try store.getVariable("w") }.value
        #expect(found === w)
        expectError(
            "Variable x/new does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?"
        ) {
            try store.variableScope("x") { _ = try store.getVariable("new", shape: [1]) }
        }
        // Another store is not affected.
        let other = VariableStore()
        let fresh: Variable<Float> = try other.getVariable("w", shape: [2])
        #expect(fresh !== w)
    }

    @Test(
        "rule 27: setInitializer, setRegularizer, setDtype, setTrainable reach the body, nested scopes and entries by object"
    )
    func settersOnObject() throws {
        let store = VariableStore()
        let s = try store.variableScope("s", initializer: .constant(1)) { (s: VariableScope) in
            s.setInitializer(.constant(2))
            s.setRegularizer(.l2(1))
            s.setDtype(.float64)
            s.setTrainable(false)
            let v = try store.getVariable("v", shape: [1])
            let inner = try store.variableScope("inner") { try store.getVariable("v", shape: [1]) }
            #expect((v as? Variable<Double>)?.value.scalars == [2])
            #expect((inner as? Variable<Double>)?.value.scalars == [2])
            #expect(!v.trainable && !inner.trainable)
            return s
        }
        #expect(s.initializer?.name == "constant(2.0)")
        #expect(s.regularizer?.name == "l2(1.0)")
        #expect(s.dtype == .float64)
        #expect(s.trainable == false)
        // Through the object: the changed settings.
        let v3 = try store.variableScope(s) { try store.getVariable("v3", shape: [1]) }
        #expect((v3 as? Variable<Double>)?.value.scalars == [2])
        // By name: from the parent (the root), not from the object.
        let v4 = try store.variableScope("s") { try store.getVariable("v4", shape: [1]) }
        #expect(v4 is Variable<Float>)
        #expect(v4.trainable)
        // As in TF: the losses of s/v, s/inner/v and s/v3, not s/v4.
        #expect(
            store.regularizationLosses.map(\.name) == ["s/v/Regularizer", "s/inner/v/Regularizer", "s/v3/Regularizer"])
    }

    @Test("rule 27: setCustomGetter replaces the object's getter chain")
    func setCustomGetter() throws {
        let store = VariableStore()
        let seen = Mutex<[String]>([])
        let s = try store.variableScope("s") { (s: VariableScope) in
            let _: Variable<Float> = try getVariable("before", shape: [1])
            s.setCustomGetter { request, next in
                seen.withLock { $0.append(request.key) }
                return try next(request)
            }
            let _: Variable<Float> = try getVariable("after", shape: [1])
            return s
        }
        let _: Variable<Float> = try store.variableScope(s) { try getVariable("entered", shape: [1]) }
        let _: Variable<Float> = try store.variableScope("s") { try getVariable("byName", shape: [1]) }
        #expect(seen.withLock { $0 } == ["s/after", "s/entered"])
    }

    @Test("rule 5: entering by object gives a new object with the captured settings, replaced by the arguments")
    func objectEntryCopiesSettings() throws {
        let store = VariableStore()
        let s = try store.variableScope("s", reuse: .autoReuse, initializer: .ones, dtype: .float64) {
            (s: VariableScope) in s
        }
        let (entered, value) = try store.variableScope(s, initializer: .zeros) { (e: VariableScope) in
            (e, try store.getVariable("z", shape: [1]))
        }
        #expect(entered !== s)
        #expect(entered.reuse == .autoReuse)
        #expect(entered.dtype == .float64)
        #expect(entered.initializer?.name == "zeros")
        #expect((value as? Variable<Double>)?.value.scalars == [0])
        // The captured object is unchanged by the entry's arguments.
        #expect(s.initializer?.name == "ones")
    }

    @Test("rule 27: tasks get their own scope objects; a change by one is not seen by another's entries by name")
    func perTask() async throws {
        let store = VariableStore()
        let results = try await withThrowingTaskGroup(of: ReuseMode?.self) { group in
            group.addTask {
                try store.variableScope("t") { (s: VariableScope) in
                    s.reuseVariables()
                    return VariableScope.current.reuse
                }
            }
            group.addTask { try store.variableScope("t") { VariableScope.current.reuse } }
            var all: [ReuseMode?] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(results.filter { $0 == .reuse }.count == 1)
        #expect(results.filter { $0 == nil }.count == 1)
    }
}
