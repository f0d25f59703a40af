import TowersCore

/// A function that creates its variables on the first call and reuses them on
/// every later call, wherever it is called from (TF's `tf.make_template`).
///
/// The first call enters a default-named scope (`tower`; a second template
/// named `tower` gets `tower_1`) where it is called, or where the template was
/// made with `createScopeNow: true`; every later call re-enters that scope object
/// with `.reuse`. A trainable variable created by `variable()` in a later call is
/// an error naming it (use `getVariable`, which reuses).
///
/// ```swift
/// let tower = try makeTemplate("tower") { (x: Tensor<Float>) in
///     try Dense<Float>(units: 4)(x)
/// }
/// let a = try store.asDefault { try tower(left) }    // creates tower/dense/…
/// let b = try store.asDefault { try tower(right) }   // reuses them
/// tower.trainableVariables.map(\.name)               // ["tower/dense/kernel", "tower/dense/bias"]
/// ```
public final class Template<Input, Output>: Sendable {
    /// The name the template's scope is made unique from.
    public let name: String
    private let function: @Sendable (Input) throws -> Output
    private let customGetter: CustomGetter?

    private struct State {
        var store: VariableStore?
        var scope: VariableScope?
        var variablesCreated = false
    }
    private let state: Locked<State>

    init(
        name: String, store: VariableStore?, scope: VariableScope?, customGetter: CustomGetter?,
        function: @escaping @Sendable (Input) throws -> Output
    ) {
        self.name = name
        self.function = function
        self.customGetter = customGetter
        state = Locked(State(store: store, scope: scope))
    }

    /// The template's scope, once made (by the first call, or by `createScopeNow`).
    public var variableScope: VariableScope? { state.withLock { $0.scope } }

    /// The global variables created by the template (by name, under its scope).
    public var variables: [any AnyVariable] { list { $0.globalVariables(scope: $1) } }
    /// The trainable variables created by the template.
    public var trainableVariables: [any AnyVariable] { list { $0.trainableVariables(scope: $1) } }
    /// The local variables created by the template.
    public var localVariables: [any AnyVariable] { list { $0.localVariables(scope: $1) } }

    private func list(_ get: (VariableStore, String) -> [any AnyVariable]) -> [any AnyVariable] {
        let (store, scope, created) = state.withLock { ($0.store, $0.scope, $0.variablesCreated) }
        guard created, let store, let scope else { return [] }
        return get(store, scope.listPrefix)
    }

    /// Calls the function: the first time in a new scope, then with reuse.
    public func callAsFunction(_ input: Input) throws -> Output {
        let (boundStore, scope, created) = state.withLock { ($0.store, $0.scope, $0.variablesCreated) }
        guard let store = boundStore ?? currentVariableStore else { throw VariableError.noCurrentStore(name: name) }
        if let scope {
            if created {
                return try store.variableScope(scope, reuse: .reuse) { try callChecked(input, store: store) }
            }
            return try store.variableScope(scope) {
                let result = try function(input)
                state.withLock { $0.variablesCreated = true }
                return result
            }
        }
        return try store.variableScope(nil, default: name, customGetter: customGetter) { (entered: VariableScope) in
            state.withLock {
                $0.store = store
                $0.scope = entered
            }
            let result = try function(input)
            state.withLock { $0.variablesCreated = true }
            return result
        }
    }

    /// Runs the function and fails if it created trainable variables.
    private func callChecked(_ input: Input, store: VariableStore) throws -> Output {
        let before = store.trainableVariables.count
        let result = try function(input)
        let trainable = store.trainableVariables
        if trainable.count > before {
            throw VariableError.templateCreatedTrainableVariables(trainable[before...].map(\.description))
        }
        return result
    }
}

extension Template where Input == Void {
    /// Calls a template of no arguments.
    public func callAsFunction() throws -> Output { try self(()) }
}

extension VariableStore {
    /// A template whose variables live in this store (see ``Template``).
    /// With `createScopeNow`, its scope is made now, in the current scope
    /// (`tower`, `tower_1`, …), instead of at the first call.
    ///
    /// ```swift
    /// let scale = try store.makeTemplate("scale") { (x: Tensor<Float>) in
    ///     let s: Variable<Float> = try getVariable("s", shape: [], initializer: .constant(2))
    ///     return x * s.value
    /// }
    /// ```
    public func makeTemplate<Input, Output>(
        _ name: String, createScopeNow: Bool = false, customGetter: CustomGetter? = nil,
        _ function: @escaping @Sendable (Input) throws -> Output
    ) throws -> Template<Input, Output> {
        try NameValidation.validate(name, atRoot: false)
        let scope = createScopeNow ? try makeScope(default: name, customGetter: customGetter) : nil
        return Template(name: name, store: self, scope: scope, customGetter: customGetter, function: function)
    }
}

/// A template (TF's `tf.make_template`) whose store is the current one at its
/// first call (or now, with `createScopeNow`). See ``Template``.
///
/// ```swift
/// let tower = try makeTemplate("tower") { (x: Tensor<Float>) in try Dense<Float>(units: 4)(x) }
/// ```
public func makeTemplate<Input, Output>(
    _ name: String, createScopeNow: Bool = false, customGetter: CustomGetter? = nil,
    _ function: @escaping @Sendable (Input) throws -> Output
) throws -> Template<Input, Output> {
    if createScopeNow {
        return try currentStore(for: name).makeTemplate(
            name, createScopeNow: true, customGetter: customGetter, function)
    }
    try NameValidation.validate(name, atRoot: false)
    return Template(name: name, store: nil, scope: nil, customGetter: customGetter, function: function)
}
