extension VariableStore {
    /// Opens a name scope and runs `body` in it (TF's `tf.name_scope`); the body
    /// receives the name scope with a trailing `/` (`ns/`, `ns_1/`).
    ///
    /// - `"n"` opens `n` under the current name scope, made unique in this store
    ///   (`n`, then `n_1`, `n_2`, …; compared case-insensitively, rule 22);
    /// - `"a/b/"` (ending in `/`) re-enters exactly the name scope `a/b`;
    /// - `""` goes back to the root name scope.
    ///
    /// A name scope prefixes ``variable(_:name:trainable:collections:)-(Tensor<T>,_,_,_)`` names
    /// and ``uniqueName(_:markAsUsed:)``, never `getVariable` keys, which follow
    /// the *variable* scope:
    ///
    /// ```swift
    /// try store.nameScope("ns") { (scope: String) in
    ///     print(scope)                                          // ns/
    ///     let g: Variable<Float> = try getVariable("g", shape: [1])
    ///     let t = try store.variable(Float(0), name: "t")
    ///     print(g.name, t.name)                                 // g ns/t
    /// }
    /// ```
    @discardableResult
    public func nameScope<R>(_ name: String, _ body: (String) throws -> R) throws -> R {
        let (scope, current) = currentContext()
        let opened: NamePath
        if name.isEmpty {
            opened = .root
        } else if name.hasSuffix("/") {
            try NameValidation.validate(name, atRoot: current.isRoot)
            let target = String(name.dropLast())
            opened = state.withLock { $0.names.path(parsing: target) }
        } else {
            try NameValidation.validate(name, atRoot: current.isRoot)
            opened = openNameScope(name, under: current)
        }
        defer { closeNameScope(opened) }
        return try run(in: scope, nameScope: opened) { try body(opened.name.isEmpty ? "" : opened.name + "/") }
    }

    /// A name scope without a body parameter.
    @discardableResult
    public func nameScope<R>(_ name: String, _ body: () throws -> R) throws -> R {
        try nameScope(name) { (_: String) in try body() }
    }

    /// The current task's name scope in this store, without a trailing `/`
    /// (`tower_1/dense`; `""` at the root). A graph builder names its operations
    /// under it with ``uniqueName(_:markAsUsed:)``.
    public var currentNameScope: String { currentContext().nameScope.name }

    /// The unique form of `name` under the current name scope, as TF's
    /// `Graph.unique_name`: `scope/name` if no name of the store has taken it
    /// (case-insensitively), else `scope/name_1`, `scope/name_2`, …, the first
    /// free one. With `markAsUsed` (the default) the result is taken.
    ///
    /// Names share one table with name scopes and variables, and the table keeps
    /// counters per base name, so naming the same operations every training step
    /// does not grow it.
    ///
    /// ```swift
    /// try store.nameScope("tower") {
    ///     store.uniqueName("MatMul")   // tower/MatMul
    ///     store.uniqueName("MatMul")   // tower/MatMul_1
    /// }
    /// ```
    @discardableResult
    public func uniqueName(_ name: String, markAsUsed: Bool = true) -> String {
        let prefix = currentContext().nameScope
        return state.withLock { $0.names.unique(name, in: prefix, markAsUsed: markAsUsed).name }
    }

    /// Whether `name` (a full name, `tower/MatMul`) is taken in this store.
    public func isNameUsed(_ name: String) -> Bool { state.withLock { $0.names.isUsed(name) } }

    /// The size of the name table (entries and runs): flat in a training loop.
    package var nameTableFootprint: Int { state.withLock { $0.names.footprint } }

    /// Takes `unique(prefix/name)` for a new name scope.
    func openNameScope(_ name: String, under prefix: NamePath) -> NamePath {
        state.withLock { $0.names.unique(name, in: prefix) }
    }

    /// Ends a name scope: a generated name (`tower_7`) folds back into its run.
    func closeNameScope(_ path: NamePath) {
        guard !path.isRoot else { return }
        state.withLock { $0.names.close(path) }
    }
}
