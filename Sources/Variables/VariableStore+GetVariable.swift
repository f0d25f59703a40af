public import TowersCore

extension VariableStore {
    /// Gets an existing variable with the scoped key or creates a new one (TF's
    /// `tf.get_variable`), following the reuse of the current scope:
    ///
    /// - reuse off: creates; an existing key is an error (``VariableError/alreadyExists(key:)``);
    /// - `.reuse`: returns the existing variable; a missing key is an error;
    /// - `.autoReuse`: returns the existing variable, else creates it.
    ///
    /// Reusing returns the identical object after checking shape (unknown
    /// dimensions, `nil`, match anything) and dtype; the call's initializer,
    /// trainable flag, regularizer and collections are then ignored. A new
    /// variable's initializer is the call's, else the scope's, else Glorot uniform
    /// (zeros for integer and `Bool` variables); it joins `collections` (default
    /// `[.global]`) and, if trainable, the trainable list; its regularizer (the
    /// call's, else the scope's) adds one term to ``regularizationLosses``.
    ///
    /// ```swift
    /// let kernel: Variable<Float> = try store.getVariable("kernel", shape: [64, 128])
    /// let step: Variable<Int64> = try store.getVariable("step", shape: [], trainable: false)
    /// ```
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func getVariable<T: TensorElement>(
        _ name: String, shape: [Int?]? = nil, dtype: T.Type = T.self, initializer: Initializer? = nil,
        initialValue: Tensor<T>? = nil, trainable: Bool? = nil, regularizer: Regularizer? = nil,
        collections: [CollectionKey]? = nil, customGetter: CustomGetter? = nil
    ) throws -> Variable<T> {
        let (request, getter, label) = try makeRequest(
            name, shape: shape, dtype: T.self, initializer: initializer, initialValue: initialValue,
            trainable: trainable, regularizer: regularizer, collections: collections, customGetter: customGetter)
        let found = try resolve(request, getter: getter, label: label)
        guard let typed = found as? Variable<T> else {
            if found.dtype == T.dtype { throw VariableError.getterReturnedTensor(key: request.key) }
            throw VariableError.getterTypeMismatch(key: request.key, expected: T.dtype, returned: found.dtype)
        }
        return typed
    }

    /// `getVariable` that returns what the custom getters return (rule 37): the
    /// variable's value, or a tensor a getter derived from it (a normalised
    /// weight, a moving average). Layers get their weights this way.
    ///
    /// ```swift
    /// let kernel: Tensor<Float> = try store.getVariableValue("kernel", shape: [64, 128])
    /// ```
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func getVariableValue<T: TensorElement>(
        _ name: String, shape: [Int?]? = nil, dtype: T.Type = T.self, initializer: Initializer? = nil,
        initialValue: Tensor<T>? = nil, trainable: Bool? = nil, regularizer: Regularizer? = nil,
        collections: [CollectionKey]? = nil, customGetter: CustomGetter? = nil
    ) throws -> Tensor<T> {
        let (request, getter, label) = try makeRequest(
            name, shape: shape, dtype: T.self, initializer: initializer, initialValue: initialValue,
            trainable: trainable, regularizer: regularizer, collections: collections, customGetter: customGetter)
        let found = try resolve(request, getter: getter, label: label)
        // A variable's `value` (a tower's own view of it inside a captured step), else the derived tensor.
        guard let tensor = found.value(as: T.self) else {
            throw VariableError.getterTypeMismatch(key: request.key, expected: T.dtype, returned: found.dtype)
        }
        return tensor
    }

    /// `getVariable` with the element type from the scope's `dtype` (Float32 when
    /// unset), returning the variable type-erased.
    public func getVariable(
        _ name: String, shape: [Int?]? = nil, initializer: Initializer? = nil, trainable: Bool? = nil,
        regularizer: Regularizer? = nil, collections: [CollectionKey]? = nil, customGetter: CustomGetter? = nil
    ) throws -> any AnyVariable {
        let dtype = currentContext().scope.dtype ?? .float32
        func get<T: TensorElement>(_: T.Type) throws -> any AnyVariable {
            try getVariable(
                name, shape: shape, dtype: T.self, initializer: initializer, trainable: trainable,
                regularizer: regularizer, collections: collections, customGetter: customGetter) as Variable<T>
        }
        return try get(dtype.elementType)
    }

    /// A *local* variable (TF's `tf.get_local_variable`): `getVariable` with
    /// `trainable: false` and the collection ``CollectionKey/local`` added to
    /// `collections` (default: local only, so not global and not saved).
    ///
    /// ```swift
    /// let seen: Variable<Int64> = try store.getLocalVariable("examples_seen", shape: [])
    /// ```
    public func getLocalVariable<T: TensorElement>(
        _ name: String, shape: [Int?]? = nil, dtype: T.Type = T.self, initializer: Initializer? = nil,
        regularizer: Regularizer? = nil, collections: [CollectionKey]? = nil, customGetter: CustomGetter? = nil
    ) throws -> Variable<T> {
        try getVariable(
            name, shape: shape, dtype: dtype, initializer: initializer, trainable: false, regularizer: regularizer,
            collections: (collections ?? []) + [.local], customGetter: customGetter)
    }

