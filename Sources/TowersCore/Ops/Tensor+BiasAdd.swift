extension Tensor where Scalar: TensorScalar {
    /// `activation(self + bias)` for a batch of rows and a bias row, in one
    /// operation (TF1's `BiasAdd`, with the activation fused): `[…, n]` plus `[n]`.
    ///
    /// One result buffer instead of two, and the activation's backward pass feeds
    /// the bias and input gradients directly. `activation` is `nil` for none.
    ///
    /// ```swift
    /// let h = x.matmul(w).biasAdd(b, activation: .relu)   // relu(x·w + b)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func biasAdd(_ bias: Tensor, activation: UnaryOp? = nil) -> Tensor {
        let x = self, n = bias.count
        check(
            bias.rank == 1 && rank >= 1 && shape[rank - 1] == n,
            "biasAdd needs a bias of shape [\(rank >= 1 ? shape[rank - 1] : 0)] for input \(shape), got \(bias.shape)")
        let rows = n == 0 ? 0 : count / n, total = count
        let out = TensorStorage<Scalar>(uninitializedCount: total)
        // The activation's derivative is written from its output for these; the
        // others need the value before it, kept in `pre`.
        let needsInput: Bool
        switch activation {
        case nil, .relu?, .tanh?, .sigmoid?, .exp?, .sqrt?: needsInput = false
        default: needsInput = true
        }
        let pre = needsInput ? TensorStorage<Scalar>(uninitializedCount: total) : out
        let fusedRelu = activation == .relu
        func forward() {
            Scalar.biasAdd(x.storage.base, bias.storage.base, pre.base, rows: rows, cols: n, relu: fusedRelu)
            if let activation, !fusedRelu, total > 0 { Scalar.unaryForward(activation, pre.base, out.base, total) }
        }
        forward()
        let detail = activation.map { "+ \($0.name)" } ?? ""
        // The gradient before the activation (scratch, reused by every backward pass).
        let scratch = activation == nil ? nil : TensorStorage<Scalar>(uninitializedCount: total)
        return .result("BiasAdd", shape: shape, storage: out, inputs: [x, bias], forward: forward, detail: detail) {
            y in
            guard total > 0 else { return }
            let dy = y.grad!.storage.base
            // The gradient before the activation goes straight into the input's
            // gradient when this is its first writer, else through `scratch`.
            var dPre = UnsafePointer(dy)
            if let activation, let scratch {
                let (dx, overwrite) = x.requiresGrad ? x.gradientTarget() : (scratch.base, true)
                let target = overwrite ? dx : scratch.base
                if activation == .relu {
                    Scalar.reluBackwardInto(y: out.base, dy: dy, dx: target, total)
                } else {
                    target.zeroElements(count: total)
                    Scalar.unaryBackward(activation, x: pre.base, y: out.base, dy: dy, dx: target, total)
                }
                dPre = UnsafePointer(target)
                if x.requiresGrad && !overwrite { Scalar.axpy(n: total, alpha: 1, x: dPre, incX: 1, y: dx, incY: 1) }
            } else if x.requiresGrad {
                let (dx, overwrite) = x.gradientTarget()
                if overwrite {
                    dx.copyElements(from: dy, count: total)
                } else {
                    Scalar.axpy(n: total, alpha: 1, x: dy, incX: 1, y: dx, incY: 1)
                }
            }
            if bias.requiresGrad {
                // Column sums: dbᵀ (+)= 1ᵀ · dPre (one gemv).
                let (db, overwrite) = bias.gradientTarget()
                Scalar.gemv(
                    transpose: true, m: rows, n: n, alpha: 1, a: dPre, lda: n, x: Ones.pointer(rows), incX: 1,
                    beta: overwrite ? 0 : 1, y: db, incY: 1)
            }
        }
    }
}
