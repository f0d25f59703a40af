import Variables

/// An optimizer whose work is done by an ``OptimizerEngine`` with its own
/// ``UpdateRule``: every ``Optimizer`` requirement forwards to the engine, once,
/// here. ``SGD``, ``Adam``, ``AdamW``, ``RMSProp`` and ``Adagrad`` keep only
/// their options and their rule.
protocol EngineBackedOptimizer: Optimizer {
    associatedtype Rule: UpdateRule
    var engine: OptimizerEngine<Rule> { get }
}

extension EngineBackedOptimizer {
    public var store: VariableStore { engine.store }
    public var learningRate: LearningRateSchedule {
        get { engine.learningRate }
        set { engine.learningRate = newValue }
    }
    public var clipNorm: Double? { engine.clipNorm }
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
