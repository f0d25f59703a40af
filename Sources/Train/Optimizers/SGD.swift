import TowersCore
public import Variables

/// Stochastic gradient descent with momentum, Nesterov momentum, weight decay,
/// gradient clipping by global norm and a learning-rate schedule.
///
/// The update is PyTorch's `SGD` (dampening 0), which is also TF1's
/// `MomentumOptimizer` (`use_nesterov` for Nesterov): with `g` the (clipped)
/// gradient plus `weightDecay · w`, `buf = μ·buf + g` and
/// `w −= lr · (nesterov ? g + μ·buf : buf)`, or `w −= lr · g` without momentum.
/// The momentum slot is TF1's `<var>/Momentum` (only with `momentum > 0`). See
/// ``Optimizer`` for what all optimizers share (state by variable identity,
/// `global_step`, schedules, clipping).
///
/// ```swift
/// let sgd = try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9)
/// loss.backward()
/// try sgd.step()        // update every trainable variable, then zero the gradients
/// ```
public final class SGD: Optimizer {
    public var store: VariableStore { engine.store }
    public var learningRate: LearningRateSchedule {
        get { engine.learningRate }
        set { engine.learningRate = newValue }
    }
    public var clipNorm: Double? { engine.clipNorm }
    public let momentum: Double
    public let nesterov: Bool
    /// L2 penalty folded into the gradient: `g += weightDecay · w` (PyTorch's `weight_decay`).
    public let weightDecay: Double

    private let engine: OptimizerEngine<SGDRule>

    /// - Throws: ``OptimizerError`` for a negative or non-finite `momentum`,
    ///   `weightDecay`, learning rate or `clipNorm`, or `nesterov` without momentum.
    public init(
        store: VariableStore, learningRate: LearningRateSchedule, momentum: Double = 0, nesterov: Bool = false,
        weightDecay: Double = 0, clipNorm: Double? = nil
    ) throws {
        let check = OptionCheck("SGD")
        try check.nonNegative("momentum", momentum)
        try check.nonNegative("weightDecay", weightDecay)
        if nesterov && momentum == 0 { throw check.error("nesterov", "needs momentum > 0") }
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        engine = try OptimizerEngine(
            store: store, learningRate: learningRate, clipNorm: clipNorm,
            rule: SGDRule(momentum: momentum, nesterov: nesterov, weightDecay: weightDecay))
    }

    public var stepCount: Int { engine.stepCount }
    public func createSlots(for variables: [any AnyVariable]?) throws { try engine.createSlots(for: variables) }
    public func prepare(_ variables: [any AnyVariable]?) throws -> UpdatePlan { try engine.prepare(variables) }
    @discardableResult
    public func step(_ plan: UpdatePlan) throws -> OptimizerStepInfo { try engine.step(plan) }
    @discardableResult
    public func step(_ variables: [any AnyVariable]?) throws -> OptimizerStepInfo {
        try engine.step(engine.prepare(variables))
    }
    public func zeroGradients(_ variables: [any AnyVariable]?) { engine.zeroGradients(variables) }
}

struct SGDRule: UpdateRule {
    let momentum: Double
    let nesterov: Bool
    let weightDecay: Double

    var name: String { "SGD" }
    var slots: [SlotSpec] { momentum > 0 ? [SlotSpec(name: "Momentum", initialValue: 0)] : [] }

    func coefficients(learningRate: Double) -> Double { learningRate }

    /// `g += λ·w; buf = μ·buf + g; w −= lr · (nesterov ? g + μ·buf : buf)`, as BLAS calls.
    func update<T: TensorScalar>(
        _ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ slots: [UnsafeMutablePointer<T>], count n: Int,
        _ lr: Double
    ) {
        if weightDecay > 0 { T.axpy(n: n, alpha: T(weightDecay), x: w, incX: 1, y: g, incY: 1) }
        guard momentum > 0 else {
            T.axpy(n: n, alpha: T(-lr), x: g, incX: 1, y: w, incY: 1)
            return
        }
        let buf = slots[0]
        T.scal(n: n, alpha: T(momentum), x: buf, incX: 1)
        T.axpy(n: n, alpha: 1, x: g, incX: 1, y: buf, incY: 1)
        if nesterov {
            T.axpy(n: n, alpha: T(-lr), x: g, incX: 1, y: w, incY: 1)
            T.axpy(n: n, alpha: T(-lr * momentum), x: buf, incX: 1, y: w, incY: 1)
        } else {
            T.axpy(n: n, alpha: T(-lr), x: buf, incX: 1, y: w, incY: 1)
        }
    }
}
