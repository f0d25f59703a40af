import Testing
import TowersCore
import Variables

/// Rules 8–11 of SEMANTICS.md: the reuse tri-state, its inheritance, entry by
/// scope object, `reuseVariables()`, and what `getVariable` does with an existing
/// or missing key.
@Suite("Reuse")
struct ReuseTests {
    static func reuse(in store: VariableStore, _ path: [(String, ReuseMode?)]) throws -> ReuseMode? {
        guard let (name, mode) = path.first else { return VariableScope.current.reuse }
        return try store.variableScope(name, reuse: mode) { try reuse(in: store, Array(path.dropFirst())) }
    }

    // MARK: Rule 8

    @Test("rule 8: off at the root and by default")
    func offByDefault() throws {
        let store = VariableStore()
        #expect(VariableScope.current.reuse == nil)
        #expect(VariableScope.root.reuse == nil)
        #expect(VariableScope.root.name == "")
        #expect(try Self.reuse(in: store, [("a", nil)]) == nil)
        #expect(try Self.reuse(in: store, [("a", nil), ("b", nil)]) == nil)
        #expect(try Self.reuse(in: store, [("a", .reuse)]) == .reuse)
        #expect(try Self.reuse(in: store, [("a", .autoReuse)]) == .autoReuse)
    }

    @Test(
        "rule 8: a nested scope takes its argument if given, else its parent's",
        arguments: [
            (ReuseMode?.none, ReuseMode?.none, ReuseMode?.none),
            (.reuse, nil, .reuse),
            (.autoReuse, nil, .autoReuse),
            (nil, .reuse, .reuse),
            (nil, .autoReuse, .autoReuse),
            (.reuse, .autoReuse, .autoReuse),  // autoReuse inside reuse is autoReuse
            (.autoReuse, .reuse, .reuse),
            (.reuse, .reuse, .reuse),
        ])
    func inheritance(parent: ReuseMode?, child: ReuseMode?, expected: ReuseMode?) throws {
        let store = VariableStore()
        #expect(try Self.reuse(in: store, [("p", parent), ("c", child)]) == expected)
        #expect(try Self.reuse(in: store, [("p", parent), ("c", child), ("g", nil)]) == expected)
    }

    @Test("rule 8: a nested scope cannot switch inherited reuse off")
    func cannotSwitchOff() throws {
        let store = VariableStore()
        expectError(
            "Variable outer/inner/new does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?"
        ) {
            try store.variableScope("outer", reuse: .reuse) {
                try store.variableScope("inner", reuse: nil) {  // nil means "inherit", not "off"
                    #expect(VariableScope.current.reuse == .reuse)
                    _ = try store.getVariable("new", shape: [1])
                }
            }
        }
        #expect(store.allVariables.isEmpty)
    }

    @Test("rule 8: autoReuse inside reuse creates missing variables")
    func autoReuseInsideReuse() throws {
        let store = VariableStore()
        let v: Variable<Float> = try store.variableScope("outer", reuse: .reuse) {
            try store.variableScope("inner", reuse: .autoReuse) { try getVariable("w", shape: [2]) }
        }
        #expect(v.name == "outer/inner/w")
        let again: Variable<Float> = try store.variableScope("outer", reuse: .reuse) {
            try store.variableScope("inner") { try getVariable("w", shape: [2]) }
        }
        #expect(again === v)
    }

    @Test("rule 8: by scope object: the object's reuse; the enclosing scope's is ignored")
    func scopeObjectOwnReuse() throws {
        let store = VariableStore()
        let plain = try store.variableScope("plain") { (s: VariableScope) in s }
        let auto = try store.variableScope("auto", reuse: .autoReuse) { (s: VariableScope) in s }
        #expect(plain.reuse == nil)
        #expect(auto.reuse == .autoReuse)
        // Inside a reusing scope, the plain object is entered with reuse off: it creates.
        let created: Variable<Float> = try store.variableScope("enclosing", reuse: .reuse) {
            try store.variableScope(plain) { () throws -> Variable<Float> in
                #expect(VariableScope.current.reuse == nil)
                return try getVariable("w", shape: [1])
            }
        }
        #expect(created.name == "plain/w")
        // …and with reuse off, an existing key is an error even inside a reusing scope.
        expectError(
            "Variable plain/w already exists, disallowed. Did you mean to set reuse=True or reuse=AUTO_REUSE in VarScope?"
        ) {
            try store.variableScope("enclosing", reuse: .autoReuse) {
                try store.variableScope(plain) { _ = try store.getVariable("w", shape: [1]) }
            }
        }
        // The autoReuse object keeps autoReuse in a plain enclosing scope.
        let mode = try store.variableScope("enclosing") {
            try store.variableScope(auto) { VariableScope.current.reuse }
        }
        #expect(mode == .autoReuse)
    }

