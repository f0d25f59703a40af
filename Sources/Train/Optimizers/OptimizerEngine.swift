import TowersCore
public import Variables

/// One slot of every variable an optimizer updates: its TF1 name (below the
/// variable's name) and its initial value.
struct SlotSpec: Equatable {
    var name: String
    var initialValue: Double
}

/// The elementwise update of one optimizer; the ``OptimizerEngine`` does the
/// rest (slots, plans, schedule, clipping, `global_step`).
protocol UpdateRule {
    /// The numbers one step computes once for all variables (learning rate,
    /// bias corrections).
    associatedtype Coefficients
    /// The optimizer's name, for messages.
    var name: String { get }
    /// The slots of each variable, in creation order.
    var slots: [SlotSpec] { get }
    /// Creates the optimizer's own variables (Adam's `beta1_power`) when the
    /// first variables are resolved; `dtype` is the first variable's (TF1's rule).
    mutating func createVariables(in store: VariableStore, dtype: DType) throws
    /// The step's coefficients.
    func coefficients(learningRate: Double) -> Coefficients
    /// Updates `count` elements of `w` in place from the gradient `g` and the slots.
    func update<T: TensorScalar>(
        _ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ slots: [UnsafeMutablePointer<T>], count: Int,
        _ c: Coefficients)
    /// ``update(_:_:_:count:_:)``, and whether every value it wrote (`w` and the
    /// slots) is finite, when the rule can tell at no cost; `nil` makes the engine
    /// scan them.
    func updateCheckingFinite<T: TensorScalar>(
        _ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ slots: [UnsafeMutablePointer<T>], count: Int,
        _ c: Coefficients
    ) -> Bool?
    /// Runs after every variable of a step is updated.
    func finishStep()
    /// Whether ``update(_:_:_:count:_:)`` also sets the gradient to zero (in the
    /// same pass); otherwise the engine zeroes it after the update.
    var zeroesGradient: Bool { get }
}

extension UpdateRule {
    mutating func createVariables(in store: VariableStore, dtype: DType) throws {}
    func finishStep() {}
    var zeroesGradient: Bool { false }
    func updateCheckingFinite<T: TensorScalar>(
        _ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ slots: [UnsafeMutablePointer<T>], count: Int,
        _ c: Coefficients
    ) -> Bool? {
        update(w, g, slots, count: count, c)
        return nil
    }
}

/// Variables resolved for updates by one optimizer: their tensors, their slots'
/// tensors and raw pointers, in arrays made once (see ``Optimizer/prepare(_:)``).
///
/// ```swift
/// let plan = try adam.prepare(encoder.trainableVariables)
/// for batch in batches {
///     try loss(batch).backward()
///     try adam.step(plan)
/// }
/// ```
public final class UpdatePlan {
    /// The variables, in the order given.
    public let variables: [any AnyVariable]
    let owner: ObjectIdentifier
    let floats: [PlanEntry<Float>]
    let doubles: [PlanEntry<Double>]

    init(
        variables: [any AnyVariable], owner: ObjectIdentifier, floats: [PlanEntry<Float>],
        doubles: [PlanEntry<Double>]
    ) {
        self.variables = variables
        self.owner = owner
        self.floats = floats
        self.doubles = doubles
    }

    /// Whether `other` holds the plan's variables, in order (identity).
    func matches(_ other: [any AnyVariable]) -> Bool {
        guard other.count == variables.count else { return false }
        for i in other.indices where other[i] !== variables[i] { return false }
        return true
    }
}

/// One variable of a plan.
struct PlanEntry<T: TensorScalar> {
    /// The variable's name, then its slots' (for messages).
    let names: [String]
    let value: Tensor<T>
    /// The slots' tensors (kept alive with their pointers).
    let slots: [Tensor<T>]
    let slotPointers: [UnsafeMutablePointer<T>]
}

/// The machinery every ``Optimizer`` shares.
final class OptimizerEngine<Rule: UpdateRule> {
    let store: VariableStore
    var learningRate: LearningRateSchedule
    let clipNorm: Double?
    private(set) var rule: Rule
    let globalStep: Variable<Int64>
    private var slotsByVariable: [ObjectIdentifier: [any AnyVariable]] = [:]
    private var createdVariables = false
    /// The last plan made for an explicit list, and the one for "every trainable
    /// variable" with the store's variable count when it was made (variables are
    /// never removed, so an unchanged count means an unchanged list).
    private var lastPlan: UpdatePlan?
    private var defaultPlan: UpdatePlan?
    private var defaultPlanStoreCount = -1

