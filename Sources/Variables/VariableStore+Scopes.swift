public import TowersCore

extension VariableStore {
    /// Enters a variable scope and runs `body` in it (TF's `tf.variable_scope`).
    ///
    /// - `name`: appended to the current scope's name; never made unique, so
    ///   entering the same name again gives the same prefix (that is how reuse finds
    ///   variables). `"p/q"` is `p` then `q` nested.
    /// - `default`: used when `name` is `nil`, made unique among the scopes opened
    ///   in the current entry of the parent (`dense`, `dense_1`, …). This is what
    ///   layers use; a default-named scope cannot set `reuse`.
    /// - `reuse`: `.reuse` or `.autoReuse`; `nil` inherits the parent's. A nested
    ///   scope can turn reuse on but never off.
    /// - The other defaults are inherited from the parent and replaced by the
    ///   arguments given. A `customGetter` wraps the parent's getter chain.
    ///
    /// ```swift
    /// try store.variableScope("encoder", initializer: .heNormal()) { scope in
    ///     let w: Variable<Float> = try getVariable("w", shape: [8, 4])   // encoder/w
    /// }
    /// ```
    @discardableResult
    public func variableScope<R>(
        _ name: String?, default defaultName: String? = nil, reuse: ReuseMode? = nil,
        initializer: Initializer? = nil, regularizer: Regularizer? = nil, dtype: DType? = nil,
        trainable: Bool? = nil, customGetter: CustomGetter? = nil, _ body: (VariableScope) throws -> R
    ) throws -> R {
        let parentEntry = currentEntry()
        let parent = parentEntry.scope
        let local: String
        if let name {
            try NameValidation.validate(name, atRoot: parent.name.isEmpty)
            local = name
        } else {
            let d = defaultName ?? ""
            try NameValidation.validate(d, atRoot: parent.name.isEmpty)
            if reuse != nil { throw VariableError.reuseWithoutName(defaultName: d) }
            local = parentEntry.uniqueChildName(d)
        }
        var scope = parent
        scope = VariableScope(
            name: parent.qualify(local), reuse: reuse ?? parent.reuse,
            initializer: initializer ?? parent.initializer, regularizer: regularizer ?? parent.regularizer,
            dtype: dtype ?? parent.dtype, trainable: trainable ?? parent.trainable,
            customGetter: Self.chain(customGetter, outer: parent.customGetter))
        return try enter(scope, from: parentEntry, body)
    }

    /// A variable scope without a body parameter.
    @discardableResult
    public func variableScope<R>(
        _ name: String?, default defaultName: String? = nil, reuse: ReuseMode? = nil,
        initializer: Initializer? = nil, regularizer: Regularizer? = nil, dtype: DType? = nil,
        trainable: Bool? = nil, customGetter: CustomGetter? = nil, _ body: () throws -> R
    ) throws -> R {
        try variableScope(
            name, default: defaultName, reuse: reuse, initializer: initializer, regularizer: regularizer, dtype: dtype,
            trainable: trainable, customGetter: customGetter
        ) { (_: VariableScope) in try body() }
    }

    /// Re-enters a scope by its object: the prefix is the object's full name
    /// wherever it is entered; reuse is the argument if given, else the object's
    /// own (the enclosing scope's is ignored); defaults come from the object,
    /// replaced by the arguments given.
    ///
    /// ```swift
    /// let towerScope = try store.variableScope("tower") { $0 }
    /// try store.variableScope("other") {
    ///     try store.variableScope(towerScope, reuse: .reuse) { ... }   // tower/…
    /// }
    /// ```
    @discardableResult
    public func variableScope<R>(
        _ scope: VariableScope, reuse: ReuseMode? = nil, initializer: Initializer? = nil,
        regularizer: Regularizer? = nil, dtype: DType? = nil, trainable: Bool? = nil,
        customGetter: CustomGetter? = nil, _ body: (VariableScope) throws -> R
    ) throws -> R {
        let entered = VariableScope(
            name: scope.name, reuse: reuse ?? scope.reuse, initializer: initializer ?? scope.initializer,
            regularizer: regularizer ?? scope.regularizer, dtype: dtype ?? scope.dtype,
            trainable: trainable ?? scope.trainable, customGetter: Self.chain(customGetter, outer: scope.customGetter))
        return try enter(entered, from: currentEntry(), body)
    }

    /// Re-enters a scope by its object, without a body parameter.
    @discardableResult
    public func variableScope<R>(
        _ scope: VariableScope, reuse: ReuseMode? = nil, initializer: Initializer? = nil,
        regularizer: Regularizer? = nil, dtype: DType? = nil, trainable: Bool? = nil,
        customGetter: CustomGetter? = nil, _ body: () throws -> R
    ) throws -> R {
        try variableScope(
            scope, reuse: reuse, initializer: initializer, regularizer: regularizer, dtype: dtype, trainable: trainable,
            customGetter: customGetter
        ) { (_: VariableScope) in try body() }
    }

    /// Makes this store the current task's store for `body`, at its current scope
    /// (its root unless the task is inside one of its scopes further out)
    /// (TF's `graph.as_default()`): free functions such as ``getVariable(_:shape:dtype:initializer:initialValue:trainable:regularizer:customGetter:)``
    /// and layers then use it.
    ///
    /// ```swift
    /// let y = try store.asDefault { try dense(x) }
    /// ```
    public func asDefault<R>(_ body: () throws -> R) rethrows -> R {
        let current = ScopeContext.current
        if current?.store === self { return try body() }
        // At this store's current scope: its root, or the scope it is in further out.
        let context = ScopeContext(store: self, entry: currentEntry(), outer: current)
        return try ScopeContext.$current.withValue(context) { try body() }
    }

    /// Turns reuse on for the rest of the current scope's body (TF's
    /// `scope.reuse_variables()`); scopes opened after it inherit it.
    public func reuseVariables() { currentEntry().turnOnReuse() }

    private func enter<R>(
        _ scope: VariableScope, from parent: ScopeEntry, _ body: (VariableScope) throws -> R
    )
        throws -> R
    {
        parent.open(scope.name)
        let entry = ScopeEntry(scope: scope)
        let context = ScopeContext(store: self, entry: entry, outer: ScopeContext.current)
        return try ScopeContext.$current.withValue(context) { try body(scope) }
    }

    /// `inner` wrapping `outer`: the inner getter runs first and its `next` calls
    /// the outer one.
    static func chain(_ inner: CustomGetter?, outer: CustomGetter?) -> CustomGetter? {
        guard let inner else { return outer }
        guard let outer else { return inner }
        return { request, next in
            try inner(request) { r in try outer(r, next) }
        }
    }
}
