public import TowersCore

/// Layers applied in order. Opens no scope of its own, so its layers are named
/// as if called one after the other (`dense`, `dense_1`, …).
///
/// ```swift
/// let tower = Sequential<Float>([
///     Dense(units: 128, activation: .relu),
///     Dense(units: 64, activation: .relu),
///     Dense(units: 32),
/// ])
/// let y = try store.variableScope("tower", reuse: .autoReuse) { try tower(x) }
/// ```
public final class Sequential<Scalar: TensorScalar>: Layer {
    public let layers: [any Layer<Scalar>]

    public init(_ layers: [any Layer<Scalar>]) { self.layers = layers }

    public func callAsFunction(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try layers.reduce(input) { x, layer in try layer(x, training: training) }
    }
}
