/// Why a step cannot be captured.
public enum CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A capture was started inside another capture of the same task.
    case nested
    /// The captured function returned a tensor with more than one element while
    /// gradients are recorded (backward needs a scalar loss).
    case lossNotScalar(shape: [Int])
    /// A replayed input differs in shape from the one captured.
    case inputShape(input: Int, captured: [Int], given: [Int])
    /// A replayed input holds a value the step cannot use (an index out of range).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .nested:
            return "a step is already being captured in this task; captures cannot be nested"
        case .lossNotScalar(let shape):
            return "the captured function must return a one-element loss to differentiate, got shape \(shape)"
        case .inputShape(let input, let captured, let given):
            return "input \(input) has shape \(given), but the step was captured with shape \(captured); "
                + "capture the step again for the new shape"
        case .invalidInput(let message):
            return "a replayed input is invalid: \(message); nothing was computed"
        }
    }
}

/// A step recorded once and replayed many times over the same buffers (TF1's
/// "build the graph once, run it many times").
///
/// Recording runs the step eagerly once and keeps every operation's forward
/// and backward pass with the tensors they use. Replaying runs the forward
/// passes in the recorded order, then the backward passes in the order eager
/// `backward()` uses, so a replay computes exactly what eager execution of the
/// same function computes, without entering scopes, looking up variables or
/// allocating anything.
///
/// When the step marks towers (``Capture/tower(_:_:)``) and is recorded with
/// separate towers, each tower's forward and backward passes run on their own
/// core (when ``BLAS/threadCount`` allows more than one thread; otherwise one
/// after another, with the same results); a tower other than the first accumulates the gradients of the
/// variables it shares into its own buffers, added into the variables'
/// gradients in tower order afterwards (so results are deterministic, and equal
/// to one core's up to that order of summation).
package final class CapturedGraph<Loss: TensorScalar>: @unchecked Sendable {
    /// Every recorded operation, in the order it ran.
    package let instructions: [Instruction]
    /// The step's result.
    package let loss: Tensor<Loss>
    /// Whether the step's towers run at the same time, one per core.
    package let towersRunInParallel: Bool
    /// Why towers run one after another, when they were marked but do not run in parallel.
    package let serialReason: String?
    /// The tower aliases of shared variables (see ``Recorder/AliasRecord``).
    package let aliases: [Recorder.AliasRecord]
    /// Checks of the values each replay reads (see ``Recorder/validations``).
    private let validations: [() -> String?]

    private let program: Program
    private let workers: TowerWorkers?

    /// The closures of one replay, in order.
    private struct Program {
        var prefixForward: [() -> Void] = []
        var suffixForward: [() -> Void] = []
        /// Gradients marked stale on the calling thread before the backward pass:
        /// their first writer overwrites them (no zero-fill).
        var stale: [any GradientHolder] = []
        var suffixBackward: [() -> Void] = []
        var prefixBackward: [() -> Void] = []
        var accumulate: [() -> Void] = []
        /// Per tower: forward passes, then zeroing its gradient buffers; backward passes.
        var towerForward: [[() -> Void]] = []
        var towerBackward: [[() -> Void]] = []
    }

    /// Records `body`, runs its backward pass once (as `loss.backward()` would),
    /// and keeps everything for replays.
    package init(
        separateTowers: Bool, namer: @escaping (StaticString) -> String, _ body: () throws -> Tensor<Loss>
    ) throws {
        if Recorder.current != nil { throw CaptureError.nested }
        let recorder = Recorder(separateTowers: separateTowers, namer: namer)
        let loss = try Recorder.$current.withValue(recorder) { try body() }
        if loss.requiresGrad && loss.count != 1 { throw CaptureError.lossNotScalar(shape: loss.shape) }
        self.loss = loss
        instructions = recorder.instructions
        aliases = recorder.aliasRecords
        validations = recorder.validations

        var plan = TowerSchedule(instructions, separateTowers: separateTowers)
        if plan.parallel && recorder.largestTowerProduct >= BLAS.smallGemmWork {
            // OpenBLAS spreads products this large over every core itself, which
            // beats one core per tower (and two large products at once on the cores
            // of one machine slow each other down).
            plan.parallel = false
            plan.reason =
                "the towers' matrix products are large (up to \(recorder.largestTowerProduct) multiply-adds): "
                + "OpenBLAS runs each on every core instead"
        }
        towersRunInParallel = plan.parallel
        serialReason = plan.reason
        var p = Program()
        let ins = instructions
        let differentiate = loss.requiresGrad
        // Gradient buffers exist from here on; replays only zero them.
        func gradient(_ i: Int) -> (any GradientHolder)? {
            guard let holder = ins[i].gradientHolder else { return nil }
            holder.allocateGradient()
            return holder
        }
        if plan.parallel {
            p.prefixForward = plan.prefix.map { ins[$0].forward }
            p.suffixForward = plan.suffix.map { ins[$0].forward }
            for tower in plan.towers {
                var forward = tower.map { ins[$0].forward }
                let holders = differentiate ? tower.compactMap(gradient) : []
                forward.append { for h in holders { h.markGradientStale() } }
                p.towerForward.append(forward)
                p.towerBackward.append(tower.reversed().compactMap { ins[$0].backward })
            }
            if differentiate {
                p.stale = (plan.prefix + plan.suffix).compactMap(gradient)
                p.suffixBackward = plan.suffix.reversed().compactMap { ins[$0].backward }
                p.prefixBackward = plan.prefix.reversed().compactMap { ins[$0].backward }
            }
            p.accumulate = aliases.map(\.accumulate)
        } else {
            // Towers one after another: their views of the shared variables write
            // into the variables' gradients, so the replay is eager execution's
            // operations in eager's order, with no gradients of their own to add.
            for alias in aliases { alias.shareLeafGradient() }
            p.prefixForward = ins.map(\.forward)
            if differentiate {
                p.stale = ins.indices.compactMap(gradient)
                p.suffixBackward = Self.backwardOrder(of: loss, instructions: ins)
            }
        }
        program = p
        workers = plan.parallel ? TowerWorkers(phases: [Self.jobs(p.towerForward), Self.jobs(p.towerBackward)]) : nil
        if differentiate { runBackward() }
    }

    deinit { workers?.shutDown() }

    /// Replays the step: forward, then (when the step is differentiated) backward,
    /// accumulating into the variables' gradients as `loss.backward()` does.
    /// Returns the loss.
    ///
    /// - Throws: ``CaptureError/invalidInput(_:)``, before computing anything, when
    ///   an input holds a value an operation cannot use (an index out of range).
    @discardableResult
    package func run() throws(CaptureError) -> Loss {
        for check in validations {
            if let message = check() { throw .invalidInput(message) }
        }
        for f in program.prefixForward { f() }
        runTowers(phase: 0)
        for f in program.suffixForward { f() }
        if loss.requiresGrad { runBackward() }
        return loss.storage.base[0]
    }

    private func runBackward() {
        for h in program.stale { h.markGradientStale() }
        loss.gradPointer()[0] = 1
        for b in program.suffixBackward { b() }
        runTowers(phase: 1)
        for a in program.accumulate { a() }
        for b in program.prefixBackward { b() }
    }

    /// The towers' forward (`phase` 0) or backward (1) passes: at the same time
    /// when Towers may use several threads (``BLAS/threadCount``), else one after
    /// another on this thread. The results are the same either way.
    private func runTowers(phase: Int) {
        guard let workers else { return }
        if BLAS.threadCount > 1 {
            BLAS.withSingleThread { workers.run(phase: phase) }
        } else {
            for tower in phase == 0 ? program.towerForward : program.towerBackward {
                for step in tower { step() }
            }
        }
    }

    /// One job per tower, each running its closures in order.
    private static func jobs(_ towers: [[() -> Void]]) -> [() -> Void] {
        towers.map { steps in { for s in steps { s() } } }
    }

    /// The backward passes in eager `backward()`'s order, so a replay is
    /// bit-identical to eager execution.
    private static func backwardOrder(of loss: Tensor<Loss>, instructions: [Instruction]) -> [() -> Void] {
        var index: [ObjectIdentifier: Int] = [:]
        for (i, instruction) in instructions.enumerated() { index[instruction.outputID] = i }
        return loss.topologicalOrder().reversed().compactMap { t in
            guard t.node != nil else { return nil }
            guard let i = index[ObjectIdentifier(t)] else {
                fail("captured graph: the operation producing a tensor of shape \(t.shape) was not recorded")
            }
            return instructions[i].backward
        }
    }
}

