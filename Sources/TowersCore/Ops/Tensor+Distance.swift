extension Tensor where Scalar: TensorScalar {
    /// Row-wise squared Euclidean distance: `[B, D]` and `[B, D]` give `[B]` with
    /// `Σⱼ (aᵢⱼ − bᵢⱼ)²`.
    ///
    /// ```swift
    /// let d2 = left.squaredDistance(to: right)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func squaredDistance(to other: Tensor) -> Tensor {
        let a = self, b = other
        check(
            a.rank == 2 && a.shape == b.shape, "squaredDistance needs two [B, D] tensors, got \(a.shape) and \(b.shape)"
        )
        let rows = shape[0], d = shape[1]
        let diff = TensorStorage<Scalar>(uninitializedCount: count)
        let out = TensorStorage<Scalar>(uninitializedCount: rows)
        // diff = a − b (kept for the backward pass); out[i] = ⟨diffᵢ, diffᵢ⟩
        if count > 0 {
            Scalar.copy(n: count, x: a.storage.base, incX: 1, y: diff.base, incY: 1)
            Scalar.axpy(n: count, alpha: -1, x: b.storage.base, incX: 1, y: diff.base, incY: 1)
        }
        for i in 0..<rows {
            let r = diff.base + i * d
            out.base[i] = d == 0 ? 0 : Scalar.dot(n: d, x: r, incX: 1, y: r, incY: 1)
        }
        return .result("squaredDistance", shape: [rows], storage: out, inputs: [a, b]) { y in
            let dy = y.grad!.storage.base
            // da += 2·dyᵢ·diffᵢ, db −= 2·dyᵢ·diffᵢ
            for (t, sign) in [(a, Scalar(2)), (b, Scalar(-2))] where t.requiresGrad {
                let dt = t.gradPointer()
                for i in 0..<rows where d > 0 {
                    Scalar.axpy(n: d, alpha: sign * dy[i], x: diff.base + i * d, incX: 1, y: dt + i * d, incY: 1)
                }
            }
        }
    }

    /// Row-wise cosine similarity: `⟨aᵢ, bᵢ⟩ / (max(‖aᵢ‖, ε) · max(‖bᵢ‖, ε))`, shape `[B]`.
    ///
    /// ```swift
    /// let similarity = left.cosineSimilarity(to: right)   // in [−1, 1]
    /// ```
    public func cosineSimilarity(to other: Tensor, epsilon: Scalar = 1e-8) -> Tensor {
        let a = self, b = other
        check(
            a.rank == 2 && a.shape == b.shape,
            "cosineSimilarity needs two [B, D] tensors, got \(a.shape) and \(b.shape)")
        let rows = shape[0], d = shape[1]
        var na = [Scalar](repeating: 0, count: rows), nb = na, dots = na
        let out = TensorStorage<Scalar>(zeros: rows)
        for i in 0..<rows where d > 0 {
            let ar = a.storage.base + i * d, br = b.storage.base + i * d
            let ab = Scalar.dot(n: d, x: ar, incX: 1, y: br, incY: 1)
            let aa = Scalar.dot(n: d, x: ar, incX: 1, y: ar, incY: 1)
            let bb = Scalar.dot(n: d, x: br, incX: 1, y: br, incY: 1)
            na[i] = Swift.max(aa.squareRoot(), epsilon)
            nb[i] = Swift.max(bb.squareRoot(), epsilon)
            dots[i] = ab
            out.base[i] = ab / (na[i] * nb[i])
        }
        return .result("cosineSimilarity", shape: [rows], storage: out, inputs: [a, b]) { y in
            let dy = y.grad!.storage.base
            // ∂c/∂a = b/(‖a‖‖b‖) − c·a/‖a‖² (the norm term vanishes where ‖a‖ < ε)
            for (t, u, nt, nu) in [(a, b, na, nb), (b, a, nb, na)] where t.requiresGrad {
                let dt = t.gradPointer()
                for i in 0..<rows where d > 0 {
                    let tr = t.storage.base + i * d, ur = u.storage.base + i * d
                    let c = dots[i] / (nt[i] * nu[i])
                    let clipped = nt[i] == epsilon
                    let ku = dy[i] / (nt[i] * nu[i]), kt = clipped ? 0 : -dy[i] * c / (nt[i] * nt[i])
                    Scalar.axpy(n: d, alpha: ku, x: ur, incX: 1, y: dt + i * d, incY: 1)
                    Scalar.axpy(n: d, alpha: kt, x: tr, incX: 1, y: dt + i * d, incY: 1)
                }
            }
        }
    }
}
