public import Train
public import Variables

/// Any `Optimizer` made data-parallel (Horovod's
/// `DistributedOptimizer`): each step first averages the gradients over the
/// ranks (``DataParallel/synchronize(loss:step:)``), then runs the wrapped
/// optimizer's step, which every rank applies to the same weights. SGD, Adam,
/// AdamW, RMSProp and Adagrad all work unchanged: their slots are variables,
/// copied from rank 0 at ``DataParallel/start()`` and then updated alike
/// everywhere.
///
/// ```swift
/// let adam = try Adam(store: store, learningRate: .constant(1e-3))
/// try adam.createSlots()
/// let parallel = try DataParallel(store: store, world: try Communicator.world())
/// try parallel.start()
/// let optimizer = try DistributedOptimizer(adam, parallel: parallel)
/// for batch in myShardOfEachBatch {
///     let loss = try step(batch.left, batch.right, batch.same)   // a captured step: forward + backward
///     _ = try optimizer.step(loss: loss)                         // mean loss over the ranks
/// }
/// ```
public final class DistributedOptimizer: Optimizer {
    /// The optimizer that updates the weights.
    public let base: any Optimizer
    public let parallel: DataParallel

    /// Wraps `base`, which must update `parallel`'s store.
    ///
    /// - Throws: ``DistributedError/invalidOption(name:message:)`` when the two
    ///   work on different stores.
    public init(_ base: any Optimizer, parallel: DataParallel) throws(DistributedError) {
        guard base.store === parallel.store else {
            throw .invalidOption(
                name: "DistributedOptimizer", message: "needs the optimizer and the DataParallel to share one store")
        }
        self.base = base
        self.parallel = parallel
    }

    public var store: VariableStore { base.store }
    public var learningRate: LearningRateSchedule {
        get { base.learningRate }
        set { base.learningRate = newValue }
    }
    public var clipNorm: Double? { base.clipNorm }
    public var stepCount: Int { base.stepCount }

    public func createSlots(for variables: [any AnyVariable]?) throws { try base.createSlots(for: variables) }

    public func prepare(_ variables: [any AnyVariable]?) throws -> UpdatePlan { try base.prepare(variables) }

    /// Averages the gradients over the ranks, then updates the plan's variables.
    @discardableResult
    public func step(_ plan: UpdatePlan) throws -> OptimizerStepInfo {
        try parallel.averageGradients(step: base.stepCount)
        return try base.step(plan)
    }

    /// Averages the gradients over the ranks, then updates `variables`.
    @discardableResult
    public func step(_ variables: [any AnyVariable]?) throws -> OptimizerStepInfo {
        try parallel.averageGradients(step: base.stepCount)
        return try base.step(variables)
    }

    /// Averages the gradients and `loss` over the ranks, then updates every
    /// trainable variable; returns the mean loss.
    ///
    /// - Throws: ``DistributedError/nonFiniteLoss(step:ranks:losses:lastGoodCheckpoint:)``
    ///   on every rank, without updating, when some rank's loss is not finite.
    @discardableResult
    public func step(loss: Float) throws -> Float {
        let mean: Float
        do {
            mean = try parallel.synchronize(loss: loss, step: base.stepCount)
        } catch {
            base.zeroGradients()
            throw error
        }
        try base.step()
        return mean
    }

    public func zeroGradients(_ variables: [any AnyVariable]?) { base.zeroGradients(variables) }
}
