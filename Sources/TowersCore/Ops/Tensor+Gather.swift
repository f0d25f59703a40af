extension Tensor where Scalar: TensorScalar {
    /// Rows of a matrix by index (embedding lookup): `[V, D]` gathered at `indices`
    /// gives `[indices.count, D]`. The gradient scatter-adds into the rows read, so
    /// a row read twice receives both gradients.
    ///
    /// ```swift
    /// let vectors = table.gather(rows: [3, 1, 3])   // [3, D]
    /// ```
    public func gather(rows indices: [Int]) -> Tensor {
        check(rank == 2, "gather(rows:) needs a matrix, shape is \(shape)")
        let x = self, v = shape[0], d = shape[1]
        for i in indices {
            check(i >= 0 && i < v, "gather index \(i) out of range for \(v) rows (shape \(shape))")
        }
        let out = TensorStorage<Scalar>(uninitializedCount: indices.count * d)
        for (r, i) in indices.enumerated() where d > 0 {
            (out.base + r * d).copyElements(from: x.storage.base + i * d, count: d)
        }
        return .result("gather", shape: [indices.count, d], storage: out, inputs: [x]) { y in
            guard d > 0 else { return }
            let dy = y.grad!.storage.base, dx = x.gradPointer()
            for (r, i) in indices.enumerated() {
                Scalar.axpy(n: d, alpha: 1, x: dy + r * d, incX: 1, y: dx + i * d, incY: 1)
            }
        }
    }
}
