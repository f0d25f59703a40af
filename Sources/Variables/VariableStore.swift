public import TowersCore

/// Where a model's variables live: the analogue of a TensorFlow 1 graph's
/// variable store, but explicit, one per model or session, so rebuilding a model
/// in a long-running process starts from a fresh store instead of colliding with
/// leftovers.
///
/// Variables are created by ``getVariable(_:shape:dtype:initializer:initialValue:trainable:regularizer:customGetter:)``
/// (unique by full key, shared under reuse) and ``variable(_:name:trainable:)``
/// (always new). Scopes are entered with ``variableScope(_:default:reuse:initializer:regularizer:dtype:trainable:customGetter:_:)``.
///
/// ```swift
/// let store = VariableStore(seed: 42)
/// for x in [left, right] {
///     try store.variableScope("tower", reuse: .autoReuse) {
///         let w: Variable<Float> = try getVariable("w", shape: [64, 32])
///         ...
///     }
/// }
/// store.trainableVariables.count   // 1: both towers share "tower/w"
/// ```
///
/// A store is safe to use from several tasks at once; each task has its own
/// current scope.
public final class VariableStore: Sendable {
    /// The seed from which initializers without their own seed are seeded
    /// (combined with each variable's key).
    public let seed: UInt64

    struct State {
        var table: [String: any AnyVariable] = [:]
        var usedNames: Set<String> = []
        var all: [any AnyVariable] = []
        var regularization: [RegularizationTerm] = []
        var uses: [ObjectIdentifier: [String]] = [:]

        /// Adds `label` to the distinct labels that used `v` (a training loop fetches
        /// the same variables every step; the list must not grow with the steps).
        mutating func recordUse(of v: any AnyVariable, label: String) {
            let id = ObjectIdentifier(v)
            if uses[id]?.contains(label) != true { uses[id, default: []].append(label) }
        }
    }
    let state = Locked(State())
    let rootEntry = ScopeEntry(scope: .root)

    /// The store's generator for operations that draw on every call (dropout):
    /// seeded from ``seed``, advanced by each draw (see `VariableStore+Random.swift`).
    public let randomGenerator: RandomGenerator
    /// Values restored before their variables exist (`VariableStore+PendingValues.swift`).
    let pendingValues = Locked(PendingValues())

    public init(seed: UInt64 = 0) {
        self.seed = seed
        randomGenerator = RandomGenerator(seed: Self.generatorSeed(seed))
    }

    // MARK: Collections

    /// Every variable, in creation order (TF's `GLOBAL_VARIABLES`).
    public var allVariables: [any AnyVariable] { state.withLock { $0.all } }

    /// The trainable variables, in creation order (TF's `TRAINABLE_VARIABLES`).
    public var trainableVariables: [any AnyVariable] { state.withLock { $0.all.filter(\.trainable) } }

    /// The regularization terms, in creation order (TF's `REGULARIZATION_LOSSES`).
    public var regularizationLosses: [RegularizationTerm] { state.withLock { $0.regularization } }

    /// The sum of all regularization penalties of variables of element type `T`,
    /// computed from their current values (differentiable), or `nil` when there are none.
    public func regularizationLoss<T: TensorScalar>(_ type: T.Type) -> Tensor<T>? {
        regularizationLosses.compactMap { $0.loss(T.self) }.reduce(nil) { sum, term in sum.map { $0 + term } ?? term }
    }

    /// The variable with this unique name (`tower/dense/kernel`), if any.
    public func variable(named name: String) -> (any AnyVariable)? {
        state.withLock { s in s.all.first { $0.name == name } }
    }

    /// The variable stored under this `getVariable` key, if any.
    public func variable(forKey key: String) -> (any AnyVariable)? { state.withLock { $0.table[key] } }

    /// The distinct labels of the `getVariable` calls that returned `variable` (see
    /// ``VariableUse``), in first-use order; unlabeled calls are recorded as the
    /// scope they were made in.
    public func uses(of variable: any AnyVariable) -> [String] {
        state.withLock { $0.uses[ObjectIdentifier(variable)] ?? [] }
    }

    // MARK: variable(_:name:)

    /// Creates a variable (TF's `tf.Variable`): always new, named
    /// `unique(scope prefix + name)`; ignores reuse, and `getVariable` never finds it.
    ///
    /// ```swift
    /// let a = try store.variable(Tensor<Float>(1), name: "firstvar")   // firstvar
    /// let b = try store.variable(Tensor<Float>(2), name: "firstvar")   // firstvar_1
    /// ```
    public func variable<T: TensorElement>(
        _ initialValue: Tensor<T>, name: String? = nil, trainable: Bool = true
    )
        throws(VariableError) -> Variable<T>
    {
        let scope = currentEntry().scope
        let base = name ?? "Variable"
        try NameValidation.validate(base, atRoot: scope.name.isEmpty)
        return state.withLock { s in
            let unique = Self.unique(scope.qualify(base), in: &s.usedNames)
            let v = Variable(name: unique, key: nil, value: initialValue.copy(), trainable: trainable)
            s.all.append(v)
            return v
        }
    }

    /// A scalar variable (TF's `tf.Variable(1.0, name: ...)`).
    public func variable<T: TensorElement>(
        _ initialValue: T, name: String? = nil, trainable: Bool = true
    )
        throws(VariableError) -> Variable<T>
    {
        try variable(Tensor(initialValue), name: name, trainable: trainable)
    }

    // MARK: getVariable

