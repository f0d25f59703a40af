extension Tensor where Scalar: TensorScalar {
    /// The sum of all elements, as a scalar tensor (a `dot` with ones).
    ///
    /// ```swift
    /// let total = x.sum()          // shape []
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum() -> Tensor {
        let x = self
        let out = TensorStorage<Scalar>(uninitializedCount: 1), n = count
        func forward() {
            out.base[0] = n == 0 ? 0 : Scalar.dot(n: n, x: x.storage.base, incX: 1, y: Ones.pointer(n), incY: 1)
        }
        forward()
        return .result("Sum", shape: [], storage: out, inputs: [x], forward: forward) { y in
            guard x.count > 0 else { return }
            // dx += dy · 1
            Scalar.axpy(
                n: x.count, alpha: y.grad!.storage.base[0], x: Ones.pointer(x.count), incX: 1, y: x.gradPointer(),
                incY: 1)
        }
    }

    /// The mean of all elements, as a scalar tensor.
    public func mean() -> Tensor {
        sum().scaled(by: 1 / Scalar(Swift.max(count, 1)))
    }

    /// Sums over one axis, removing it (`gemv` with a ones vector).
    ///
    /// ```swift
    /// let colSums = x.sum(axis: 0)    // [B, n] → [n]
    /// let rowSums = x.sum(axis: -1)   // [B, n] → [B]
    /// ```
    public func sum(axis: Int) -> Tensor {
        let x = self
        let ax = normalizedAxis(axis)
        let outer = shape[..<ax].reduce(1, *), d = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
        var outShape = shape
        outShape.remove(at: ax)
        let out = TensorStorage<Scalar>(zeros: outer * inner)
        func forward() {
            guard d > 0 && inner > 0 else { return }
            // x viewed as (outer, d, inner): out[o, :] = x[o]ᵀ · 1
            for o in 0..<outer {
                Scalar.gemv(
                    transpose: true, m: d, n: inner, alpha: 1, a: x.storage.base + o * d * inner, lda: inner,
                    x: Ones.pointer(d), incX: 1, beta: 0, y: out.base + o * inner, incY: 1)
            }
        }
        forward()
        return .result("Sum", shape: outShape, storage: out, inputs: [x], forward: forward, detail: "axis \(ax)") { y in
            guard d > 0 && inner > 0 else { return }
            let dy = y.grad!.storage.base, dx = x.gradPointer()
            // dx[o, j, i] += dy[o, i]: one rank-1 update per outer slice.
            for o in 0..<outer {
                Scalar.ger(
                    m: d, n: inner, alpha: 1, x: Ones.pointer(d), incX: 1, y: dy + o * inner, incY: 1,
                    a: dx + o * d * inner, lda: inner)
            }
        }
    }

    /// The mean over one axis, removing it.
    public func mean(axis: Int) -> Tensor {
        let d = shape[normalizedAxis(axis)]
        return sum(axis: axis).scaled(by: 1 / Scalar(Swift.max(d, 1)))
    }

    /// `axis` with negative values counted from the end, checked against the rank.
    package func normalizedAxis(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        check(a >= 0 && a < rank, "axis \(axis) out of range for shape \(shape)")
        return a
    }
}
