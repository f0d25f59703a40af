public import Foundation

/// Why distributed training stopped.
///
/// Most cases are thrown by **every** rank at the same point, with the same
/// message (``isCollective``): the ranks found the problem together (a model
/// that differs, a NaN loss on some rank, weights that diverged, a checkpoint
/// rank 0 could not write or read). The others concern this process alone.
///
/// ```swift
/// do {
///     try parallel.start()
/// } catch let error as DistributedError {
///     print(error)   // ranks do not hold the same model: 'tower/dense_2/kernel' is [64, 16] Float32 on rank 1 …
/// }
/// ```
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// An MPI call failed on this rank.
    case mpi(call: String, code: Int32, message: String)
    /// The MPI library cannot give what Towers needs (thread support), or was finalized.
    case unavailable(reason: String)
    /// An option out of range (`collectiveTimeout`, `fusionBytes`).
    case invalidOption(name: String, message: String)
    /// The ranks built different models: `difference` names the first variable,
    /// in name order, that differs between rank 0 and the lowest rank that differs.
    case modelMismatch(rank: Int, difference: String)
    /// The loss of `step` was NaN or infinite on `ranks` (with their `losses`); no
    /// update was applied on any rank.
    case nonFiniteLoss(step: Int, ranks: [Int], losses: [Float], lastGoodCheckpoint: URL?)
    /// The ranks' copies of `variable` are no longer bit-identical: `ranks` differ from rank 0.
    case diverged(step: Int, variable: String, ranks: [Int])
    /// Rank 0 could not do `operation` (write or read a checkpoint); every rank stops.
    case rootFailed(operation: String, message: String)
    /// The trainable variables changed after ``DataParallel/start()``.
    case variablesChanged(detail: String)

    /// Whether every rank throws this error at the same point (the job can then
    /// end in order, with `MPI_Finalize`), rather than this rank alone.
    public var isCollective: Bool {
        switch self {
        case .modelMismatch, .nonFiniteLoss, .diverged, .rootFailed: true
        case .mpi, .unavailable, .invalidOption, .variablesChanged: false
        }
    }

    public var description: String {
        switch self {
        case .mpi(let call, let code, let message):
            return "\(call) failed with MPI error \(code): \(message)"
        case .unavailable(let reason):
            return "MPI is not usable: \(reason)"
        case .invalidOption(let name, let message):
            return "\(name) \(message)"
        case .modelMismatch(_, let difference):
            return "ranks do not hold the same model: \(difference); every rank must build the same variables "
                + "(names, shapes and dtypes) before training"
        case .nonFiniteLoss(let step, let ranks, let losses, let checkpoint):
            let list = zip(ranks, losses).map { "rank \($0.0): \($0.1)" }.joined(separator: ", ")
            return "loss became non-finite at step \(step) (\(list)); no rank applied that update"
                + (checkpoint.map { "; the last good checkpoint \($0.path) was kept" }
                    ?? "; no checkpoint was written yet") + ". Lower the learning rate or clip the gradients."
        case .diverged(let step, let variable, let ranks):
            let names = ranks.map { "rank \($0)" }.joined(separator: ", ")
            return "at step \(step) the ranks' weights are no longer identical: '\(variable)' on \(names) "
                + "differs from rank 0's (a rank changed its variables outside the optimizer step)"
        case .rootFailed(let operation, let message):
            return "rank 0 could not \(operation): \(message)"
        case .variablesChanged(let detail):
            return "the trainable variables changed after DataParallel.start(): \(detail); every rank must create "
                + "its variables before start()"
        }
    }
}
