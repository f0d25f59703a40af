public import TowersCore
import Variables

/// Reshapes each example, keeping the batch dimension (Keras' `Reshape`):
/// `[B, …]` → `[B] + targetShape`, where one entry of `targetShape` may be `-1`
/// and is then inferred. No weights; the elements are shared, not copied.
///
/// ```swift
/// let toSequence = Reshape<Float>([8, 8])   // [B, 64] → [B, 8, 8]
/// let y = try toSequence(x)
/// ```
public final class Reshape<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "reshape" }
    /// The shape of one example; one entry may be `-1`.
    public let targetShape: [Int]
    public let name: String?
    public let scopeRecord = ScopeRecord()

    public init(_ targetShape: [Int], name: String? = nil) {
        self.targetShape = targetShape
        self.name = name
    }

    /// - Throws: ``LayerError`` when the target shape is invalid (a dimension
    ///   below -1, or more than one -1) or an example's elements do not fit it.
    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        let unknown = targetShape.filter { $0 == -1 }.count
        guard unknown <= 1, targetShape.allSatisfy({ $0 >= -1 }) else {
            throw LayerError(
                layer: VariableScope.current.name,
                "target shape \(targetShape) may have one -1 and no other negative dimension")
        }
        guard x.rank >= 1 else { throw LayerError.shape("[batch, …]", got: x.shape) }
        let perExample = x.shape.dropFirst().reduce(1, *)
        let known = targetShape.filter { $0 != -1 }.reduce(1, *)
        var target = targetShape
        if let i = target.firstIndex(of: -1) {
            guard known > 0, perExample % known == 0 else { throw mismatch(x) }
            target[i] = perExample / known
        } else if known != perExample {
            throw mismatch(x)
        }
        return x.reshaped([x.shape[0]] + target)
    }

    private func mismatch(_ x: Tensor<Scalar>) -> LayerError {
        LayerError(
            layer: VariableScope.current.name,
            "cannot reshape input \(x.shape) to [batch] + \(targetShape): "
                + "\(x.shape.dropFirst().reduce(1, *)) elements per example")
    }
}
