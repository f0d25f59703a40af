extension Tensor where Scalar: TensorScalar {
    /// Inverted dropout: each element is kept with probability `1 − rate` and
    /// scaled by `1 / (1 − rate)`, or set to zero (TF's `tf.nn.dropout`,
    /// PyTorch's `F.dropout` in training).
    ///
    /// The mask is drawn from `generator` when the operation runs, one uniform
    /// number per element in row-major order (kept where it is below `1 − rate`),
    /// so every call draws a new mask and a run is reproducible from the
    /// generator's seed. The backward pass multiplies by the same mask. A
    /// `rate` of 0 returns the tensor itself; `rate` must be in `[0, 1)`.
    ///
    /// ```swift
    /// let generator = RandomGenerator(seed: 1)
    /// let h = x.matmul(w).relu().dropout(rate: 0.3, generator: generator)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func dropout(rate: Double, generator: RandomGenerator) -> Tensor {
        check(rate >= 0 && rate < 1, "dropout rate must be in [0, 1), got \(rate)")
        guard rate > 0 else { return self }
        let x = self, n = count
        let keep = 1 - rate, scale = Scalar(1 / keep)
        // mask: (n) of 0 or 1/keep; out = x ∘ mask
        let mask = TensorStorage<Scalar>(uninitializedCount: n)
        let out = TensorStorage<Scalar>(uninitializedCount: n)
        // Inside a capture the operation draws from its own generator, forked from
        // the shared one, so towers replayed on several cores stay reproducible.
        let source = Recorder.current == nil ? generator : generator.fork()
        func forward() {
            let m = mask.base, xp = x.storage.base, yp = out.base
            source.draw { rng in
                for i in 0..<n { m[i] = rng.nextUniform() < keep ? scale : 0 }
            }
            for i in 0..<n { yp[i] = xp[i] * m[i] }
        }
        forward()
        return .result("Dropout", shape: shape, storage: out, inputs: [x], forward: forward, detail: "rate \(rate)") {
            y in
            // dx += dy ∘ mask
            guard n > 0 else { return }
            let dy = y.grad!.storage.base, dx = x.gradPointer(), m = mask.base
            for i in 0..<n { dx[i] += dy[i] * m[i] }
        }
    }
}
