import TowersCore
public import Variables

/// Stochastic gradient descent with momentum, Nesterov momentum, weight decay,
/// gradient clipping by global norm and a learning-rate schedule (PyTorch's
/// `SGD` update, TF1's `MomentumOptimizer` slot names).
///
/// State is keyed by variable identity: a weight shared by three towers is one
/// variable, updated once per step with its summed gradient, with one momentum
/// slot. Slots are non-trainable variables of the same store, named like TF1's
/// (`tower/dense/kernel/Momentum`), plus a `global_step`, so checkpoints carry
/// them and training resumes exactly. Updates are BLAS calls (`axpy`, `scal`,
/// `dot`).
///
/// ```swift
/// let sgd = try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9)
/// loss.backward()
/// try sgd.step()        // update every trainable variable, then zero the gradients
/// ```
///
/// Options are checked (``SGDError``), and every step checks the weights and
/// slots it updated: a NaN or infinity stops training with
/// ``TrainingError/nonFiniteWeights(step:variable:lastGoodCheckpoint:)``.
public final class SGD {
    public let store: VariableStore
    public var learningRate: LearningRateSchedule
    public let momentum: Double
    public let nesterov: Bool
    /// L2 penalty folded into the gradient: `g += weightDecay · w`.
    public let weightDecay: Double
    /// Scale all gradients down when their global norm exceeds this.
    public let clipNorm: Double?

    private var slots: [ObjectIdentifier: any AnyVariable] = [:]
    private let globalStep: Variable<Double>

    /// What one step did.
    public struct StepInfo: Sendable {
        /// The step index the update used (before incrementing).
        public var step: Int
        public var learningRate: Double
        /// The global gradient norm before clipping.
        public var gradientNorm: Double
        public var clipped: Bool
    }

    /// - Throws: ``SGDError`` for a momentum, weight decay or learning rate that is
    ///   negative or not finite, a `clipNorm` that is not a finite positive number,
    ///   or Nesterov momentum without momentum.
    public init(
        store: VariableStore, learningRate: LearningRateSchedule, momentum: Double = 0, nesterov: Bool = false,
        weightDecay: Double = 0, clipNorm: Double? = nil
    ) throws {
        try SGDError.check("momentum", momentum, allowed: "a finite number ≥ 0") { $0 >= 0 }
        try SGDError.check("weightDecay", weightDecay, allowed: "a finite number ≥ 0") { $0 >= 0 }
        if let clipNorm { try SGDError.check("clipNorm", clipNorm, allowed: "a finite number > 0") { $0 > 0 } }
        guard !nesterov || momentum > 0 else { throw SGDError.nesterovWithoutMomentum }
        try learningRate.validate()
        self.store = store
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.clipNorm = clipNorm
        globalStep = try store.variableScope(VariableScope.root, reuse: .autoReuse) {
            try store.getVariable("global_step", shape: [], dtype: Double.self, initializer: .zeros, trainable: false)
        }
    }