    @Test("rule 8: by scope object: the argument replaces the object's reuse")
    func scopeObjectArgument() throws {
        let store = VariableStore()
        let auto = try store.variableScope("auto", reuse: .autoReuse) { (s: VariableScope) in s }
        let plain = try store.variableScope("plain") { (s: VariableScope) in s }
        #expect(try store.variableScope(auto, reuse: .reuse) { VariableScope.current.reuse } == .reuse)
        #expect(try store.variableScope(plain, reuse: .autoReuse) { VariableScope.current.reuse } == .autoReuse)
        let w: Variable<Float> = try store.variableScope(plain) { try getVariable("w", shape: [1]) }
        let found: Variable<Float> = try store.variableScope("x") {
            try store.variableScope(plain, reuse: .reuse) { try getVariable("w") }
        }
        #expect(found === w)
        // Nested scopes inside an object entry inherit the entry's reuse.
        let nested = try store.variableScope(plain, reuse: .reuse) {
            try store.variableScope("n") { VariableScope.current.reuse }
        }
        #expect(nested == .reuse)
    }

    // MARK: Rule 9

    @Test("rule 9: reuseVariables() turns reuse on for the rest of the body")
    func reuseVariablesRestOfBody() throws {
        let store = VariableStore()
        try store.variableScope("s") {
            let a: Variable<Float> = try getVariable("a", shape: [2])
            let before = try store.variableScope("before") { VariableScope.current.reuse }
            #expect(before == nil)
            #expect(VariableScope.current.reuse == nil)
            store.reuseVariables()
            #expect(VariableScope.current.reuse == .reuse)
            let again: Variable<Float> = try getVariable("a", shape: [2])
            #expect(again === a)
            expectError(
                "Variable s/b does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?"
            ) {
                _ = try store.getVariable("b", shape: [2])
            }
            // Scopes opened after it inherit it.
            let after = try store.variableScope("after") { VariableScope.current.reuse }
            #expect(after == .reuse)
            let afterDefault = try store.variableScope(nil, default: "d") { VariableScope.current.reuse }
            #expect(afterDefault == .reuse)
        }
        // Only for that body: the next entry of `s` is not reusing.
        let mode = try store.variableScope("s") { VariableScope.current.reuse }
        #expect(mode == nil)
        #expect(store.allVariables.count == 1)
    }

    @Test("rule 9: the free reuseVariables() acts on the current task's scope; it needs a store")
    func freeReuseVariables() throws {
        let store = VariableStore()
        let (inner, outer) = try store.variableScope("s") {
            let inner = try store.variableScope("t") {
                try reuseVariables()
                return VariableScope.current.reuse
            }
            return (inner, VariableScope.current.reuse)
        }
        #expect(inner == .reuse)
        #expect(outer == nil)
        expectError(
            "'reuseVariables' was requested outside any variable store: call it inside store.asDefault { } or store.variableScope(...) { }."
        ) {
            try reuseVariables()
        }
    }

    // MARK: Rule 10: key present

