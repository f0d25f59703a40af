import Synchronization
import Testing
import TowersCore
import Variables

/// Rule 28 of SEMANTICS.md: templates (TF's `tf.make_template`). Names and
/// messages as TF 2.21's `tf.compat.v1` prints them for the same programs.
@Suite("Templates")
struct TemplateTests {
    /// TF's `def f(x): return x * tf.get_variable("w", [1])`.
    static func scale(_ x: Tensor<Float>) throws -> Tensor<Float> {
        let w: Variable<Float> = try getVariable("w", shape: [1], initializer: .constant(2))
        return x * w.value
    }

    @Test("rule 28: the first call creates, every later call reuses, from anywhere")
    func firstCreatesLaterReuse() throws {
        let store = VariableStore()
        let tower = try store.makeTemplate("tower", Self.scale)
        #expect(tower.variables.isEmpty)
        #expect(tower.variableScope == nil)
        let x = Tensor<Float>([1, 2])
        let y1 = try tower(x)
        let y2 = try store.variableScope("elsewhere") { try tower(x) }
        #expect(y1.scalars == [2, 4])
        #expect(y2.scalars == [2, 4])
        #expect(names(store) == ["tower/w"])
        #expect(tower.variableScope?.name == "tower")
        #expect(tower.trainableVariables.map(\.name) == ["tower/w"])
        #expect(tower.variables.map(\.name) == ["tower/w"])
        #expect(tower.localVariables.isEmpty)
        // A second template of the same name gets its own scope.
        let second = try store.makeTemplate("tower", Self.scale)
        _ = try second(x)
        #expect(names(store) == ["tower/w", "tower_1/w"])
        #expect(second.variables.map(\.name) == ["tower_1/w"])
        #expect(tower.variables.map(\.name) == ["tower/w"])
    }

    @Test("rule 28: later calls re-enter the scope object with reuse, opening a name scope where they are called")
    func laterCallsNameScopes() throws {
        let store = VariableStore()
        let seen = Mutex<[String]>([])
        let t = try store.makeTemplate("tower") { (x: Tensor<Float>) in
            seen.withLock {
                $0.append(
                    "\(store.currentNameScope) \(VariableScope.current.name) \(VariableScope.current.reuse.map { "\($0)" } ?? "off")"
                )
            }
            return try Self.scale(x)
        }
        _ = try t(Tensor<Float>([1]))
        _ = try store.variableScope("elsewhere") { try t(Tensor<Float>([1])) }
        _ = try t(Tensor<Float>([1]))
        // TF: tower/mul, elsewhere/tower/mul, then tower_1/mul.
        #expect(seen.withLock { $0 } == ["tower tower off", "elsewhere/tower tower reuse", "tower_1 tower reuse"])
    }

    @Test("rule 28: a trainable variable() in a call after the first is TF's error naming it")
    func trainableVariableAfterFirstCall() throws {
        let store = VariableStore()
        let t = try store.makeTemplate("tg") { (x: Tensor<Float>) in
            let v = try variable(Tensor<Float>(1), name: "v")
            return x * v.value
        }
        _ = try t(Tensor<Float>([1]))
        expectError(
            "Trainable variable created when calling a template after the first time, perhaps you used variable() when you meant getVariable(): [<Variable 'tg_1/v' shape=[] dtype=Float32>]"
        ) {
            _ = try t(Tensor<Float>([1]))
        }
        // As in TF, the variable was made before the check.
        #expect(names(store) == ["tg/v", "tg_1/v"])
        // Non-trainable variables are allowed.
        let counter = try store.makeTemplate("tg2") { (_: Void) in
            _ = try variable(Tensor<Float>(0), name: "count", trainable: false)
        }
        try counter()
        try counter()
        #expect(names(store).suffix(2) == ["tg2/count", "tg2_1/count"])
    }