    init(store: VariableStore, learningRate: LearningRateSchedule, clipNorm: Double?, rule: Rule) throws {
        try OptionCheck(rule.name).schedule(learningRate)
        if let clipNorm { try OptionCheck(rule.name).positive("clipNorm", clipNorm) }
        self.store = store
        self.learningRate = learningRate
        self.clipNorm = clipNorm
        self.rule = rule
        globalStep = try store.variableScope(VariableScope.root, reuse: .autoReuse) {
            try store.getVariable("global_step", shape: [], dtype: Int64.self, initializer: .zeros, trainable: false)
        }
    }

    var stepCount: Int { Int(globalStep.value.scalar) }

    // MARK: Slots and plans

    /// The slots of `v`, created on first use under `<v.name>/`.
    private func slots(of v: any AnyVariable) throws -> [any AnyVariable] {
        if let known = slotsByVariable[ObjectIdentifier(v)] { return known }
        if !createdVariables {
            try rule.createVariables(in: store, dtype: v.dtype)
            createdVariables = true
        }
        let specs = rule.slots
        let made = try store.variableScope(VariableScope.root, reuse: .autoReuse) {
            try store.variableScope(v.name) {
                try specs.map { spec -> any AnyVariable in
                    func slot<T: TensorElement>(_: T.Type) throws -> any AnyVariable {
                        try store.getVariable(
                            spec.name, shape: v.shape, dtype: T.self, initializer: .constant(spec.initialValue),
                            trainable: false) as Variable<T>
                    }
                    return try slot(v.dtype.elementType)
                }
            }
        }
        slotsByVariable[ObjectIdentifier(v)] = made
        return made
    }

    func createSlots(for variables: [any AnyVariable]?) throws {
        for v in variables ?? store.trainableVariables where v.dtype == .float32 || v.dtype == .float64 {
            _ = try slots(of: v)
        }
    }

    func makePlan(_ variables: [any AnyVariable]) throws -> UpdatePlan {
        var floats: [PlanEntry<Float>] = [], doubles: [PlanEntry<Double>] = []
        func entry<T: TensorScalar>(_ value: Tensor<T>, _ v: any AnyVariable) throws -> PlanEntry<T> {
            let slotVariables = try slots(of: v)
            let slotTensors = slotVariables.map { s -> Tensor<T> in
                guard let t = s.tensor(as: T.self) else {
                    fail("optimizer slot \(s.name) is not a \(T.dtype) variable like \(v.name)")
                }
                return t
            }
            return PlanEntry(
                names: [v.name] + slotVariables.map(\.name), value: value, slots: slotTensors,
                slotPointers: slotTensors.map { $0.storage.base })
        }
        for v in variables {
            if let t = v.tensor(as: Float.self) { floats.append(try entry(t, v)) }
            if let t = v.tensor(as: Double.self) { doubles.append(try entry(t, v)) }
        }
        return UpdatePlan(variables: variables, owner: ObjectIdentifier(self), floats: floats, doubles: doubles)
    }

    func prepare(_ variables: [any AnyVariable]?) throws -> UpdatePlan {
        if let variables {
            if let lastPlan, lastPlan.matches(variables) { return lastPlan }
            let plan = try makePlan(variables)
            lastPlan = plan
            return plan
        }
        if let defaultPlan, store.allVariables.count == defaultPlanStoreCount { return defaultPlan }
        let plan = try makePlan(store.trainableVariables)
        defaultPlan = plan
        defaultPlanStoreCount = store.allVariables.count  // after the slots were made
        return plan
    }

    // MARK: Steps

    /// One update; denormals are flushed to zero while it runs (``Denormals``).
    func step(_ plan: UpdatePlan) throws -> OptimizerStepInfo {
        try Denormals.flushedToZero { () throws -> OptimizerStepInfo in try update(plan) }
    }

