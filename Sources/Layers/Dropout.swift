public import TowersCore

/// Zeroes a fraction `rate` of the inputs in training and scales the rest by
/// `1 / (1 − rate)`; the identity in inference. No weights.
///
/// Masks come from a generator seeded with `seed` and owned by the instance, so a
/// run is reproducible.
///
/// ```swift
/// let dropout = Dropout<Float>(rate: 0.5, seed: 1)
/// let y = try dropout(x, training: true)
/// ```
public final class Dropout<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "dropout" }
    public let rate: Double
    public let name: String?
    public let scopeRecord = ScopeRecord()
    private let rng: Locked<SeededRandom>

    public init(rate: Double, seed: UInt64 = 0, name: String? = nil) {
        precondition(rate >= 0 && rate < 1, "Dropout rate must be in [0, 1), got \(rate)")
        self.rate = rate
        self.name = name
        self.rng = Locked(SeededRandom(seed: seed))
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        guard training && rate > 0 else { return x }
        let keep = 1 - rate, scale = Scalar(1 / keep)
        let mask = try rng.withLock { r in
            try Tensor<Scalar>.generate(x.shape) { _ in r.nextUniform() < keep ? scale : 0 }
        }
        return x * mask
    }
}
