public import TowersCore

/// An elementwise activation applied after a layer's affine map.
///
/// ```swift
/// let dense = Dense<Float>(units: 64, activation: .relu)
/// ```
public enum Activation: Sendable, Hashable {
    case identity, relu, tanh, sigmoid, softplus
    case leakyRelu(alpha: Double)

    /// The elementwise operation, or `nil` for the identity (what a fused
    /// `biasAdd(_:activation:)` takes).
    public var unaryOp: UnaryOp? {
        switch self {
        case .identity: nil
        case .relu: .relu
        case .tanh: .tanh
        case .sigmoid: .sigmoid
        case .softplus: .softplus
        case .leakyRelu(let alpha): .leakyRelu(alpha: alpha)
        }
    }

    /// Applies the activation.
    public func callAsFunction<T: TensorScalar>(_ x: Tensor<T>) -> Tensor<T> {
        switch self {
        case .identity: return x
        case .relu: return x.relu()
        case .tanh: return x.tanh()
        case .sigmoid: return x.sigmoid()
        case .softplus: return x.softplus()
        case .leakyRelu(let alpha): return x.leakyRelu(alpha: alpha)
        }
    }
}
