public import TowersCore
import Variables

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
    /// The explicit scope name, or `nil` for the uniquified default.
    var name: String? { get }
    /// Where this instance's weights live, per store.
    var scopeRecord: ScopeRecord { get }
    /// The computation, run inside the layer's scope.
    func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar>
}

extension ScopedLayer {
    public func callAsFunction(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try inScope { try forward(input, training: training) }
    }

    /// Runs `body` in this layer's scope of the current store: the first time a
    /// new scope (named or default-named, with the enclosing scope's reuse), after
    /// that the recorded scope re-entered with reuse.
    public func inScope<R>(_ body: () throws -> R) throws -> R {
        guard let store = currentVariableStore else { throw VariableError.noCurrentStore(name: name ?? Self.kind) }
        if let scope = scopeRecord.scope(in: store) {
            return try store.variableScope(scope, reuse: scope.reuse == .autoReuse ? .autoReuse : .reuse) {
                try body()
            }
        }
        return try store.variableScope(name, default: Self.kind) { scope in
            let result = try body()
            scopeRecord.record(scope, in: store)
            return result
        }
    }

    /// The full scope name of this layer in the current store, once it has been built.
    public var scopeName: String? {
        currentVariableStore.flatMap { scopeRecord.scope(in: $0)?.name }
    }

    /// A weight of this layer: `getVariable(name, shape:)` in the current scope,
    /// with the layer's element type.
    func weight(
        _ name: String, _ shape: [Int], initializer: Initializer? = nil, trainable: Bool = true
    ) throws -> Tensor<Scalar> {
        let v: Variable<Scalar> = try getVariable(
            name, shape: shape, dtype: Scalar.self, initializer: initializer, trainable: trainable)
        return v.value
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
