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
        // diff = a − b (kept for the backward pass); out[i] = Σⱼ diffᵢⱼ², in one pass.
        func forward() {
            let pa = a.storage.base, pb = b.storage.base, pd = diff.base
            for i in 0..<rows {
                var sum: Scalar = 0
                for j in (i * d)..<(i * d + d) {
                    let t = pa[j] - pb[j]
                    pd[j] = t
                    sum += t * t
                }
                out.base[i] = sum
            }
        }
        forward()
        return .result("SquaredDistance", shape: [rows], storage: out, inputs: [a, b], forward: forward) { y in
            let dy = y.grad!.storage.base, pd = diff.base
            // da += 2·dyᵢ·diffᵢ, db −= 2·dyᵢ·diffᵢ (written, not added, by the first writer)
            func accumulate(into t: Tensor, sign: Scalar) {
                let (dt, overwrite) = t.gradientTarget()
                for i in 0..<rows {
                    let g = sign * dy[i]
                    if overwrite {
                        for j in (i * d)..<(i * d + d) { dt[j] = g * pd[j] }
                    } else {
                        for j in (i * d)..<(i * d + d) { dt[j] += g * pd[j] }
                    }
                }
            }
            if a.requiresGrad { accumulate(into: a, sign: 2) }
            if b.requiresGrad { accumulate(into: b, sign: -2) }
        }
    }

    /// Row-wise cosine similarity: `⟨aᵢ, bᵢ⟩ / (max(‖aᵢ‖, ε) · max(‖bᵢ‖, ε))`, shape `[B]`.
    ///
    /// ```swift
    /// let similarity = left.cosineSimilarity(to: right)   // in [−1, 1]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cosineSimilarity(to other: Tensor, epsilon: Scalar = 1e-8) -> Tensor {
        let a = self, b = other
        check(
            a.rank == 2 && a.shape == b.shape,
            "cosineSimilarity needs two [B, D] tensors, got \(a.shape) and \(b.shape)")
        let rows = shape[0], d = shape[1]
        // Per row: ‖a‖ (clipped at ε), ‖b‖ (clipped), ⟨a, b⟩, kept for the backward pass.
        let norms = TensorStorage<Scalar>(zeros: 3 * rows)
        let out = TensorStorage<Scalar>(zeros: rows)
        func forward() {
            let na = norms.base, nb = norms.base + rows, dots = norms.base + 2 * rows
            for i in 0..<rows where d > 0 {
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
                out.base[i] = ab / (na[i] * nb[i])
            }
        }
        forward()
        return .result("CosineSimilarity", shape: [rows], storage: out, inputs: [a, b], forward: forward) { y in
            let dy = y.grad!.storage.base
            let na = norms.base, nb = norms.base + rows, dots = norms.base + 2 * rows
            // ∂c/∂t = u/(‖t‖‖u‖) − c·t/‖t‖² (the norm term vanishes where ‖t‖ < ε)
            func accumulate(
                _ t: Tensor, _ u: Tensor, _ nt: UnsafeMutablePointer<Scalar>, _ nu: UnsafeMutablePointer<Scalar>
            ) {
                let dt = t.gradPointer()
                for i in 0..<rows where d > 0 {
                    let tr = t.storage.base + i * d, ur = u.storage.base + i * d, g = dt + i * d
                    let c = dots[i] / (nt[i] * nu[i])
                    let ku = dy[i] / (nt[i] * nu[i]), kt = nt[i] == epsilon ? 0 : -dy[i] * c / (nt[i] * nt[i])
                    for j in 0..<d { g[j] += ku * ur[j] + kt * tr[j] }
                }
            }
            if a.requiresGrad { accumulate(a, b, na, nb) }
            if b.requiresGrad { accumulate(b, a, nb, na) }
        }
    }
}
