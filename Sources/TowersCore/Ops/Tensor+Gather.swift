extension Tensor where Scalar: TensorScalar {
    /// Rows of a matrix by index (embedding lookup): `[V, D]` gathered at `indices`
    /// gives `[indices.count, D]`. The gradient scatter-adds into the rows read, so
    /// a row read twice receives both gradients.
    ///
    /// ```swift
    /// let vectors = table.gather(rows: [3, 1, 3])   // [3, D]
    /// ```
    public func gather(rows indices: [Int]) -> Tensor {
        gather(rows: Tensor<Int64>(indices.map { Int64($0) }))
    }

    /// Rows of a matrix at the indices held by a tensor of any shape `S`, giving
    /// `S + [D]`; the indices are read when the operation runs, so a captured
    /// step gathers each replay's indices.
    ///
    /// Every index must be a whole number in `0..<V` (layers check user input
    /// first and throw; here a bad index stops the program with a message).
    ///
    /// ```swift
    /// let ids = Tensor<Int32>([3, 1, 3])
    /// let vectors = table.gather(rows: ids)   // [3, D]
    /// ```
    @_specialize(where Scalar == Float, Index == Int32)
    @_specialize(where Scalar == Float, Index == Int64)
    @_specialize(where Scalar == Double, Index == Int64)
    public func gather<Index: TensorElement>(rows indices: Tensor<Index>) -> Tensor {
        check(rank == 2, "gather(rows:) needs a matrix, shape is \(shape)")
        let x = self, v = shape[0], d = shape[1], n = indices.count
        let out = TensorStorage<Scalar>(uninitializedCount: n * d)
        /// The row each output row reads, checked.
        func row(_ r: Int) -> Int {
            let value = indices.storage.base[r].doubleValue
            guard let i = Int(exactly: value), i >= 0, i < v else {
                fail("gather index \(value) out of range for \(v) rows (shape \(x.shape))")
            }
            return i
        }
        func forward() {
            for r in 0..<n where d > 0 { (out.base + r * d).copyElements(from: x.storage.base + row(r) * d, count: d) }
        }
        forward()
        Recorder.current?.validate {
            for r in 0..<n {
                let value = indices.storage.base[r].doubleValue
                guard let i = Int(exactly: value), i >= 0, i < v else {
                    return "index \(value) (element \(r)) is not a row of the \(v)-row table"
                }
            }
            return nil
        }
        let result = Tensor.result(
            "GatherV2", shape: indices.shape + [d], storage: out, inputs: [x], reading: [indices], forward: forward
        ) { y in
            guard d > 0 else { return }
            let dy = y.grad!.storage.base, dx = x.gradPointer()
            for r in 0..<n { Scalar.axpy(n: d, alpha: 1, x: dy + r * d, incX: 1, y: dx + row(r) * d, incY: 1) }
        }
        return result
    }
}