    @Test("rule 10: reuse off and key present is an error")
    func alreadyExists() throws {
        let store = VariableStore()
        try store.variableScope("s") { _ = try store.getVariable("k", shape: [1]) }
        #expect(throws: VariableError.alreadyExists(key: "s/k")) {
            try store.variableScope("s") { _ = try store.getVariable("k", shape: [1]) }
        }
        expectError(
            "Variable s/k already exists, disallowed. Did you mean to set reuse=True or reuse=AUTO_REUSE in VarScope?"
        ) {
            try store.variableScope("s") { _ = try store.getVariable("k", shape: [1]) }
        }
        // Checked before shape and dtype.
        #expect(throws: VariableError.alreadyExists(key: "s/k")) {
            try store.variableScope("s") { _ = try store.getVariable("k", shape: [7], dtype: Double.self) }
        }
    }

    @Test("rule 10: shape mismatch (dimensions or rank) is an error", arguments: [ReuseMode.reuse, .autoReuse])
    func shapeMismatch(mode: ReuseMode) throws {
        let store = VariableStore()
        let _: Variable<Float> = try store.variableScope("s") { try getVariable("KEY", shape: [2, 3]) }
        expectError("Trying to share variable s/KEY, but specified shape [3, 2] and found shape [2, 3].") {
            try store.variableScope("s", reuse: mode) {
                let _: Variable<Float> = try getVariable("KEY", shape: [3, 2])
            }
        }
        expectError("Trying to share variable s/KEY, but specified shape [6] and found shape [2, 3].") {
            try store.variableScope("s", reuse: mode) { let _: Variable<Float> = try getVariable("KEY", shape: [6]) }
        }
        expectError("Trying to share variable s/KEY, but specified shape [2, 3, 1] and found shape [2, 3].") {
            try store.variableScope("s", reuse: mode) {
                let _: Variable<Float> = try getVariable("KEY", shape: [2, 3, 1])
            }
        }
        #expect(throws: VariableError.shapeMismatch(key: "s/KEY", specified: [3, 2], found: [2, 3])) {
            try store.variableScope("s", reuse: mode) {
                let _: Variable<Float> = try getVariable("KEY", shape: [3, 2])
            }
        }
    }

    @Test("rule 10: the exact text for a top-level key")
    func shapeMismatchTopLevel() throws {
        let store = VariableStore()
        let _: Variable<Float> = try store.getVariable("KEY", shape: [2, 3])
        expectError("Trying to share variable KEY, but specified shape [3, 2] and found shape [2, 3].") {
            try store.variableScope(VariableScope.root, reuse: .reuse) {
                let _: Variable<Float> = try getVariable("KEY", shape: [3, 2])
            }
        }
        expectError("Trying to share variable KEY, but specified dtype Float64 and found dtype Float32.") {
            try store.variableScope(VariableScope.root, reuse: .reuse) {
                let _: Variable<Double> = try getVariable("KEY", shape: [2, 3])
            }
        }
    }

    @Test("rule 10: dtype mismatch is an error: given, else the scope's")
    func dtypeMismatch() throws {
        let store = VariableStore()
        let _: Variable<Float> = try store.variableScope("s") { try getVariable("KEY", shape: [2]) }
        // Given by the call.
        expectError("Trying to share variable s/KEY, but specified dtype Float64 and found dtype Float32.") {
            try store.variableScope("s", reuse: .reuse) { let _: Variable<Double> = try getVariable("KEY") }
        }
        #expect(throws: VariableError.dtypeMismatch(key: "s/KEY", specified: .float64, found: .float32)) {
            try store.variableScope("s", reuse: .autoReuse) {
                _ = try store.getVariable("KEY", shape: [2], dtype: Double.self)
            }
        }
        // From the scope, with the type-erased overload.
        expectError("Trying to share variable s/KEY, but specified dtype Float64 and found dtype Float32.") {
            try store.variableScope("s", reuse: .reuse, dtype: .float64) { _ = try store.getVariable("KEY") }
        }
        // The scope's Float32, explicitly, matches.
        let found = try store.variableScope("s", reuse: .reuse, dtype: .float32) { try store.getVariable("KEY") }
        #expect(found.dtype == .float32)
        // Shape is checked before dtype.
        expectError("Trying to share variable s/KEY, but specified shape [3] and found shape [2].") {
            try store.variableScope("s", reuse: .reuse) { let _: Variable<Double> = try getVariable("KEY", shape: [3]) }
        }
    }

    @Test("rule 10: reusing returns the identical object, with or without a shape")
    func identical() throws {
        let store = VariableStore()
        let v: Variable<Float> = try store.variableScope("s") { try getVariable("w", shape: [4, 5]) }
        for mode in [ReuseMode.reuse, .autoReuse] {
            let withShape: Variable<Float> = try store.variableScope("s", reuse: mode) {
                try getVariable("w", shape: [4, 5])
            }
            let withoutShape: Variable<Float> = try store.variableScope("s", reuse: mode) { try getVariable("w") }
            let erased = try store.variableScope("s", reuse: mode) { try store.getVariable("w") }
            #expect(withShape === v)
            #expect(withoutShape === v)
            #expect(erased === v)
            #expect(withShape.value === v.value)
        }
        #expect(store.allVariables.count == 1)
    }

    @Test("rule 10: on reuse the call's initializer, trainable flag and regularizer are ignored")
    func reuseIgnoresCreationArguments() throws {
        let store = VariableStore()
        let v: Variable<Float> = try store.variableScope("s") {
            try getVariable("w", shape: [2], initializer: .constant(1))
        }
        let again: Variable<Float> = try store.variableScope("s", reuse: .reuse) {
            try getVariable("w", shape: [2], initializer: .constant(5), trainable: false, regularizer: .l2(1))
        }
        let scoped: Variable<Float> = try store.variableScope(
            "s", reuse: .autoReuse, initializer: .constant(7), regularizer: .l1(1), trainable: false
        ) {
            try getVariable("w", shape: [2])
        }
        #expect(again === v)
        #expect(scoped === v)
        #expect(v.value.scalars == [1, 1])
        #expect(v.trainable)
        #expect(store.trainableVariables.count == 1)
        #expect(store.regularizationLosses.isEmpty)
        #expect(store.regularizationLoss(Float.self) == nil)
    }

    // MARK: Rule 11: key absent

    @Test("rule 11: reuse and key absent is an error; autoReuse and off create")
    func keyAbsent() throws {
        let store = VariableStore()
        #expect(throws: VariableError.doesNotExist(key: "s/k")) {
            try store.variableScope("s", reuse: .reuse) { _ = try store.getVariable("k", shape: [1]) }
        }
        expectError(
            "Variable s/k does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?"
        ) {
            try store.variableScope("s", reuse: .reuse) { _ = try store.getVariable("k", shape: [1]) }
        }
        let auto: Variable<Float> = try store.variableScope("s", reuse: .autoReuse) { try getVariable("k", shape: [1]) }
        let off: Variable<Float> = try store.variableScope("s") { try getVariable("j", shape: [1]) }
        #expect(auto.name == "s/k")
        #expect(off.name == "s/j")
        #expect(names(store) == ["s/k", "s/j"])
    }
}
