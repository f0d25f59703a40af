public import Layers
public import TowersCore

/// A linear classifier on top of a shared tower's embedding: logits
/// `[B, classes]` from a `Dense` layer in the scope `classifier`.
///
/// ```swift
/// let head = ClassificationHead<Float>(classes: 10)
/// let logits = try head(embedding)
/// let loss = try softmaxCrossEntropy(logits: logits, labels: labels)
/// ```
public final class ClassificationHead<Scalar: TensorScalar>: Layer {
    public let dense: Dense<Scalar>

    public init(classes: Int, name: String = "classifier") {
        dense = Dense(units: classes, name: name)
    }

    public func callAsFunction(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try dense(input, training: training)
    }

    /// The predicted class of each row.
    public func predict(_ input: Tensor<Scalar>) throws -> [Int] {
        let logits = try withoutGradients { try self(input) }
        let c = logits.shape[1]
        return logits.withUnsafeBufferPointer { p in
            (0..<logits.shape[0]).map { r in (0..<c).max { p[r * c + $0] < p[r * c + $1] }! }
        }
    }
}
