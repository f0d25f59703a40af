extension Tensor where Scalar: TensorScalar {
    /// The mean over rows of `−log softmax(self)[i, labels[i]]`, for logits
    /// `[B, classes]` and integer labels `[B]` (TF's
    /// `sparse_softmax_cross_entropy_with_logits`, averaged; PyTorch's
    /// `cross_entropy`). The labels are read when the operation runs, so a
    /// captured step uses each replay's labels; its gradient is
    /// `(softmax − one-hot) / B`.
    ///
    /// Each label must be a whole number in `0..<classes` (losses check user
    /// input first and throw; a captured step checks each replay's labels before
    /// running; here a bad label stops the program with a message).
    ///
    /// ```swift
    /// let loss = logits.softmaxCrossEntropy(labels: Tensor<Int32>([3, 1, 4]))
    /// ```
    @_specialize(where Scalar == Float, Label == Int32)
    @_specialize(where Scalar == Float, Label == Int64)
    @_specialize(where Scalar == Double, Label == Int64)
    public func softmaxCrossEntropy<Label: TensorElement>(labels: Tensor<Label>) -> Tensor {
        let x = self
        check(
            rank == 2 && labels.shape == [shape[0]] && shape[0] > 0,
            "softmaxCrossEntropy needs logits [B, classes] and labels [B], got \(shape) and \(labels.shape)")
        let rows = shape[0], classes = shape[1]
        // The log-probabilities, kept for the backward pass.
        let logProbabilities = TensorStorage<Scalar>(uninitializedCount: count)
        let out = TensorStorage<Scalar>(uninitializedCount: 1)
        func label(_ r: Int) -> Int {
            let value = labels.storage.base[r].doubleValue
            guard let c = Int(exactly: value), c >= 0, c < classes else {
                fail("softmaxCrossEntropy: label \(value) of row \(r) is not in 0..<\(classes)")
            }
            return c
        }
        func forward() {
            let lp = logProbabilities.base
            Scalar.softmaxRows(x.storage.base, lp, rows: rows, cols: classes, log: true)
            var sum: Scalar = 0
            for r in 0..<rows { sum -= lp[r * classes + label(r)] }
            out.base[0] = sum / Scalar(rows)
        }
        forward()
        Recorder.current?.validate {
            for r in 0..<rows {
                let value = labels.storage.base[r].doubleValue
                guard let c = Int(exactly: value), c >= 0, c < classes else {
                    return "label \(value) of row \(r) is not a class in 0..<\(classes)"
                }
            }
            return nil
        }
        return .result(
            "SparseSoftmaxCrossEntropyWithLogits", shape: [], storage: out, inputs: [x], reading: [labels],
            forward: forward
        ) { y in
            // dx = dy · (softmax − one-hot) / B
            let scale = y.grad!.storage.base[0] / Scalar(rows), lp = logProbabilities.base
            let (dx, overwrite) = x.gradientTarget()
            for r in 0..<rows {
                let c = label(r)
                for j in 0..<classes {
                    let g = scale * (Scalar.exp(lp[r * classes + j]) - (j == c ? 1 : 0))
                    if overwrite { dx[r * classes + j] = g } else { dx[r * classes + j] += g }
                }
            }
        }
    }
}
