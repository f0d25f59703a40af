extension Tensor where Scalar: TensorScalar {
    /// Applies `op` to every element; its backward accumulates `dy · f′`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func unary(_ op: UnaryOp) -> Tensor {
        let x = self
        let out = TensorStorage<Scalar>(uninitializedCount: count), n = count
        func forward() { if n > 0 { Scalar.unaryForward(op, x.storage.base, out.base, n) } }
        forward()
        return .result(op.name, shape: shape, storage: out, inputs: [x], forward: forward) { y in
            guard x.count > 0 else { return }
            Scalar.unaryBackward(
                op, x: x.storage.base, y: y.storage.base, dy: y.grad!.storage.base, dx: x.gradPointer(), x.count)
        }
    }

    /// `max(x, 0)`.
    ///
    /// ```swift
    /// let h = x.matmul(w).relu()
    /// ```
    public func relu() -> Tensor { unary(.relu) }
    /// `x` where positive, `alpha · x` elsewhere.
    public func leakyRelu(alpha: Double = 0.2) -> Tensor { unary(.leakyRelu(alpha: alpha)) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { unary(.tanh) }
    /// `1 / (1 + e⁻ˣ)`, computed without overflow.
    public func sigmoid() -> Tensor { unary(.sigmoid) }
    /// `log(1 + eˣ)`, computed without overflow.
    public func softplus() -> Tensor { unary(.softplus) }
    /// `eˣ`.
    public func exp() -> Tensor { unary(.exp) }
    /// Natural logarithm.
    public func log() -> Tensor { unary(.log) }
    /// Square root.
    public func sqrt() -> Tensor { unary(.sqrt) }
    /// `x²`.
    public func squared() -> Tensor { unary(.square) }
    /// `|x|`.
    public func abs() -> Tensor { unary(.abs) }
    /// `max(x, 0)`, the hinge of margin losses (`max(0, margin − d)`); same as ``relu()``.
    public func hinge() -> Tensor { unary(.relu) }
}
