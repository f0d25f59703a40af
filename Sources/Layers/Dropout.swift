public import TowersCore
import Variables

/// Zeroes a fraction `rate` of the inputs in training and scales the rest by
/// `1 / (1 − rate)`; the identity in inference. No weights.
///
/// By default the masks come from the current store's `VariableStore.randomGenerator`,
/// which every draw advances: each call, each tower and each step gets a new
/// mask, and a run is reproducible from the store's seed (and the order of the
/// calls). Layers made afresh on every call of a tower function draw new masks
/// all the same.
///
/// With an explicit `seed`, the instance owns a generator seeded with it
/// instead, advanced by its own calls only: a new instance repeats the first
/// mask of the last one (useful to pin a mask in a test).
///
/// ```swift
/// let towers = SharedTowers<Float>(store: store) { x, training in
///     let h = try Dense<Float>(units: 128, activation: .relu)(x)
///     return try Dropout<Float>(rate: 0.3)(h, training: training)   // a new mask per tower and step
/// }
/// ```
public final class Dropout<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "dropout" }
    public let rate: Double
    /// The instance's own seed, or `nil` to draw from the store's generator.
    public let seed: UInt64?
    public let name: String?
    public let scopeRecord = ScopeRecord()
    private let generator: RandomGenerator?

    /// A dropout layer; `rate` must be in `[0, 1)` (checked when it is called: a ``LayerError``).
    public init(rate: Double, seed: UInt64? = nil, name: String? = nil) {
        self.rate = rate
        self.seed = seed
        self.name = name
        self.generator = seed.map { RandomGenerator(seed: $0) }
    }

    public var configurationError: String? {
        rate >= 0 && rate < 1 ? nil : "rate must be in [0, 1), got \(rate)"
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        guard training && rate > 0 else { return x }
        guard let generator = generator ?? currentVariableStore?.randomGenerator else {
            throw VariableError.noCurrentStore(name: name ?? Self.kind)
        }
        return x.dropout(rate: rate, generator: generator)
    }
}