    private func update(_ plan: UpdatePlan) throws -> OptimizerStepInfo {
        guard plan.owner == ObjectIdentifier(self) else {
            throw OptimizerError(
                optimizer: rule.name, option: "plan",
                "was made by another optimizer; make it with this one's prepare(_:)")
        }
        // The schedule may have been changed since the optimizer was made.
        try OptionCheck(rule.name).schedule(learningRate)
        let index = stepCount
        let lr = learningRate.rate(at: index)
        let norm = (Self.squaredNorm(plan.floats) + Self.squaredNorm(plan.doubles)).squareRoot()
        var factor = 1.0
        if let clipNorm, norm > clipNorm { factor = clipNorm / norm }
        let c = rule.coefficients(learningRate: lr)
        let floatsFinite = apply(plan.floats, factor: factor, c)
        let doublesFinite = apply(plan.doubles, factor: factor, c)
        rule.finishStep()
        // An update that made a weight or a slot NaN or infinite stops training
        // (`global_step` does not advance; `Checkpoint.save` refuses such values).
        if !(floatsFinite && doublesFinite),
            let bad = Self.firstNonFinite(plan.floats) ?? Self.firstNonFinite(plan.doubles)
        {
            throw TrainingError.nonFiniteWeights(step: index, variable: bad, lastGoodCheckpoint: nil)
        }
        globalStep.value.storage.base[0] = Int64(index + 1)
        return OptimizerStepInfo(step: index, learningRate: lr, gradientNorm: norm, clipped: factor != 1)
    }

    func zeroGradients(_ variables: [any AnyVariable]?) {
        for v in variables ?? store.trainableVariables {
            if let t = v.tensor(as: Float.self) { t.grad?.fill(with: 0) }
            if let t = v.tensor(as: Double.self) { t.grad?.fill(with: 0) }
        }
    }

    /// The name of the first weight or slot that holds NaN or an infinity.
    private static func firstNonFinite<T: TensorScalar>(_ entries: [PlanEntry<T>]) -> String? {
        for e in entries {
            if !e.value.allFinite { return e.names[0] }
            if let i = e.slots.firstIndex(where: { !$0.allFinite }) { return e.names[i + 1] }
        }
        return nil
    }

    private static func squaredNorm<T: TensorScalar>(_ entries: [PlanEntry<T>]) -> Double {
        var sum = 0.0
        for e in entries {
            guard let g = e.value.grad, g.count > 0 else { continue }
            let p = g.storage.base
            sum += Double(T.dot(n: g.count, x: p, incX: 1, y: p, incY: 1))
        }
        return sum
    }

    /// Updates every entry that has a gradient; returns whether every weight and
    /// slot is finite afterwards (from the rule's own check where it has one).
    private func apply<T: TensorScalar>(_ entries: [PlanEntry<T>], factor: Double, _ c: Rule.Coefficients) -> Bool {
        var finite = true
        func scan(_ e: PlanEntry<T>) -> Bool { e.value.allFinite && e.slots.allSatisfy { $0.allFinite } }
        for e in entries {
            guard let g = e.value.grad, e.value.count > 0 else {
                if finite { finite = scan(e) }
                continue
            }
            let n = e.value.count, gp = g.storage.base
            if factor != 1 { T.scal(n: n, alpha: T(factor), x: gp, incX: 1) }
            let checked = rule.updateCheckingFinite(e.value.storage.base, gp, e.slotPointers, count: n, c)
            if finite { finite = checked ?? scan(e) }
            if !rule.zeroesGradient { gp.zeroElements(count: n) }
        }
        return finite
    }
}

/// Checks of option values, thrown as ``OptimizerError``s naming the optimizer.
struct OptionCheck {
    let optimizer: String
    init(_ optimizer: String) { self.optimizer = optimizer }

    func error(_ option: String, _ message: String) -> OptimizerError {
        OptimizerError(optimizer: optimizer, option: option, message)
    }
    func nonNegative(_ option: String, _ value: Double) throws {
        guard value.isFinite, value >= 0 else { throw error(option, "must be finite and ≥ 0, got \(value)") }
    }
    func positive(_ option: String, _ value: Double) throws {
        guard value.isFinite, value > 0 else { throw error(option, "must be finite and > 0, got \(value)") }
    }
    /// `0 ≤ value < 1` (a decay rate).
    func unitInterval(_ option: String, _ value: Double) throws {
        guard value >= 0, value < 1 else { throw error(option, "must be in [0, 1), got \(value)") }
    }
    func schedule(_ s: LearningRateSchedule) throws {
        switch s {
        case .constant(let r): try nonNegative("learningRate", r)
        case .step(let initial, let factor, let every):
            try nonNegative("learningRate", initial)
            try positive("learningRate factor", factor)
            guard every > 0 else { throw error("learningRate", "step schedule needs every > 0, got \(every)") }
        case .cosine(let initial, let total, let minimum):
            try nonNegative("learningRate", initial)
            try nonNegative("learningRate minimum", minimum)
            guard total > 0 else { throw error("learningRate", "cosine schedule needs totalSteps > 0, got \(total)") }
        }
    }
}