    /// Gets an existing variable with the scoped key or creates a new one (TF's
    /// `tf.get_variable`), following the reuse of the current scope:
    ///
    /// - reuse off: creates; an existing key is an error (``VariableError/alreadyExists(key:)``);
    /// - `.reuse`: returns the existing variable; a missing key is an error;
    /// - `.autoReuse`: returns the existing variable, else creates it.
    ///
    /// Reusing returns the identical object after checking shape and dtype; the
    /// call's initializer, trainable flag and regularizer are then ignored. A new
    /// variable's initializer is the call's, else the scope's, else Glorot uniform.
    ///
    /// ```swift
    /// let kernel: Variable<Float> = try store.getVariable("kernel", shape: [64, 128])
    /// ```
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func getVariable<T: TensorElement>(
        _ name: String, shape: [Int]? = nil, dtype: T.Type = T.self, initializer: Initializer? = nil,
        initialValue: Tensor<T>? = nil, trainable: Bool? = nil, regularizer: Regularizer? = nil,
        customGetter: CustomGetter? = nil
    ) throws -> Variable<T> {
        let scope = currentEntry().scope
        try NameValidation.validate(name, atRoot: scope.name.isEmpty)
        let key = scope.qualify(name)
        var request = GetterRequest(
            key: key, shape: shape, dtype: T.dtype, initializer: initializer ?? scope.initializer,
            trainable: trainable ?? scope.trainable ?? true, regularizer: regularizer ?? scope.regularizer,
            reuse: scope.reuse)
        if let initialValue {
            if shape != nil { throw VariableError.shapeWithInitialValue(key: key) }
            request.shape = initialValue.shape
            request.initializer = .values(initialValue.scalars.map(\.doubleValue))
        }
        let found = try resolve(
            request, getter: customGetter ?? scope.customGetter, label: VariableUse.label ?? scope.name)
        guard let typed = found as? Variable<T> else {
            throw VariableError.getterTypeMismatch(key: key, expected: T.dtype, returned: found.dtype)
        }
        return typed
    }

    /// `getVariable` with the element type from the scope's `dtype` (Float32 when
    /// unset), returning the variable type-erased.
    public func getVariable(
        _ name: String, shape: [Int]? = nil, initializer: Initializer? = nil, trainable: Bool? = nil,
        regularizer: Regularizer? = nil, customGetter: CustomGetter? = nil
    ) throws -> any AnyVariable {
        let dtype = currentEntry().scope.dtype ?? .float32
        func get<T: TensorElement>(_: T.Type) throws -> any AnyVariable {
            try getVariable(
                name, shape: shape, dtype: T.self, initializer: initializer, trainable: trainable,
                regularizer: regularizer, customGetter: customGetter) as Variable<T>
        }
        return try get(dtype.elementType)
    }

    /// Runs the getter chain, ending in the store's own get-or-create, which records
    /// the use under `label`.
    private func resolve(_ request: GetterRequest, getter: CustomGetter?, label: String) throws -> any AnyVariable {
        let base: (GetterRequest) throws -> any AnyVariable = { r in
            try self.creatingWithPendingValue(r) { try self.getOrCreate(r, r.dtype.elementType, label: label) }
        }
        guard let getter else { return try base(request) }
        return try getter(request, base)
    }

    /// The store's own getter: rules 10–16 of the scoping semantics, atomically.
    private func getOrCreate<T: TensorElement>(
        _ r: GetterRequest, _: T.Type, label: String
    ) throws(VariableError)
        -> any AnyVariable
    {
        try state.withLock { (s: inout State) throws(VariableError) -> any AnyVariable in
            if let existing = s.table[r.key] {
                guard r.reuse != nil else { throw .alreadyExists(key: r.key) }
                if let shape = r.shape, shape != existing.shape {
                    throw .shapeMismatch(key: r.key, specified: shape, found: existing.shape)
                }
                guard existing.dtype == r.dtype else {
                    throw .dtypeMismatch(key: r.key, specified: r.dtype, found: existing.dtype)
                }
                s.recordUse(of: existing, label: label)
                return existing
            }
            if r.reuse == .reuse { throw .doesNotExist(key: r.key) }
            guard let shape = r.shape else { throw .missingShape(key: r.key) }
            let initializer = r.initializer ?? (r.dtype.isFloatingPoint ? .glorotUniform() : .zeros)
            var rng = SeededRandom(seed: Self.seed(seed, key: r.key))
            let value: Tensor<T>
            do throws(InitializerFailure) {
                value = try initializer.tensor(shape, dtype: T.self, rng: &rng)
            } catch {
                throw .initializerShape(key: r.key, initializer: initializer.name, shape: shape, reason: error.reason)
            }
            let v = Variable(
                name: Self.unique(r.key, in: &s.usedNames), key: r.key, value: value, trainable: r.trainable)
            s.table[r.key] = v
            s.all.append(v)
            if let regularizer = r.regularizer {
                s.regularization.append(RegularizationTerm(variable: v, regularizer: regularizer))
            }
            s.recordUse(of: v, label: label)
            return v
        }
    }

    // MARK: Helpers

    /// TF's unique names: `n` if unused (case-insensitively), else the first
    /// unused `n_1`, `n_2`, …; the chosen name is marked used.
    static func unique(_ n: String, in used: inout Set<String>) -> String {
        if used.insert(n.lowercased()).inserted { return n }
        var i = 1
        while used.contains("\(n)_\(i)".lowercased()) { i += 1 }
        used.insert("\(n)_\(i)".lowercased())
        return "\(n)_\(i)"
    }

    /// A per-variable seed: FNV-1a of the key mixed with the store's seed.
    static func seed(_ storeSeed: UInt64, key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ storeSeed &* 0x9E37_79B9_7F4A_7C15
        for byte in key.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// The current task's entry in this store (its root when the task is not
    /// inside one of this store's scopes).
    func currentEntry() -> ScopeEntry {
        ScopeContext.current?.entry(for: self) ?? rootEntry
    }
}
