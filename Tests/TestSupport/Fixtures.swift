public import TowersCore

/// Reproducible random inputs for tests. Every fixture is drawn in `Double` from
/// the library's ``SeededRandom`` and then converted, so a `Float` and a `Double`
/// fixture with the same seed hold the same values up to `Float` rounding.
public enum Fixture {
    /// Samples from N(0, 1) (or N(mean, sd²)).
    public static func normal<S: TensorScalar>(
        _ shape: [Int], mean: Double = 0, standardDeviation: Double = 1, seed: UInt64
    ) -> Tensor<S> {
        var rng = SeededRandom(seed: seed)
        return make(shape) { _ in mean + standardDeviation * rng.nextNormal() }
    }

    /// Samples from U(range).
    public static func uniform<S: TensorScalar>(
        _ shape: [Int], in range: ClosedRange<Double>, seed: UInt64
    ) -> Tensor<S> {
        var rng = SeededRandom(seed: seed)
        return make(shape) { _ in range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUniform() }
    }

    /// Values whose magnitude is drawn from U(magnitude) and whose sign is random:
    /// inputs that stay away from the kinks of `relu` and `abs` and from zero
    /// denominators.
    public static func awayFromZero<S: TensorScalar>(
        _ shape: [Int], magnitude: ClosedRange<Double> = 0.5...1.5, seed: UInt64
    ) -> Tensor<S> {
        precondition(magnitude.lowerBound > 0, "awayFromZero needs a positive magnitude range")
        var rng = SeededRandom(seed: seed)
        return make(shape) { _ in
            let m = magnitude.lowerBound + (magnitude.upperBound - magnitude.lowerBound) * rng.nextUniform()
            return rng.next() & 1 == 0 ? m : -m
        }
    }

    /// Positive values drawn from U(range) (inputs of `log` and `sqrt`).
    public static func positive<S: TensorScalar>(
        _ shape: [Int], in range: ClosedRange<Double> = 0.5...2, seed: UInt64
    ) -> Tensor<S> {
        precondition(range.lowerBound > 0, "positive needs a positive range")
        return uniform(shape, in: range, seed: seed)
    }

    /// The fixed weights of ``weightedSum(_:seed:)``.
    public static func weights<S: TensorScalar>(_ shape: [Int], seed: UInt64) -> Tensor<S> {
        awayFromZero(shape, magnitude: 0.5...1.5, seed: seed)
    }

    private static func make<S: TensorScalar>(_ shape: [Int], _ value: (Int) -> Double) -> Tensor<S> {
        let n = shape.reduce(1, *)
        return Tensor<S>(validShape: shape, scalars: (0..<n).map { S(value($0)) })
    }
}

/// `(y * w).sum()` with fixed random weights `w` of `y`'s shape, each of magnitude
/// 0.5 to 1.5 and random sign: a scalar whose gradient with respect to `y` is not
/// uniform, so a gradient that is wrong at one position (or permuted) shows.
public func weightedSum<S: TensorScalar>(_ y: Tensor<S>, seed: UInt64 = 0x5EED) -> Tensor<S> {
    (y * Fixture.weights(y.shape, seed: seed)).sum()
}