    /// The number of steps taken (restored with a checkpoint).
    ///
    /// Stops the program if `global_step` was set in memory to a value that is not
    /// a step count (``Checkpoint/load(into:from:options:prefixMap:)`` never loads
    /// one); ``currentStep()`` throws instead.
    public var stepCount: Int {
        do {
            return try currentStep()
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// The number of steps taken.
    ///
    /// - Throws: ``SGDError/invalidGlobalStep(_:)`` if `global_step` holds a value
    ///   that is not a whole number in 0...2⁵³.
    public func currentStep() throws -> Int {
        let value = globalStep.value.scalar
        guard let step = SGDError.stepCount(value) else { throw SGDError.invalidGlobalStep(value) }
        return step
    }

    /// Creates the momentum slots of `variables` (default: every trainable one) now,
    /// so that a checkpoint can be loaded into them before the first step.
    public func createSlots(for variables: [any AnyVariable]? = nil) throws {
        guard momentum > 0 else { return }
        for v in variables ?? store.trainableVariables where slots[ObjectIdentifier(v)] == nil {
            slots[ObjectIdentifier(v)] = try store.variableScope(VariableScope.root, reuse: .autoReuse) {
                try store.variableScope(v.name) { () throws -> any AnyVariable in
                    func slot<T: TensorElement>(_: T.Type) throws -> any AnyVariable {
                        try store.getVariable(
                            "Momentum", shape: v.shape, dtype: T.self, initializer: .zeros, trainable: false)
                            as Variable<T>
                    }
                    return try slot(v.dtype.elementType)
                }
            }
        }
    }

    /// Updates `variables` (default: every trainable one) from their accumulated
    /// gradients, then zeroes the gradients. A variable without a gradient is skipped.
    ///
    /// - Throws: ``TrainingError/nonFiniteWeights(step:variable:lastGoodCheckpoint:)``
    ///   when the update made a weight or slot NaN or infinite (`global_step` is then
    ///   not advanced), or ``SGDError`` for an invalid learning rate or `global_step`.
    @discardableResult
    public func step(_ variables: [any AnyVariable]? = nil) throws -> StepInfo {
        let vars = variables ?? store.trainableVariables
        try createSlots(for: vars)
        let index = try currentStep()
        try learningRate.validate()
        let lr = learningRate.rate(at: index)
        if weightDecay > 0 { for v in vars { foldWeightDecay(v) } }
        let norm = vars.reduce(0.0) { $0 + squaredNorm($1) }.squareRoot()
        var clipped = false
        if let clipNorm, norm > clipNorm {
            clipped = true
            for v in vars { scaleGradient(v, by: clipNorm / norm) }
        }
        for v in vars { update(v, learningRate: lr) }
        for v in vars {
            for checked in [v, slots[ObjectIdentifier(v)]].compactMap({ $0 }) where !isFinite(checked) {
                throw TrainingError.nonFiniteWeights(step: index, variable: checked.name, lastGoodCheckpoint: nil)
            }
        }
        globalStep.value[] = Double(index + 1)
        return StepInfo(step: index, learningRate: lr, gradientNorm: norm, clipped: clipped)
    }

    /// Sets the gradients of `variables` (default: every trainable one) to zero,
    /// keeping their buffers.
    public func zeroGradients(_ variables: [any AnyVariable]? = nil) {
        for v in variables ?? store.trainableVariables {
            if let t = v.tensor(as: Float.self) { t.grad?.fill(with: 0) }
            if let t = v.tensor(as: Double.self) { t.grad?.fill(with: 0) }
        }
    }

    // MARK: Type dispatch

    private func isFinite(_ v: any AnyVariable) -> Bool {
        if let t = v.tensor(as: Float.self) { return t.allFinite }
        if let t = v.tensor(as: Double.self) { return t.allFinite }
        return true
    }

    private func foldWeightDecay(_ v: any AnyVariable) {
        if let t = v.tensor(as: Float.self) { Self.foldWeightDecay(t, weightDecay) }
        if let t = v.tensor(as: Double.self) { Self.foldWeightDecay(t, weightDecay) }
    }
    private func squaredNorm(_ v: any AnyVariable) -> Double {
        if let g = v.tensor(as: Float.self)?.grad { return Double(Self.dot(g)) }
        if let g = v.tensor(as: Double.self)?.grad { return Self.dot(g) }
        return 0
    }
    private func scaleGradient(_ v: any AnyVariable, by factor: Double) {
        if let g = v.tensor(as: Float.self)?.grad {
            Float.scal(n: g.count, alpha: Float(factor), x: Self.base(g), incX: 1)
        }
        if let g = v.tensor(as: Double.self)?.grad { Double.scal(n: g.count, alpha: factor, x: Self.base(g), incX: 1) }
    }
    private func update(_ v: any AnyVariable, learningRate lr: Double) {
        let slot = slots[ObjectIdentifier(v)]
        if let t = v.tensor(as: Float.self) { apply(t, slot: slot?.tensor(as: Float.self), lr: lr) }
        if let t = v.tensor(as: Double.self) { apply(t, slot: slot?.tensor(as: Double.self), lr: lr) }
    }

    // MARK: Kernels

    private static func base<T>(_ t: Tensor<T>) -> UnsafeMutablePointer<T> {
        t.withUnsafeMutableBufferPointer { $0.baseAddress! }
    }
    private static func dot<T: TensorScalar>(_ g: Tensor<T>) -> T {
        g.count == 0 ? 0 : T.dot(n: g.count, x: base(g), incX: 1, y: base(g), incY: 1)
    }
    private static func foldWeightDecay<T: TensorScalar>(_ w: Tensor<T>, _ decay: Double) {
        guard let g = w.grad, w.count > 0 else { return }
        T.axpy(n: w.count, alpha: T(decay), x: base(w), incX: 1, y: base(g), incY: 1)  // g += λ·w
    }

    /// `buf = μ·buf + g; w −= lr · (nesterov ? g + μ·buf : buf)`, or `w −= lr · g`.
    private func apply<T: TensorScalar>(_ w: Tensor<T>, slot: Tensor<T>?, lr: Double) {
        guard let g = w.grad, w.count > 0 else { return }
        let n = w.count, wp = Self.base(w), gp = Self.base(g)
        if momentum > 0, let slot {
            let bp = Self.base(slot)
            T.scal(n: n, alpha: T(momentum), x: bp, incX: 1)
            T.axpy(n: n, alpha: 1, x: gp, incX: 1, y: bp, incY: 1)
            if nesterov {
                T.axpy(n: n, alpha: T(-lr), x: gp, incX: 1, y: wp, incY: 1)
                T.axpy(n: n, alpha: T(-lr * momentum), x: bp, incX: 1, y: wp, incY: 1)
            } else {
                T.axpy(n: n, alpha: T(-lr), x: bp, incX: 1, y: wp, incY: 1)
            }
        } else {
            T.axpy(n: n, alpha: T(-lr), x: gp, incX: 1, y: wp, incY: 1)
        }
        g.fill(with: 0)
    }
}
