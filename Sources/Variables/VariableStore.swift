public import TowersCore

/// Where a model's variables live: the analogue of a TensorFlow 1 graph's
/// variable store, but explicit, one per model or session, so rebuilding a model
/// in a long-running process starts from a fresh store instead of colliding with
/// leftovers.
///
/// Variables are created by ``getVariable(_:shape:dtype:initializer:initialValue:trainable:regularizer:collections:customGetter:)``
/// (unique by full key, shared under reuse) and ``variable(_:name:trainable:collections:)-(Tensor<T>,_,_,_)``
/// (always new). Scopes are entered with ``variableScope(_:default:reuse:initializer:regularizer:dtype:trainable:customGetter:auxiliaryNameScope:_:)-(_,_,_,_,_,_,_,_,_,(VariableScope)->R)``
/// and name scopes with ``nameScope(_:_:)-(_,(String)->R)``.
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
/// current scope and name scope.
public final class VariableStore: Sendable {
    /// The seed from which initializers without their own seed are seeded
    /// (combined with each variable's key).
    public let seed: UInt64

    struct State {
        /// `getVariable` keys → variables.
        var table: [String: any AnyVariable] = [:]
        /// Every name handed out: variables, name scopes, unique names.
        var names = NameTable()
        var all: [any AnyVariable] = []
        var collections: [CollectionKey: [any AnyVariable]] = [:]
        var regularization: [RegularizationTerm] = []
        var uses: [ObjectIdentifier: [String]] = [:]

        /// Adds `label` to the distinct labels that used `v` (a training loop fetches
        /// the same variables every step; the list must not grow with the steps).
        mutating func recordUse(of v: any AnyVariable, label: String) {
            let id = ObjectIdentifier(v)
            if uses[id]?.contains(label) != true { uses[id, default: []].append(label) }
        }

        /// Records a new variable in `collections`, and in the trainable one when
        /// it is trainable (rule 29).
        mutating func add(_ v: any AnyVariable, collections keys: [CollectionKey], trainable: Bool) {
            all.append(v)
            var joined: Set<CollectionKey> = []
            for key in keys + (trainable ? [.trainable] : []) where joined.insert(key).inserted {
                collections[key, default: []].append(v)
            }
        }
    }
    let state = Locked(State())

    /// The store's generator for operations that draw on every call (dropout):
    /// seeded from ``seed``, advanced by each draw (see `VariableStore+Random.swift`).
    public let randomGenerator: RandomGenerator
    /// Values restored before their variables exist (`VariableStore+PendingValues.swift`).
    let pendingValues = Locked(PendingValues())

    /// This store's root scope object: empty name, reuse off, Float32, no
    /// initializer. `reuseVariables()` at the root changes it for the whole store.
    public let rootScope: VariableScope

    public init(seed: UInt64 = 0) {
        self.seed = seed
        randomGenerator = RandomGenerator(seed: Self.generatorSeed(seed))
        rootScope = VariableScope(name: "", originalPath: .root, settings: .none, state: state)
    }

    // MARK: Lists

    /// Every variable of the store, in creation order, whatever its collections
    /// (global, local, or the user's).
    public var allVariables: [any AnyVariable] { state.withLock { $0.all } }

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
    /// `unique(name scope + "/" + name)`, where the prefix is the current *name*
    /// scope (rule 2); ignores reuse, and `getVariable` never finds it. It joins
    /// `collections` (default `[.global]`) and, if trainable, the trainable list.
    ///
    /// ```swift
    /// let a = try store.variable(Tensor<Float>(1), name: "firstvar")   // firstvar
    /// let b = try store.variable(Tensor<Float>(2), name: "firstvar")   // firstvar_1
    /// ```
    public func variable<T: TensorElement>(
        _ initialValue: Tensor<T>, name: String? = nil, trainable: Bool = true, collections: [CollectionKey]? = nil
    )
        throws(VariableError) -> Variable<T>
    {
        let nameScope = currentContext().nameScope
        let base = name ?? "Variable"
        try NameValidation.validate(base, atRoot: nameScope.isRoot)
        return state.withLock { s in
            let unique = s.names.unique(base, in: nameScope).name
            let v = Variable(name: unique, key: nil, value: initialValue.copy(), trainable: trainable)
            s.add(v, collections: collections ?? [.global], trainable: trainable)
            return v
        }
    }

    /// A scalar variable (TF's `tf.Variable(1.0, name: ...)`).
    public func variable<T: TensorElement>(
        _ initialValue: T, name: String? = nil, trainable: Bool = true, collections: [CollectionKey]? = nil
    )
        throws(VariableError) -> Variable<T>
    {
        try variable(Tensor(initialValue), name: name, trainable: trainable, collections: collections)
    }

    // MARK: Helpers

    /// A per-variable seed: FNV-1a of the key mixed with the store's seed.
    static func seed(_ storeSeed: UInt64, key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ storeSeed &* 0x9E37_79B9_7F4A_7C15
        for byte in key.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// The current task's place in this store: its scope object and name scope
    /// (the root scope and `""` when the task is not inside one of its scopes).
    func currentContext() -> (scope: VariableScope, nameScope: NamePath) {
        guard let c = ScopeContext.current?.context(for: self) else { return (rootScope, .root) }
        return (c.scope, c.nameScope)
    }

    /// The current task's scope object in this store.
    public var currentScope: VariableScope { currentContext().scope }
}
