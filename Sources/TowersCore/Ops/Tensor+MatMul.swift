extension Tensor where Scalar: TensorScalar {
    /// The matrix product `op(self) · op(other)`, where `op` transposes when asked.
    /// Forward and both gradients are single `gemm` calls.
    ///
    /// ```swift
    /// let y = x.matmul(w)                          // [B, in] · [in, out] → [B, out]
    /// let g = x.matmul(x, transposeOther: true)    // [B, in] · [in, B]  → Gram matrix
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func matmul(_ other: Tensor, transposeSelf ta: Bool = false, transposeOther tb: Bool = false) -> Tensor {
        let a = self, b = other
        check(
            a.rank == 2 && b.rank == 2,
            "matmul needs two matrices, got shapes \(a.shape) and \(b.shape)")
        let (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = tb ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        check(
            k == kb,
            "matmul inner dimensions differ: \(a.shape)\(ta ? "ᵀ" : "") · \(b.shape)\(tb ? "ᵀ" : "")")
        let lda = a.shape[1], ldb = b.shape[1]
        let out = TensorStorage<Scalar>(uninitializedCount: m * n)
        func forward() {
            guard m * n > 0 else { return }
            if k == 0 {
                out.base.zeroElements(count: m * n)
            } else {
                Scalar.gemm(
                    transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1, a: a.storage.base, lda: lda,
                    b: b.storage.base, ldb: ldb, beta: 0, c: out.base, ldc: n)
            }
        }
        forward()
        Recorder.current?.noteWork(m * n * k)
        return .result("MatMul", shape: [m, n], storage: out, inputs: [a, b], forward: forward) { c in
            // c: (m, n); dC = c.grad
            guard k > 0, m * n > 0 else { return }
            let dc = c.grad!.storage.base
            // The first gradient written to an input overwrites (β = 0), later ones accumulate.
            if a.requiresGrad {
                let (da, overwrite) = a.gradientTarget()
                let beta: Scalar = overwrite ? 0 : 1
                if !ta {  // dA (m, k) += dC · op(B)ᵀ
                    Scalar.gemm(
                        transposeA: false, transposeB: !tb, m: m, n: k, k: n, alpha: 1, a: dc, lda: n,
                        b: b.storage.base, ldb: ldb, beta: beta, c: da, ldc: k)
                } else {  // dA (k, m) += op(B) · dCᵀ
                    Scalar.gemm(
                        transposeA: tb, transposeB: true, m: k, n: m, k: n, alpha: 1, a: b.storage.base, lda: ldb,
                        b: dc, ldb: n, beta: beta, c: da, ldc: m)
                }
            }
            if b.requiresGrad {
                let (db, overwrite) = b.gradientTarget()
                let beta: Scalar = overwrite ? 0 : 1
                if !tb {  // dB (k, n) += op(A)ᵀ · dC
                    Scalar.gemm(
                        transposeA: !ta, transposeB: false, m: k, n: n, k: m, alpha: 1, a: a.storage.base, lda: lda,
                        b: dc, ldb: n, beta: beta, c: db, ldc: n)
                } else {  // dB (n, k) += dCᵀ · op(A)
                    Scalar.gemm(
                        transposeA: true, transposeB: ta, m: n, n: k, k: m, alpha: 1, a: dc, lda: n,
                        b: a.storage.base, ldb: lda, beta: beta, c: db, ldc: k)
                }
            }
        }
    }
}

/// `a.matmul(b, transposeSelf: transposeA, transposeOther: transposeB)`.
public func matmul<Scalar: TensorScalar>(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, transposeA: Bool = false, transposeB: Bool = false
) -> Tensor<Scalar> {
    a.matmul(b, transposeSelf: transposeA, transposeOther: transposeB)
}
