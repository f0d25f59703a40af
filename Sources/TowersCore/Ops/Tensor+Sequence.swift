extension Tensor where Scalar: TensorScalar {
    /// Joins tensors of one shape along a new dimension `axis` (TF's `tf.stack`,
    /// PyTorch's `torch.stack`): `n` tensors of shape `[a, b]` stacked on axis 1
    /// give `[a, n, b]`. The backward pass hands each part its slice.
    ///
    /// ```swift
    /// let sequence = Tensor.stack(outputs, axis: 1)   // T × [B, units] → [B, T, units]
    /// ```
    public static func stack(_ parts: [Tensor], axis: Int = 0) -> Tensor {
        check(!parts.isEmpty, "stack needs at least one tensor")
        let shape = parts[0].shape
        let ax = axis < 0 ? axis + shape.count + 1 : axis
        check(ax >= 0 && ax <= shape.count, "stack axis \(axis) out of range for parts of shape \(shape)")
        for p in parts { check(p.shape == shape, "stack: shape \(p.shape) does not match \(shape)") }
        var expanded = shape
        expanded.insert(1, at: ax)
        return concat(parts.map { $0.reshaped(expanded) }, axis: ax)
    }

    /// Splits along `axis` into its `shape[axis]` slices, each without that
    /// dimension (TF's `tf.unstack`, PyTorch's `torch.unbind`): `[B, T, D]`
    /// unstacked on axis 1 gives `T` tensors `[B, D]`.
    ///
    /// ```swift
    /// let steps = sequence.unstack(axis: 1)   // [B, T, D] → T × [B, D]
    /// ```
    public func unstack(axis: Int = 0) -> [Tensor] {
        let ax = normalizedAxis(axis)
        var reduced = shape
        reduced.remove(at: ax)
        return (0..<shape[ax]).map { slice($0..<($0 + 1), axis: ax).reshaped(reduced) }
    }

    /// Reverses the first `lengths[b]` steps of each row `b` along `timeAxis`
    /// (1 by default), leaving the steps past a row's length in place (TF's
    /// `tf.reverse_sequence` with `batch_axis` 0). Its own backward pass: the
    /// same permutation.
    ///
    /// ```swift
    /// // [[1, 2, 3], [4, 5, 6]] with lengths [3, 2] → [[3, 2, 1], [5, 4, 6]]
    /// let backwards = x.reversedSequences(lengths: [3, 2])
    /// ```
    public func reversedSequences(lengths: [Int], timeAxis: Int = 1) -> Tensor {
        let ax = normalizedAxis(timeAxis)
        check(ax > 0, "reversedSequences needs a time axis after the batch axis, got \(timeAxis) for shape \(shape)")
        let batch = shape[0], steps = shape[ax]
        check(lengths.count == batch, "reversedSequences: \(lengths.count) lengths for a batch of \(batch)")
        for l in lengths { check(l >= 0 && l <= steps, "reversedSequences: length \(l) outside 0...\(steps)") }
        // Row b is [middle, steps, inner] blocks: (b, m, t, i) reads (b, m, t′, i).
        let middle = shape[1..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        let x = self
        func permute(_ src: UnsafePointer<Scalar>, _ dst: UnsafeMutablePointer<Scalar>, accumulate: Bool) {
            for b in 0..<batch {
                for m in 0..<middle {
                    let base = (b * middle + m) * steps * inner
                    for t in 0..<steps {
                        let from = t < lengths[b] ? lengths[b] - 1 - t : t
                        let s = src + base + from * inner, d = dst + base + t * inner
                        if accumulate {
                            for i in 0..<inner { d[i] += s[i] }
                        } else {
                            d.copyElements(from: s, count: inner)
                        }
                    }
                }
            }
        }
        let out = TensorStorage<Scalar>(uninitializedCount: count)
        func forward() { permute(x.storage.base, out.base, accumulate: false) }
        forward()
        return .result("ReverseSequence", shape: shape, storage: out, inputs: [x], forward: forward) { y in
            permute(y.grad!.storage.base, x.gradPointer(), accumulate: true)
        }
    }
}
