import TowersCore
public import Variables

/// Adagrad (Duchi et al.), PyTorch's `Adagrad` update:
/// `acc += g²; w −= lr · g / (√acc + ε)`, with `g` the (clipped) gradient plus
/// `weightDecay · w`.
///
/// TF1's `AdagradOptimizer(lr, initial_accumulator_value=0.1)` is this update
/// with `initialAccumulatorValue: 0.1, epsilon: 0` (TF1 has no ε). The slot is
/// TF1's `<var>/Adagrad` (the accumulator). Defaults are PyTorch's:
/// `initialAccumulatorValue = 0`, `ε = 1e-10`. PyTorch's `lr_decay` is a
/// ``LearningRateSchedule`` here.
///
/// ```swift
/// let adagrad = try Adagrad(store: store, learningRate: .constant(0.01))
/// let tf1Adagrad = try Adagrad(store: store, learningRate: .constant(0.01), initialAccumulatorValue: 0.1, epsilon: 0)
/// ```
public final class Adagrad: EngineBackedOptimizer {
    public let initialAccumulatorValue: Double
    public let epsilon: Double
    /// L2 penalty folded into the gradient: `g += weightDecay · w`.
    public let weightDecay: Double

    let engine: OptimizerEngine<AdagradRule>

    /// - Throws: ``OptimizerError`` when an option, the learning rate or
    ///   `clipNorm` is negative or not finite, or when both
    ///   `initialAccumulatorValue` and `epsilon` are 0 (a zero gradient would
    ///   divide 0 by 0).
    public init(
        store: VariableStore, learningRate: LearningRateSchedule, initialAccumulatorValue: Double = 0,
        epsilon: Double = 1e-10, weightDecay: Double = 0, clipNorm: Double? = nil
    ) throws {
        let check = OptionCheck("Adagrad")
        try check.nonNegative("initialAccumulatorValue", initialAccumulatorValue)
        try check.nonNegative("epsilon", epsilon)
        try check.nonNegative("weightDecay", weightDecay)
        if initialAccumulatorValue == 0 && epsilon == 0 {
            throw check.error(
                "epsilon", "must be > 0 when initialAccumulatorValue is 0 (a zero gradient would give 0/0)")
        }
        self.initialAccumulatorValue = initialAccumulatorValue
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        engine = try OptimizerEngine(
            store: store, learningRate: learningRate, clipNorm: clipNorm,
            rule: AdagradRule(initialValue: initialAccumulatorValue, epsilon: epsilon, weightDecay: weightDecay))
    }

}

struct AdagradRule: UpdateRule {
    let initialValue: Double, epsilon: Double, weightDecay: Double

    var name: String { "Adagrad" }
    var slots: [SlotSpec] { [SlotSpec(name: "Adagrad", initialValue: initialValue)] }

    func coefficients(learningRate: Double) -> Double { learningRate }

    func update<T: TensorScalar>(
        _ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ slots: [UnsafeMutablePointer<T>], count n: Int,
        _ learningRate: Double
    ) {
        let acc = slots[0]
        let lr = T(learningRate), eps = T(epsilon), l2 = T(weightDecay)
        for i in 0..<n {
            let gi = l2 == 0 ? g[i] : g[i] + l2 * w[i]
            acc[i] += gi * gi
            w[i] -= lr * (gi / (acc[i].squareRoot() + eps))
        }
    }
}
