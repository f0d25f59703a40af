extension Tensor where Scalar: TensorScalar {
    /// The elementwise `self ∘ other` with broadcasting (see ``BroadcastLayout``).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func binary(_ op: BinaryOp, _ other: Tensor) -> Tensor {
        let a = self, b = other
        let (shape, l) = BroadcastLayout.make(a.shape, b.shape, op: op.name)
        let out = TensorStorage<Scalar>(uninitializedCount: l.count)
        func forward() {
            guard l.count > 0 else { return }
            if (op == .add || op == .subtract) && l.aIsFull && (l.bIsFull || l.bIsRow) {
                // out = a ± b: copy, then axpy (same shape) or ger with ones (bias row).
                Scalar.copy(n: l.count, x: a.storage.base, incX: 1, y: out.base, incY: 1)
                let alpha: Scalar = op == .add ? 1 : -1
                if l.bIsFull {
                    Scalar.axpy(n: l.count, alpha: alpha, x: b.storage.base, incX: 1, y: out.base, incY: 1)
                } else {
                    Scalar.ger(
                        m: l.outer, n: l.inner, alpha: alpha, x: Ones.pointer(l.outer), incX: 1,
                        y: b.storage.base, incY: 1, a: out.base, lda: l.inner)
                }
            } else {
                Scalar.binaryForward(op, l, a.storage.base, b.storage.base, out.base)
            }
        }
        forward()
        return .result(op.name, shape: shape, storage: out, inputs: [a, b], forward: forward) { y in
            guard l.count > 0 else { return }
            let dy = y.grad!.storage.base
            let linear = op == .add || op == .subtract
            let sign: Scalar = op == .subtract ? -1 : 1
            if linear && a.requiresGrad && l.aIsFull {
                Scalar.axpy(n: l.count, alpha: 1, x: dy, incX: 1, y: a.gradPointer(), incY: 1)
            } else if a.requiresGrad {
                Scalar.binaryBackward(
                    op, l, a: a.storage.base, b: b.storage.base, dy: dy, da: a.gradPointer(), db: nil)
            }
            if linear && b.requiresGrad && l.bIsFull {
                Scalar.axpy(n: l.count, alpha: sign, x: dy, incX: 1, y: b.gradPointer(), incY: 1)
            } else if linear && b.requiresGrad && l.bIsRow {
                // Bias gradient: column sums of dy, dbᵀ += 1ᵀ · dy (one gemv).
                Scalar.gemv(
                    transpose: true, m: l.outer, n: l.inner, alpha: sign, a: dy, lda: l.inner,
                    x: Ones.pointer(l.outer), incX: 1, beta: 1, y: b.gradPointer(), incY: 1)
            } else if b.requiresGrad {
                Scalar.binaryBackward(
                    op, l, a: a.storage.base, b: b.storage.base, dy: dy, da: nil, db: b.gradPointer())
            }
        }
    }

    /// `self · alpha` elementwise (`scal`; its gradient is an `axpy`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scaled(by alpha: Scalar) -> Tensor {
        let x = self
        let out = TensorStorage<Scalar>(uninitializedCount: count), n = count
        func forward() {
            guard n > 0 else { return }
            Scalar.copy(n: n, x: x.storage.base, incX: 1, y: out.base, incY: 1)
            Scalar.scal(n: n, alpha: alpha, x: out.base, incX: 1)
        }
        forward()
        return .result("Mul", shape: shape, storage: out, inputs: [x], forward: forward, detail: "× \(alpha)") { y in
            guard x.count > 0 else { return }
            Scalar.axpy(n: x.count, alpha: alpha, x: y.grad!.storage.base, incX: 1, y: x.gradPointer(), incY: 1)
        }
    }

    /// Elementwise sum with broadcasting of scalars, rows (bias) and columns.
    ///
    /// ```swift
    /// let y = x.matmul(w) + b     // [B, out] + [out]
    /// ```
    public static func + (a: Tensor, b: Tensor) -> Tensor { a.binary(.add, b) }
    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.binary(.subtract, b) }
    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.binary(.multiply, b) }
    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.binary(.divide, b) }

    public static func + (a: Tensor, b: Scalar) -> Tensor { a.binary(.add, Tensor(b)) }
    public static func + (a: Scalar, b: Tensor) -> Tensor { Tensor(a).binary(.add, b) }
    public static func - (a: Tensor, b: Scalar) -> Tensor { a.binary(.subtract, Tensor(b)) }
    public static func - (a: Scalar, b: Tensor) -> Tensor { Tensor(a).binary(.subtract, b) }
    public static func * (a: Tensor, b: Scalar) -> Tensor { a.scaled(by: b) }
    public static func * (a: Scalar, b: Tensor) -> Tensor { b.scaled(by: a) }
    public static func / (a: Tensor, b: Scalar) -> Tensor { a.scaled(by: 1 / b) }
    public static func / (a: Scalar, b: Tensor) -> Tensor { Tensor(a).binary(.divide, b) }
    /// Elementwise negation.
    public static prefix func - (a: Tensor) -> Tensor { a.unary(.negate) }
}
