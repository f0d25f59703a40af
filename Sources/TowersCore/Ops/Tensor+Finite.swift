extension Tensor where Scalar: TensorScalar {
    /// Whether every element is finite: no NaN, no infinity (`torch.isfinite(t).all()`).
    ///
    /// ```swift
    /// guard weights.allFinite else { throw … }
    /// ```
    public var allFinite: Bool { Self.allFinite(storage.base, count) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func allFinite(_ p: UnsafeMutablePointer<Scalar>, _ n: Int) -> Bool {
        // x · 0 is 0 for finite x and NaN otherwise; the sum vectorises, with no branch.
        var probe = Scalar.zero
        for i in 0..<n { probe += p[i] * .zero }
        return probe == .zero
    }
}
