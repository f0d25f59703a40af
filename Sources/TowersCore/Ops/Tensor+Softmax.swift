extension Tensor where Scalar: TensorScalar {
    /// Softmax along the last axis, computed stably (max subtracted).
    ///
    /// ```swift
    /// let probabilities = logits.softmax()   // rows sum to 1
    /// ```
    public func softmax() -> Tensor { softmaxLastAxis(log: false) }

    /// `log(softmax(x))` along the last axis, computed stably.
    public func logSoftmax() -> Tensor { softmaxLastAxis(log: true) }

    private func softmaxLastAxis(log: Bool) -> Tensor {
        check(rank >= 1, "softmax needs at least one dimension, shape is \(shape)")
        let x = self, cols = shape[rank - 1], rows = cols == 0 ? 0 : count / cols
        let out = TensorStorage<Scalar>(uninitializedCount: count), n = count
        func forward() { if n > 0 { Scalar.softmaxRows(x.storage.base, out.base, rows: rows, cols: cols, log: log) } }
        forward()
        return .result(log ? "LogSoftmax" : "Softmax", shape: shape, storage: out, inputs: [x], forward: forward) { y in
            guard x.count > 0 else { return }
            Scalar.softmaxRowsBackward(
                y: y.storage.base, dy: y.grad!.storage.base, dx: x.gradPointer(), rows: rows, cols: cols, log: log)
        }
    }
}
