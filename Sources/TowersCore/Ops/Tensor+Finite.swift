extension Tensor where Scalar: TensorScalar {
    /// Whether every element is finite: no NaN, no infinity (`torch.isfinite(t).all()`).
    ///
    /// ```swift
    /// guard weights.allFinite else { throw … }
    /// ```
    public var allFinite: Bool { Scalar.allFinite(storage.base, count: count) }
}
