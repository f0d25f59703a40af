extension Tensor {
    /// Row-wise squared Euclidean distance: `[B, D]` and `[B, D]` give `[B]` with
    /// `Σⱼ (aᵢⱼ − bᵢⱼ)²`.
    ///
    /// ```swift
    /// let d2 = left.squaredDistance(to: right)
    /// ```
    public func squaredDistance(to other: Tensor) -> Tensor {
        let a = self, b = other
        precondition(a.rank == 2 && a.shape == b.shape, "squaredDistance needs two [B, D] tensors, got \(a.shape) and \(b.shape)")
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
            var s: Scalar = 0
            for j in 0..<d { s += r[j] * r[j] }
            (out.base + i).initialize(to: s)
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
        precondition(a.rank == 2 && a.shape == b.shape, "cosineSimilarity needs two [B, D] tensors, got \(a.shape) and \(b.shape)")
        let rows = shape[0], d = shape[1]
        var na = [Scalar](repeating: 0, count: rows), nb = na, dots = na
        let out = TensorStorage<Scalar>(uninitializedCount: rows)
        for i in 0..<rows {
            let ar = a.storage.base + i * d, br = b.storage.base + i * d
            var ab: Scalar = 0, aa: Scalar = 0, bb: Scalar = 0
            for j in 0..<d {
                ab += ar[j] * br[j]
                aa += ar[j] * ar[j]
                bb += br[j] * br[j]
            }
            na[i] = Swift.max(aa.squareRoot(), epsilon)
            nb[i] = Swift.max(bb.squareRoot(), epsilon)
            dots[i] = ab
            (out.base + i).initialize(to: ab / (na[i] * nb[i]))
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
                    for j in 0..<d { dt[i * d + j] += ku * ur[j] + kt * tr[j] }
                }
            }
        }
    }
}
