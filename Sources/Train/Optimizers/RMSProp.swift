import TowersCore
public import Variables

/// RMSProp (Hinton), with momentum and the centered variant: PyTorch's
/// `RMSprop` by default, TF1's `RMSPropOptimizer` with `convention: .tf1`.
///
/// With `g` the (clipped) gradient plus `weightDecay · w` (PyTorch's L2;
/// TF1 has none), the mean square `s = ρ·s + (1 − ρ)·g²`, and when `centered`
/// the mean `a = ρ·a + (1 − ρ)·g` with `s̃ = s − a²` (else `s̃ = s`):
/// - `.pytorch`: `d = √s̃ + ε`; with momentum `buf = μ·buf + g / d; w −= lr · buf`,
///   else `w −= lr · g / d`. `s` starts at 0.
/// - `.tf1`: `mom = μ·mom + lr · g / √(s̃ + ε); w −= mom` (the learning rate is
///   inside the momentum, ε inside the root); `s` starts at 1.
///
/// The two differ in ε, in the first steps (the initial `s`) and, with
/// momentum, when the learning rate changes. Slots (TF1's names and order):
/// `<var>/RMSProp` (`s`), then `<var>/RMSProp_1` for `a` when centered, then
/// the momentum buffer (`<var>/RMSProp_1`, or `_2` when centered) when
/// `momentum > 0`, or always with `.tf1` as TF1 does. Defaults are PyTorch's:
/// `ρ = 0.99`, `ε = 1e-8` (TF1's: `decay=0.9`, `epsilon=1e-10`).
///
/// ```swift
/// let rmsprop = try RMSProp(store: store, learningRate: .constant(1e-3), momentum: 0.9, centered: true)
/// ```
public final class RMSProp: EngineBackedOptimizer {
    /// The decay of the running averages (PyTorch's `alpha`, TF1's `decay`).
    public let rho: Double
    public let momentum: Double
    public let epsilon: Double
    public let centered: Bool
    /// L2 penalty folded into the gradient: `g += weightDecay · w`.
    public let weightDecay: Double
    public let convention: OptimizerConvention

    let engine: OptimizerEngine<RMSPropRule>

    /// - Throws: ``OptimizerError`` when `rho` is outside `[0, 1)`, or `momentum`,
    ///   `epsilon`, `weightDecay`, the learning rate or `clipNorm` is negative or
    ///   not finite.
    public init(
        store: VariableStore, learningRate: LearningRateSchedule, rho: Double = 0.99, momentum: Double = 0,
        epsilon: Double = 1e-8, centered: Bool = false, weightDecay: Double = 0, clipNorm: Double? = nil,
        convention: OptimizerConvention = .pytorch
    ) throws {
        let check = OptionCheck("RMSProp")
        try check.unitInterval("rho", rho)
        try check.nonNegative("momentum", momentum)
        try check.nonNegative("epsilon", epsilon)
        try check.nonNegative("weightDecay", weightDecay)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self.weightDecay = weightDecay
        self.convention = convention
        engine = try OptimizerEngine(
            store: store, learningRate: learningRate, clipNorm: clipNorm,
            rule: RMSPropRule(
                rho: rho, momentum: momentum, epsilon: epsilon, centered: centered, weightDecay: weightDecay,
                convention: convention))
    }

}

struct RMSPropRule: UpdateRule {
    let rho: Double, momentum: Double, epsilon: Double
    let centered: Bool
    let weightDecay: Double
    let convention: OptimizerConvention

    var name: String { "RMSProp" }
    /// Whether there is a momentum slot (TF1 always has one).
    var hasMomentum: Bool { momentum > 0 || convention == .tf1 }

    var slots: [SlotSpec] {
        var specs = [SlotSpec(name: "RMSProp", initialValue: convention == .tf1 ? 1 : 0)]
        if centered { specs.append(SlotSpec(name: "RMSProp_1", initialValue: 0)) }
        if hasMomentum { specs.append(SlotSpec(name: "RMSProp_\(specs.count)", initialValue: 0)) }
        return specs
    }

    func coefficients(learningRate: Double) -> Double { learningRate }

    func update<T: TensorScalar>(
        _ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ slots: [UnsafeMutablePointer<T>], count n: Int,
        _ learningRate: Double
    ) {
        let s = slots[0]
        let a: UnsafeMutablePointer<T>? = centered ? slots[1] : nil
        let buf: UnsafeMutablePointer<T>? = hasMomentum ? slots[centered ? 2 : 1] : nil
        let r = T(rho), rc = T(1 - rho), mu = T(momentum), eps = T(epsilon), lr = T(learningRate)
        let l2 = T(weightDecay)
        for i in 0..<n {
            let gi = l2 == 0 ? g[i] : g[i] + l2 * w[i]
            var meanSquare: T
            switch convention {
            case .pytorch:
                s[i] = r * s[i] + rc * gi * gi
                meanSquare = s[i]
            case .tf1:
                s[i] += (gi * gi - s[i]) * rc
                meanSquare = s[i]
            }
            if let a {
                a[i] += rc * (gi - a[i])
                meanSquare -= a[i] * a[i]
            }
            switch convention {
            case .pytorch:
                let d = meanSquare.squareRoot() + eps
                if let buf {
                    buf[i] = mu * buf[i] + gi / d
                    w[i] -= lr * buf[i]
                } else {
                    w[i] -= lr * (gi / d)
                }
            case .tf1:
                let b = buf!
                b[i] = mu * b[i] + lr * gi / (meanSquare + eps).squareRoot()
                w[i] -= b[i]
            }
        }
    }
}
