import Layers
public import TowersCore

/// Row-wise Euclidean distance `√(Σ(a − b)² + ε)`, shape `[B]` (ε keeps the
/// gradient finite where `a = b`).
///
/// ```swift
/// let d = euclideanDistance(a, b)
/// ```
public func euclideanDistance<T: TensorScalar>(_ a: Tensor<T>, _ b: Tensor<T>, epsilon: T = 1e-9) -> Tensor<T> {
    (a.squaredDistance(to: b) + epsilon).sqrt()
}

/// Row-wise squared Euclidean distance `Σ(a − b)²`, shape `[B]`.
public func squaredDistance<T: TensorScalar>(_ a: Tensor<T>, _ b: Tensor<T>) -> Tensor<T> {
    a.squaredDistance(to: b)
}

/// Row-wise cosine similarity, shape `[B]`, in `[−1, 1]`.
public func cosineSimilarity<T: TensorScalar>(_ a: Tensor<T>, _ b: Tensor<T>) -> Tensor<T> {
    a.cosineSimilarity(to: b)
}
