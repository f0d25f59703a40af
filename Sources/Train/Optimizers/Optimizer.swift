public import Variables

/// An optimizer over the variables of one store: ``SGD``, ``Adam``, ``AdamW``,
/// ``RMSProp`` and ``Adagrad``.
///
/// All of them share the same machinery:
/// - state keyed by variable identity: a weight shared by three towers is one
///   variable, updated once per step with its summed gradient, with one set of
///   slots;
/// - slots are non-trainable variables of the same store named like TF1's
///   (`tower/dense/kernel/Adam`, `…/Adam_1`), plus an `Int64` `global_step` shared
///   by the store's optimizers, so checkpoints carry them and training resumes
///   exactly;
/// - a ``LearningRateSchedule`` evaluated at `global_step`, and optional clipping
///   of all gradients together by their global norm (PyTorch's
///   `clip_grad_norm_`, TF's `clip_by_global_norm`) before the update;
/// - a step updates every variable that has a gradient, then zeroes the gradients.
///
/// ```swift
/// let optimizer: any Optimizer = try Adam(store: store, learningRate: .constant(1e-3), clipNorm: 5)
/// loss.backward()
/// try optimizer.step()
/// ```
///
/// A training loop that updates the same variables every step can resolve them
/// once with ``prepare(_:)`` and pass the plan to `step(_:)`; the
/// optimizer also keeps the last plan and reuses it while the variables stay the
/// same, so a warmed-up step allocates nothing on the heap.
public protocol Optimizer: AnyObject {
    /// The store whose variables it updates and where its slots live.
    var store: VariableStore { get }
    /// The learning rate as a function of `global_step`.
    var learningRate: LearningRateSchedule { get set }
    /// The global gradient norm above which gradients are scaled down, if any.
    var clipNorm: Double? { get }
    /// The number of steps taken by the store's optimizers (`global_step`,
    /// restored with a checkpoint).
    var stepCount: Int { get }

    /// Creates the slots of `variables` (default: every trainable one) now, so
    /// that a checkpoint can be loaded into them before the first step.
    func createSlots(for variables: [any AnyVariable]?) throws

    /// Resolves `variables` (default: every trainable one) for updates: creates
    /// their slots and keeps their tensors and slots in arrays, so that
    /// a step with the plan has nothing left to look up.
    func prepare(_ variables: [any AnyVariable]?) throws -> UpdatePlan

    /// Updates the variables of `plan` that have a gradient, then zeroes their
    /// gradients and increments `global_step`.
    @discardableResult
    func step(_ plan: UpdatePlan) throws -> OptimizerStepInfo

    /// Updates `variables` (default: every trainable one) from their accumulated
    /// gradients, then zeroes the gradients. A variable without a gradient is skipped.
    @discardableResult
    func step(_ variables: [any AnyVariable]?) throws -> OptimizerStepInfo

    /// Sets the gradients of `variables` (default: every trainable one) to zero,
    /// keeping their buffers.
    func zeroGradients(_ variables: [any AnyVariable]?)
}

extension Optimizer {
    /// What one step did.
    public typealias StepInfo = OptimizerStepInfo

    /// Creates the slots of every trainable variable.
    public func createSlots() throws { try createSlots(for: nil) }

    /// Updates every trainable variable that has a gradient.
    @discardableResult
    public func step() throws -> OptimizerStepInfo { try step(nil as [any AnyVariable]?) }

    /// Zeroes the gradients of every trainable variable.
    public func zeroGradients() { zeroGradients(nil) }

    /// Resolves every trainable variable.
    public func prepare() throws -> UpdatePlan { try prepare(nil) }
}

/// What one optimizer step did.
public struct OptimizerStepInfo: Sendable, Equatable {
    /// The step index the update used (`global_step` before incrementing).
    public var step: Int
    public var learningRate: Double
    /// The global norm of the gradients before clipping (weight decay not included).
    public var gradientNorm: Double
    /// Whether the gradients were scaled down to ``Optimizer/clipNorm``.
    public var clipped: Bool
}

/// An optimizer option out of range, or a plan given to the wrong optimizer.
///
/// ```swift
/// do { _ = try Adam(store: store, learningRate: .constant(1e-3), beta1: 1) } catch let error as OptimizerError {
///     print(error)   // Adam: beta1 must be in [0, 1), got 1.0
/// }
/// ```
public struct OptimizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The optimizer's name (`Adam`).
    public let optimizer: String
    /// The option (`beta1`, `learningRate`), or `plan`.
    public let option: String
    /// What is wrong, with the value given.
    public let message: String

    public init(optimizer: String, option: String, _ message: String) {
        self.optimizer = optimizer
        self.option = option
        self.message = message
    }

    public var description: String { "\(optimizer): \(option) \(message)" }
}