    @Test("rule 28: createScopeNow makes the scope where the template is made")
    func createScopeNow() throws {
        let store = VariableStore()
        let seen = Mutex<[String]>([])
        let (now, second) = try store.variableScope("outer") {
            let now = try store.makeTemplate("now", createScopeNow: true) { (x: Tensor<Float>) in
                seen.withLock { $0.append(store.currentNameScope) }
                return try Self.scale(x)
            }
            // No name scope is opened when the template is made.
            #expect(store.currentNameScope == "outer")
            let second = try store.makeTemplate("now", createScopeNow: true, Self.scale)
            return (now, second)
        }
        #expect(now.variableScope?.name == "outer/now")
        #expect(now.variableScope?.originalNameScope == "now")
        #expect(second.variableScope?.name == "outer/now_1")
        #expect(now.variables.isEmpty)
        _ = try now(Tensor<Float>([1]))
        _ = try now(Tensor<Float>([1]))
        #expect(names(store) == ["outer/now/w"])
        #expect(now.variables.map(\.name) == ["outer/now/w"])
        // TF: now/mul, then now_1/mul: the object's last component, unique where it is called.
        #expect(seen.withLock { $0 } == ["now", "now_1"])
    }

    @Test("rule 28: templates made inside a template's function reuse through it")
    func nestedTemplates() throws {
        let store = VariableStore()
        let outer = try store.makeTemplate("to") { (x: Tensor<Float>) in
            let inner = try makeTemplate("inner", Self.scale)
            return try inner(x)
        }
        _ = try outer(Tensor<Float>([1]))
        _ = try outer(Tensor<Float>([1]))
        #expect(names(store) == ["to/inner/w"])
        #expect(outer.variables.map(\.name) == ["to/inner/w"])
    }

    @Test("rule 28: the free function takes the store of its first call; a bad name is rule 7's error")
    func freeFunction() throws {
        let t = try makeTemplate("free", Self.scale)
        #expect(throws: VariableError.noCurrentStore(name: "free")) { _ = try t(Tensor<Float>([1])) }
        let store = VariableStore()
        _ = try store.asDefault { try t(Tensor<Float>([1])) }
        // Later calls go to that store, even from outside it.
        _ = try t(Tensor<Float>([1]))
        #expect(names(store) == ["free/w"])
        #expect(throws: VariableError.noCurrentStore(name: "now")) {
            _ = try makeTemplate("now", createScopeNow: true, Self.scale)
        }
        expectError(
            #"'a b' is not a valid scope name. A scope name has to match the following pattern: ^[A-Za-z0-9_.\-/>]*$"#
        ) {
            _ = try makeTemplate("a b", Self.scale)
        }
    }

    @Test("rule 28: a first call that fails keeps the scope; the next call creates in it")
    func failedFirstCall() throws {
        struct Refused: Error {}
        let store = VariableStore()
        let fail = Mutex(true)
        let t = try store.makeTemplate("t") { (x: Tensor<Float>) in
            if fail.withLock({ $0 }) { throw Refused() }
            return try Self.scale(x)
        }
        #expect(throws: Refused.self) { _ = try t(Tensor<Float>([1])) }
        #expect(t.variableScope?.name == "t")
        #expect(t.variables.isEmpty)
        fail.withLock { $0 = false }
        _ = try t(Tensor<Float>([1]))
        _ = try t(Tensor<Float>([1]))
        #expect(names(store) == ["t/w"])
    }

    @Test("rule 28: gradients of all calls add up in the template's one variable")
    func sharedGradient() throws {
        let store = VariableStore()
        let t = try store.makeTemplate("t", Self.scale)
        let a = try t(Tensor<Float>([1, 2])), b = try t(Tensor<Float>([3]))
        (a.sum() + b.sum()).backward()
        let w = try #require(t.trainableVariables.first as? Variable<Float>)
        #expect(w.gradient?.scalars == [6])  // 1 + 2 + 3
    }
}