/// How a recorded step's operations split into towers that can run at the same
/// time: the operations before the first tower, each tower's, and those after
/// the last; or why they cannot.
struct TowerSchedule {
    var prefix: [Int] = []
    var towers: [[Int]] = []
    var suffix: [Int] = []
    var parallel = false
    var reason: String?

    init(_ instructions: [Instruction], separateTowers: Bool) {
        let marked = instructions.indices.filter { instructions[$0].tower != nil }
        guard let first = marked.first, let last = marked.last else { return }
        guard separateTowers else {
            reason = "towers were captured without separate gradient buffers"
            return
        }
        if let outside = (first...last).first(where: { instructions[$0].tower == nil }) {
            reason = "operation \(instructions[outside].name) runs outside the towers, between them"
            return
        }
        let ids = Set(marked.compactMap { instructions[$0].tower })
        guard ids.count > 1 else {
            reason = "only one tower was marked"
            return
        }
        // What computed each tensor (an assignment writes into a tensor it did not make).
        var producer: [ObjectIdentifier: Int] = [:]
        for (i, instruction) in instructions.enumerated() where !instruction.hasSideEffect {
            producer[instruction.outputID] = i
        }
        var gradientWriter: [ObjectIdentifier: Int] = [:]
        for i in first...last {
            let instruction = instructions[i], tower = instruction.tower!
            if instruction.hasSideEffect {
                reason = "operation \(instruction.name) in a tower writes to a tensor outside it"
                return
            }
            for input in instruction.inputs {
                if let j = producer[input], j >= first, instructions[j].tower != tower {
                    reason =
                        "operation \(instruction.name) reads the output of \(instructions[j].name), in another tower"
                    return
                }
            }
            for input in instruction.gradientInputs {
                if let other = gradientWriter.updateValue(tower, forKey: input), other != tower {
                    reason =
                        "towers \(min(other, tower)) and \(max(other, tower)) both send gradients to one tensor "
                        + "(read by \(instruction.name)): shared weights must be read through their variables"
                    return
                }
            }
        }
        prefix = Array(0..<first)
        suffix = Array((last + 1)..<instructions.count)
        towers = ids.sorted().map { id in (first...last).filter { instructions[$0].tower == id } }
        parallel = true
    }
}
