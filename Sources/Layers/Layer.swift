public import TowersCore
public import Variables

/// A neural-network layer: a function of a tensor whose weights are created
/// through scoped `getVariable` calls in the current variable store.
///
/// Layers follow TF1's `tf.layers`: the first call opens a variable scope named
/// after the layer (the explicit `name`, or the snake_case kind made unique among
/// its siblings: `dense`, `dense_1`, …), creates the weights there with the input
/// size read from the input, and remembers the scope; later calls of the same
/// instance re-enter it with reuse, so an instance always uses one set of weights.
/// A tower function that makes new layer instances each time it runs gets the same
/// default names on every run, so building it twice under `.autoReuse` shares
/// every weight.
///
/// ```swift
/// let store = VariableStore()
/// func tower(_ x: Tensor<Float>) throws -> Tensor<Float> {
///     let h = try Dense<Float>(units: 128, activation: .relu)(x)   // tower/dense
///     return try Dense<Float>(units: 32)(h)                        // tower/dense_1
/// }
/// let a = try store.variableScope("tower", reuse: .autoReuse) { try tower(x1) }
/// let b = try store.variableScope("tower", reuse: .autoReuse) { try tower(x2) }  // shared
/// ```
public protocol Layer<Scalar>: AnyObject, Sendable {
    associatedtype Scalar: TensorScalar
    /// Applies the layer. `training` turns on dropout and batch statistics.
    func callAsFunction(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar>
}

extension Layer {
    /// Applies the layer in inference mode.
    public func callAsFunction(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try self(input, training: false)
    }
}

/// A layer that owns a variable scope (all built-in layers but ``Sequential``).
public protocol ScopedLayer: Layer {
    /// The default scope name: the snake_case kind (`dense`, `conv2d`).
    static var kind: String { get }
    /// The explicit base name of the scope (made unique like the default, rule
    /// 33), or `nil` for the default ``kind``.
    var name: String? { get }
    /// Whether the layer's weights are trainable (`false`: frozen). A scope's
    /// trainable default still applies when this is `true`.
    var trainable: Bool { get }
    /// Where this instance's weights live, per store.
    var scopeRecord: ScopeRecord { get }
    /// Why the layer's configuration cannot work (`units must be a positive
    /// integer, got 0`), or `nil`; checked before the first call builds anything,
    /// and thrown as a ``LayerError``.
    var configurationError: String? { get }
    /// The computation, run inside the layer's scope.
    func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar>
}

extension ScopedLayer {
    public var trainable: Bool { true }
    public var configurationError: String? { nil }

    public func callAsFunction(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try inScope { try forward(input, training: training) }
    }

    /// Applies the layer with `reuse` (TF1's `reuse=` on a layer call): the same
    /// as calling it inside its scope with that reuse. On the first call the scope
    /// is the layer's base name as is (not made unique), so it finds the variables
    /// of a layer of that name built before.
    ///
    /// ```swift
    /// _ = try Dense<Float>(units: 4, name: "shared")(x)
    /// let y = try Dense<Float>(units: 4, name: "shared")(x, reuse: .reuse)   // same weights
    /// ```
    public func callAsFunction(
        _ input: Tensor<Scalar>, training: Bool = false, reuse: ReuseMode
    ) throws -> Tensor<
        Scalar
    > {
        try inScope(reuse: reuse) { try forward(input, training: training) }
    }

    /// Runs `body` in this layer's scope of the current store, as TF1's layers
    /// do: the first time a new scope (the base name made unique like a default
    /// name, or with `reuse` the base name as is), after that the recorded scope
    /// re-entered by object with reuse and without a new name scope (operations
    /// go to the layer's original name scope).
    public func inScope<R>(reuse: ReuseMode? = nil, _ body: () throws -> R) throws -> R {
        guard let store = currentVariableStore else { throw VariableError.noCurrentStore(name: name ?? Self.kind) }
        if let scope = scopeRecord.scope(in: store) {
            return try store.variableScopeInOriginalNameScope(
                scope, reuse: scope.reuse == .autoReuse ? .autoReuse : .reuse
            ) { try body() }
        }
        let base = name ?? Self.kind
        if let message = configurationError {
            let parent = store.currentScope.name
            throw LayerError(layer: parent.isEmpty ? base : parent + "/" + base, message)
        }
        let build = { (scope: VariableScope) throws -> R in
            let result = try body()
            self.scopeRecord.record(scope, in: store)
            return result
        }
        if let reuse { return try store.variableScope(base, reuse: reuse, build) }
        return try store.variableScope(nil, default: base, build)
    }

    /// The full scope name of this layer in the current store, once it has been built.
    public var scopeName: String? {
        currentVariableStore.flatMap { scopeRecord.scope(in: $0)?.name }
    }

    /// A weight of this layer: what `getVariableValue(name, shape:)` returns in the
    /// current scope (the variable's value, or what a custom getter derived from
    /// it), with the layer's element type. `regularizer` replaces the scope's;
    /// a frozen layer (or `trainable: false`) makes the weight non-trainable.
    func weight(
        _ name: String, _ shape: [Int?], initializer: Initializer? = nil, regularizer: Regularizer? = nil,
        trainable: Bool = true
    ) throws -> Tensor<Scalar> {
        try getVariableValue(
            name, shape: shape, dtype: Scalar.self, initializer: initializer,
            trainable: trainable && self.trainable ? nil : false, regularizer: regularizer)
    }

    /// `"\(option) must be a positive integer, got \(value)"` when `value <= 0`.
    static func positive(_ option: String, _ value: Int) -> String? {
        value > 0 ? nil : "\(option) must be a positive integer, got \(value)"
    }

    /// `"\(option) must be positive, got (0, 2)"` when either value is `<= 0`.
    static func positivePair(_ option: String, _ value: (Int, Int)) -> String? {
        value.0 > 0 && value.1 > 0 ? nil : "\(option) must be positive, got (\(value.0), \(value.1))"
    }
}

/// The scope a layer instance was first built in, per store (TF1's `Layer._scope`).
public final class ScopeRecord: Sendable {
    private let entries = Locked<[(store: VariableStore, scope: VariableScope)]>([])

    public init() {}

    func scope(in store: VariableStore) -> VariableScope? {
        entries.withLock { $0.first { $0.store === store }?.scope }
    }

    func record(_ scope: VariableScope, in store: VariableStore) {
        entries.withLock { e in
            if !e.contains(where: { $0.store === store }) { e.append((store, scope)) }
        }
    }
}

/// Wrong input shapes and bad layer configuration: the message names the layer's
/// full scope and both shapes.
public struct LayerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The layer's full scope name (`tower/dense_1`).
    public let layer: String
    public let message: String

    public init(layer: String, _ message: String) {
        self.layer = layer
        self.message = message
    }

    public var description: String { "\(layer): \(message)" }

    /// An input whose shape does not fit the layer.
    static func shape(_ expected: String, got shape: [Int]) -> LayerError {
        LayerError(layer: VariableScope.current.name, "expected input of shape \(expected), got \(shape)")
    }
}
