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
    /// - Each entry also opens a name scope, unique under the current name scope
    ///   (`tower`, then `tower_1`, …, rule 23), which prefixes ``variable(_:name:trainable:collections:)-(Tensor<T>,_,_,_)``
    ///   names; `auxiliaryNameScope: false` stays in the current name scope.
    ///
    /// The body receives the new scope object, which is the current scope while
    /// it runs (rule 27).
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
        trainable: Bool? = nil, customGetter: CustomGetter? = nil, auxiliaryNameScope: Bool = true,
        _ body: (VariableScope) throws -> R
    ) throws -> R {
        let (parent, parentNameScope) = currentContext()
        let local: String
        if let name {
            try NameValidation.validate(name, atRoot: parent.name.isEmpty)
            local = name
        } else {
            guard let defaultName else { throw VariableError.defaultNameRequired }
            try NameValidation.validate(defaultName, atRoot: parent.name.isEmpty)
            if reuse != nil { throw VariableError.reuseWithoutName(defaultName: defaultName) }
            local = parent.uniqueChildName(defaultName)
        }
        let inherited = parent.settings
        let settings = inherited.replacing(
            reuse: reuse, initializer: initializer, regularizer: regularizer, dtype: dtype, trainable: trainable,
            customGetter: customGetter.map { Self.chain($0, outer: inherited.customGetter)! })
        let fullName = parent.qualify(local)
        let nameScope =
            auxiliaryNameScope ? openNameScope(name ?? defaultName!, under: parentNameScope) : parentNameScope
        defer { if auxiliaryNameScope { closeNameScope(nameScope) } }
        parent.open(fullName)
        let scope = VariableScope(name: fullName, originalPath: nameScope, settings: settings, store: self)
        return try run(in: scope, nameScope: nameScope) { try body(scope) }
    }

    /// A variable scope without a body parameter.
    @discardableResult
    public func variableScope<R>(
        _ name: String?, default defaultName: String? = nil, reuse: ReuseMode? = nil,
        initializer: Initializer? = nil, regularizer: Regularizer? = nil, dtype: DType? = nil,
        trainable: Bool? = nil, customGetter: CustomGetter? = nil, auxiliaryNameScope: Bool = true,
        _ body: () throws -> R
    ) throws -> R {
        try variableScope(
            name, default: defaultName, reuse: reuse, initializer: initializer, regularizer: regularizer, dtype: dtype,
            trainable: trainable, customGetter: customGetter, auxiliaryNameScope: auxiliaryNameScope
        ) { (_: VariableScope) in try body() }
    }

    /// Re-enters a scope by its object (rule 5): the prefix is the object's full
    /// name wherever it is entered; reuse is the argument if given, else the
    /// object's own (the enclosing scope's is ignored); defaults come from the
    /// object (as it is now, changes made through it included), replaced by the
    /// arguments given. The body receives a *new* scope object with those
    /// settings. The name scope opened is the last component of the object's name,
    /// made unique under the current name scope (`tower` entered inside
    /// `other` opens `other/tower`); none for the root or with
    /// `auxiliaryNameScope: false`.
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
        customGetter: CustomGetter? = nil, auxiliaryNameScope: Bool = true, _ body: (VariableScope) throws -> R
    ) throws -> R {
        let (current, currentNameScope) = currentContext()
        let last = scope.name.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        let opens = auxiliaryNameScope && !last.isEmpty
        let nameScope = opens ? openNameScope(last, under: currentNameScope) : currentNameScope
        defer { if opens { closeNameScope(nameScope) } }
        return try enter(
            scope, reuse: reuse, initializer: initializer, regularizer: regularizer, dtype: dtype, trainable: trainable,
            customGetter: customGetter, from: current, nameScope: nameScope, body)
    }

    /// Re-enters a scope by its object, without a body parameter.
    @discardableResult
    public func variableScope<R>(
        _ scope: VariableScope, reuse: ReuseMode? = nil, initializer: Initializer? = nil,
        regularizer: Regularizer? = nil, dtype: DType? = nil, trainable: Bool? = nil,
        customGetter: CustomGetter? = nil, auxiliaryNameScope: Bool = true, _ body: () throws -> R
    ) throws -> R {
        try variableScope(
            scope, reuse: reuse, initializer: initializer, regularizer: regularizer, dtype: dtype, trainable: trainable,
            customGetter: customGetter, auxiliaryNameScope: auxiliaryNameScope
        ) { (_: VariableScope) in try body() }
    }

    /// Re-enters a scope by its object inside its original name scope, as TF1's
    /// layers do on every call after the first: the variable scope by object
    /// without an auxiliary name scope, and the operations in the name scope of
    /// the layer's first call.
    package func variableScopeInOriginalNameScope<R>(
        _ scope: VariableScope, reuse: ReuseMode?, _ body: () throws -> R
    ) throws -> R {
        try enter(
            scope, reuse: reuse, initializer: nil, regularizer: nil, dtype: nil, trainable: nil, customGetter: nil,
            from: currentContext().scope, nameScope: scope.originalPath
        ) { _ in try body() }
    }

    private func enter<R>(
        _ scope: VariableScope, reuse: ReuseMode?, initializer: Initializer?, regularizer: Regularizer?,
        dtype: DType?, trainable: Bool?, customGetter: CustomGetter?, from current: VariableScope, nameScope: NamePath,
        _ body: (VariableScope) throws -> R
    ) throws -> R {
        let captured = scope.settings
        let settings = captured.replacing(
            reuse: reuse == captured.reuse ? nil : reuse, initializer: initializer, regularizer: regularizer,
            dtype: dtype, trainable: trainable,
            customGetter: customGetter.map { Self.chain($0, outer: captured.customGetter)! })
        current.open(scope.name)
        let entered = VariableScope(name: scope.name, originalPath: scope.originalPath, settings: settings, store: self)
        return try run(in: entered, nameScope: nameScope) { try body(entered) }
    }

    /// A scope object named by `default` (made unique like a default name) in the
    /// current scope, made without entering it and without a name scope (what
    /// TF's `make_template(create_scope_now_=True)` captures).
    func makeScope(default defaultName: String, customGetter: CustomGetter?) throws -> VariableScope {
        let parent = currentContext().scope
        try NameValidation.validate(defaultName, atRoot: parent.name.isEmpty)
        let local = parent.uniqueChildName(defaultName)
        parent.open(parent.qualify(local))
        let inherited = parent.settings
        let settings = inherited.replacing(
            customGetter: customGetter.map { Self.chain($0, outer: inherited.customGetter)! })
        let path = state.withLock { $0.names.path(parsing: local) }
        return VariableScope(
            name: parent.qualify(local), originalNameScope: local, path: path, settings: settings, store: self)
    }

    /// Makes this store the current task's store for `body`, at its current scope
    /// (its root unless the task is inside one of its scopes further out)
    /// (TF's `graph.as_default()`): free functions such as ``getVariable(_:shape:dtype:initializer:initialValue:trainable:regularizer:collections:customGetter:)``
    /// and layers then use it.
    ///
    /// ```swift
    /// let y = try store.asDefault { try dense(x) }
    /// ```
    public func asDefault<R>(_ body: () throws -> R) rethrows -> R {
        let current = ScopeContext.current
        if current?.store === self { return try body() }
        let (scope, nameScope) = currentContext()
        let context = ScopeContext(store: self, scope: scope, nameScope: nameScope, outer: current)
        return try ScopeContext.$current.withValue(context) { try body() }
    }

    /// Turns reuse on for the current scope object (TF's
    /// `tf.get_variable_scope().reuse_variables()`): the rest of its body and the
    /// scopes opened in it afterwards reuse; at the root, the whole store.
    public func reuseVariables() { currentContext().scope.reuseVariables() }

    /// Runs `body` with `scope` and `nameScope` current in this store.
    func run<R>(in scope: VariableScope, nameScope: NamePath, _ body: () throws -> R) rethrows -> R {
        let context = ScopeContext(store: self, scope: scope, nameScope: nameScope, outer: ScopeContext.current)
        return try ScopeContext.$current.withValue(context) { try body() }
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
