extension Tensor {
    /// A tensor of zeros (`false` for `Bool`).
    ///
    /// ```swift
    /// let z = try Tensor<Float>.zeros([2, 3])
    /// let ids = try Tensor<Int32>.zeros([8])
    /// ```
    /// - Throws: ``TensorError`` when a dimension is negative or the shape too large.
    public static func zeros(_ shape: [Int]) throws(TensorError) -> Tensor {
        let n = try validatedCount(shape, elementSize: MemoryLayout<Scalar>.stride)
        return Tensor(shape: shape, storage: TensorStorage(zeros: n))
    }

    /// A tensor of ones (`true` for `Bool`).
    ///
    /// - Throws: ``TensorError`` when a dimension is negative or the shape too large.
    public static func ones(_ shape: [Int]) throws(TensorError) -> Tensor {
        try filled(shape, with: Scalar(convertingFromDouble: 1))
    }

    /// A tensor with every element equal to `value`.
    ///
    /// ```swift
    /// let sevens = try Tensor<Int64>.filled([3], with: 7)
    /// ```
    /// - Throws: ``TensorError`` when a dimension is negative or the shape too large.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func filled(_ shape: [Int], with value: Scalar) throws(TensorError) -> Tensor {
        let n = try validatedCount(shape, elementSize: MemoryLayout<Scalar>.stride)
        let s = TensorStorage<Scalar>(uninitializedCount: n)
        s.base.update(repeating: value, count: n)
        return Tensor(shape: shape, storage: s)
    }

    /// A tensor whose elements are `make(i)` for the flat index `i`.
    ///
    /// ```swift
    /// let ramp = try Tensor<Float>.generate([4]) { Float($0) }   // [0, 1, 2, 3]
    /// ```
    /// - Throws: ``TensorError`` when a dimension is negative or the shape too large.
    public static func generate(_ shape: [Int], _ make: (Int) -> Scalar) throws(TensorError) -> Tensor {
        let n = try validatedCount(shape, elementSize: MemoryLayout<Scalar>.stride)
        let s = TensorStorage<Scalar>(uninitializedCount: n)
        for i in 0..<n { s.base[i] = make(i) }
        return Tensor(shape: shape, storage: s)
    }

    /// This tensor's elements converted to another element type, as a cast does
    /// (see ``TensorElement/init(convertingFromDouble:)``); not recorded for
    /// differentiation.
    ///
    /// ```swift
    /// let compact = weights.converted(to: BFloat16.self)
    /// let ids = try Tensor<Float>([2, 0, 1]).converted(to: Int32.self)
    /// ```
    public func converted<Other: TensorElement>(to _: Other.Type) -> Tensor<Other> {
        let s = TensorStorage<Other>(uninitializedCount: count)
        let source = self, n = count
        func forward() {
            if Other.self == Scalar.self {
                UnsafeMutableRawPointer(s.base).copyMemory(
                    from: source.storage.base, byteCount: n * MemoryLayout<Scalar>.stride)
            } else {
                for i in 0..<n { s.base[i] = Other(convertingFromDouble: source.storage.base[i].doubleValue) }
            }
        }
        forward()
        let out = Tensor<Other>(shape: shape, storage: s)
        Recorder.current?.append("Cast", output: out, inputs: [ObjectIdentifier(self)], forward: forward, backward: nil)
        return out
    }
}

extension Tensor where Scalar: TensorScalar {
    /// Samples from U(lower, upper), reproducible from `seed`.
    ///
    /// ```swift
    /// let u = try Tensor<Double>.randomUniform([4, 4], lower: -1, upper: 1, seed: 7)
    /// ```
    public static func randomUniform(
        _ shape: [Int], lower: Scalar = 0, upper: Scalar = 1, seed: UInt64
    ) throws(TensorError) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return try randomUniform(shape, lower: lower, upper: upper, using: &rng)
    }

    /// Samples from U(lower, upper) drawn from `rng`.
    public static func randomUniform(
        _ shape: [Int], lower: Scalar = 0, upper: Scalar = 1, using rng: inout SeededRandom
    ) throws(TensorError) -> Tensor {
        let lo = Double(lower), width = Double(upper) - Double(lower)
        return try sampled(shape) { lo + width * rng.nextUniform() }
    }

    /// Samples from N(mean, standardDeviation²), reproducible from `seed`.
    public static func randomNormal(
        _ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, seed: UInt64
    ) throws(TensorError) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return try randomNormal(shape, mean: mean, standardDeviation: standardDeviation, using: &rng)
    }

    /// Samples from N(mean, standardDeviation²) drawn from `rng`.
    public static func randomNormal(
        _ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, using rng: inout SeededRandom
    ) throws(TensorError) -> Tensor {
        let m = Double(mean), sd = Double(standardDeviation)
        return try sampled(shape) { m + sd * rng.nextNormal() }
    }

    /// Samples from N(mean, standardDeviation²) redrawn until within two standard
    /// deviations of the mean (TensorFlow's `truncated_normal`).
    public static func truncatedNormal(
        _ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, seed: UInt64
    ) throws(TensorError) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return try truncatedNormal(shape, mean: mean, standardDeviation: standardDeviation, using: &rng)
    }

    /// Truncated normal samples drawn from `rng`.
    public static func truncatedNormal(
        _ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, using rng: inout SeededRandom
    ) throws(TensorError) -> Tensor {
        let m = Double(mean), sd = Double(standardDeviation)
        return try sampled(shape) { m + sd * rng.nextTruncatedNormal() }
    }

    /// A tensor of `shape` filled in row-major order with `draw()`.
    private static func sampled(_ shape: [Int], _ draw: () -> Double) throws(TensorError) -> Tensor {
        let n = try validatedCount(shape, elementSize: MemoryLayout<Scalar>.stride)
        let s = TensorStorage<Scalar>(uninitializedCount: n)
        for i in 0..<n { s.base[i] = Scalar(draw()) }
        return Tensor(shape: shape, storage: s)
    }
}