    // MARK: Resolution

    /// The request of a call (the scope's defaults applied), its getter chain and
    /// its use label; checks what fails before any getter runs.
    private func makeRequest<T: TensorElement>(
        _ name: String, shape: [Int?]?, dtype: T.Type, initializer: Initializer?, initialValue: Tensor<T>?,
        trainable: Bool?, regularizer: Regularizer?, collections: [CollectionKey]?, customGetter: CustomGetter?
    ) throws(VariableError) -> (GetterRequest, CustomGetter?, String) {
        let scope = currentContext().scope
        let key = scope.qualify(name)
        if !NameValidation.isValid(name, atRoot: scope.name.isEmpty) {
            // TF checks the whole key as a root name.
            if name.isEmpty { try NameValidation.validate(name, atRoot: scope.name.isEmpty) }
            throw .invalidName(name: key, pattern: NameValidation.rootPattern)
        }
        if let shape, let d = shape.first(where: { ($0 ?? 0) < 0 }) {
            throw .negativeDimension(key: key, shape: shape, dimension: d ?? 0)
        }
        let s = scope.settings
        var request = GetterRequest(
            key: key, shape: shape, dtype: T.dtype, initializer: initializer ?? s.initializer,
            trainable: trainable ?? s.trainable ?? true, regularizer: regularizer ?? s.regularizer, reuse: s.reuse,
            collections: collections ?? CollectionKey.defaultCollections)
        if let initialValue {
            if shape != nil { throw .shapeWithInitialValue(key: key) }
            request.shape = initialValue.shape
            request.initializer = .value(initialValue)
        }
        return (request, customGetter ?? s.customGetter, VariableUse.label ?? scope.name)
    }

    /// Runs the getter chain, ending in the store's own get-or-create, which records
    /// the use under `label`.
    private func resolve(_ request: GetterRequest, getter: CustomGetter?, label: String) throws -> any GetterResult {
        let base: (GetterRequest) throws -> any GetterResult = { r in
            func make<E: TensorElement>(_: E.Type) throws(VariableError) -> any AnyVariable {
                try self.getOrCreate(r, E.self, label: label)
            }
            return try self.creatingWithPendingValue(r) { try make(r.dtype.elementType) }
        }
        guard let getter else { return try base(request) }
        return try getter(request, base)
    }

    /// The store's own getter: rules 10–16 and 34–35 of the scoping semantics, atomically.
    private func getOrCreate<T: TensorElement>(
        _ r: GetterRequest, _: T.Type, label: String
    ) throws(VariableError)
        -> any AnyVariable
    {
        try state.withLock { (s: inout State) throws(VariableError) -> any AnyVariable in
            if let existing = s.table[r.key] {
                guard r.reuse != nil else { throw .alreadyExists(key: r.key) }
                if let shape = r.shape, !Self.compatible(shape, existing.shape) {
                    throw .shapeMismatch(key: r.key, specified: shape, found: existing.shape)
                }
                guard existing.dtype == r.dtype else {
                    throw .dtypeMismatch(key: r.key, specified: r.dtype, found: existing.dtype)
                }
                s.recordUse(of: existing, label: label)
                return existing
            }
            if r.reuse == .reuse { throw .doesNotExist(key: r.key) }
            guard let given = r.shape else {
                throw r.initializer == nil ? .missingShape(key: r.key) : .shapeNotFullyDefined(key: r.key, shape: nil)
            }
            let shape = given.compactMap { $0 }
            guard shape.count == given.count else { throw .shapeNotFullyDefined(key: r.key, shape: given) }
            // From here on a failure consumes the name, as in TF (rule 12).
            let name = s.names.unique(r.key, in: .root).name
            do { _ = try validatedCount(shape, elementSize: MemoryLayout<T>.stride) } catch {
                throw .tooLarge(key: r.key, shape: shape, dtype: r.dtype)
            }
            let initializer = r.initializer ?? (r.dtype.isFloatingPoint ? .glorotUniform() : .zeros)
            var rng = SeededRandom(seed: Self.seed(seed, key: r.key))
            let value: Tensor<T>
            do throws(InitializerFailure) {
                value = try initializer.tensor(shape, dtype: T.self, rng: &rng)
            } catch {
                throw .initializerFailed(key: r.key, initializer: initializer.name, shape: shape, reason: error.reason)
            }
            let v = Variable(name: name, key: r.key, value: value, trainable: r.trainable)
            s.table[r.key] = v
            s.add(v, collections: r.collections, trainable: r.trainable)
            if let regularizer = r.regularizer, !regularizer.isNone {
                s.regularization.append(RegularizationTerm(variable: v, regularizer: regularizer))
            }
            s.recordUse(of: v, label: label)
            return v
        }
    }

    /// Whether a requested shape (unknown dimensions `nil`) fits a found one (rule 35).
    static func compatible(_ requested: [Int?], _ found: [Int]) -> Bool {
        requested.count == found.count && zip(requested, found).allSatisfy { $0 == nil || $0 == $1 }
    }
}
