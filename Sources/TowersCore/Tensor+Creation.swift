extension Tensor {
    /// A tensor of zeros.
    ///
    /// ```swift
    /// let z = Tensor<Float>.zeros([2, 3])
    /// ```
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(zeros: shape.reduce(1, *)))
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor {
        filled(shape, with: 1)
    }

    /// A tensor with every element equal to `value`.
    public static func filled(_ shape: [Int], with value: Scalar) -> Tensor {
        let n = shape.reduce(1, *)
        let s = TensorStorage<Scalar>(uninitializedCount: n)
        Scalar.fill(s.base, with: value, count: n)
        return Tensor(shape: shape, storage: s)
    }

    /// A tensor whose elements are `make(i)` for the flat index `i`.
    public static func generate(_ shape: [Int], _ make: (Int) -> Scalar) -> Tensor {
        let n = shape.reduce(1, *)
        let s = TensorStorage<Scalar>(uninitializedCount: n)
        for i in 0..<n { (s.base + i).initialize(to: make(i)) }
        return Tensor(shape: shape, storage: s)
    }

    /// Samples from U(lower, upper), reproducible from `seed`.
    ///
    /// ```swift
    /// let u = Tensor<Double>.randomUniform([4, 4], lower: -1, upper: 1, seed: 7)
    /// ```
    public static func randomUniform(
        _ shape: [Int], lower: Scalar = 0, upper: Scalar = 1, seed: UInt64
    ) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return randomUniform(shape, lower: lower, upper: upper, using: &rng)
    }

    /// Samples from U(lower, upper) drawn from `rng`.
    public static func randomUniform(
        _ shape: [Int], lower: Scalar = 0, upper: Scalar = 1, using rng: inout SeededRandom
    ) -> Tensor {
        let lo = Double(lower), width = Double(upper) - Double(lower)
        return sampled(shape) { lo + width * rng.nextUniform() }
    }

    /// Samples from N(mean, standardDeviation²), reproducible from `seed`.
    public static func randomNormal(
        _ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, seed: UInt64
    ) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return randomNormal(shape, mean: mean, standardDeviation: standardDeviation, using: &rng)
    }

    /// Samples from N(mean, standardDeviation²) drawn from `rng`.
    public static func randomNormal(
        _ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, using rng: inout SeededRandom
    ) -> Tensor {
        let m = Double(mean), sd = Double(standardDeviation)
        return sampled(shape) { m + sd * rng.nextNormal() }
    }

    /// Samples from N(mean, standardDeviation²) redrawn until within two standard
    /// deviations of the mean (TensorFlow's `truncated_normal`).
    public static func truncatedNormal(
        _ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, seed: UInt64
    ) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return truncatedNormal(shape, mean: mean, standardDeviation: standardDeviation, using: &rng)
    }

    /// Truncated normal samples drawn from `rng`.
    public static func truncatedNormal(
        _ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, using rng: inout SeededRandom
    ) -> Tensor {
        let m = Double(mean), sd = Double(standardDeviation)
        return sampled(shape) { m + sd * rng.nextTruncatedNormal() }
    }

    /// A tensor of `shape` filled in row-major order with `draw()`.
    private static func sampled(_ shape: [Int], _ draw: () -> Double) -> Tensor {
        let n = shape.reduce(1, *)
        let s = TensorStorage<Scalar>(uninitializedCount: n)
        for i in 0..<n { s.base[i] = Scalar(draw()) }
        return Tensor(shape: shape, storage: s)
    }

    /// This tensor's elements converted to another scalar type (not recorded).
    public func converted<Other: TensorScalar>(to _: Other.Type) -> Tensor<Other> {
        let s = TensorStorage<Other>(uninitializedCount: count)
        for i in 0..<count { (s.base + i).initialize(to: Other(storage.base[i])) }
        return Tensor<Other>(shape: shape, storage: s)
    }
}
