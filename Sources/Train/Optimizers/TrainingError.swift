public import Foundation

/// Training stopped on purpose.
///
/// ```swift
/// do {
///     try run.step(lastGoodCheckpoint: url)
/// } catch let error as TrainingError {
///     print(error)   // "weights became non-finite at step 12 (first: tower/dense/kernel) ..."
/// }
/// ```
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The loss became NaN or infinite. Its update was not applied; the last
    /// checkpoint written before it (if any) is left as it was.
    case nonFiniteLoss(step: Int, value: Double, lastGoodCheckpoint: URL?)
    /// An update made a weight or an optimizer slot NaN or infinite; `variable` is
    /// the first such. The weights in memory are unusable (``Checkpoint/save(_:to:metadata:variables:)``
    /// refuses them); the last checkpoint written before it (if any) is left as it was.
    case nonFiniteWeights(step: Int, variable: String, lastGoodCheckpoint: URL?)

    public var description: String {
        description(advice: "Lower the learning rate or clip gradients (the optimizer's clipNorm).")
    }

    /// The message with other advice at its end, for example in a command-line
    /// tool's terms.
    ///
    /// ```swift
    /// print(error.description(advice: "Lower --learning-rate or set --clip-norm."))
    /// ```
    public func description(advice: String) -> String {
        switch self {
        case .nonFiniteLoss(let step, let value, let checkpoint):
            return "loss became \(value) at step \(step); training stopped before applying that update"
                + "\(Self.kept(checkpoint)). \(advice)"
        case .nonFiniteWeights(let step, let variable, let checkpoint):
            return "weights became non-finite at step \(step) (first: \(variable)); training stopped"
                + "\(Self.kept(checkpoint)). \(advice)"
        }
    }

    /// The same error naming `checkpoint` as the last good one.
    func with(lastGoodCheckpoint checkpoint: URL?) -> TrainingError {
        switch self {
        case .nonFiniteLoss(let step, let value, _):
            return .nonFiniteLoss(step: step, value: value, lastGoodCheckpoint: checkpoint)
        case .nonFiniteWeights(let step, let variable, _):
            return .nonFiniteWeights(step: step, variable: variable, lastGoodCheckpoint: checkpoint)
        }
    }

    private static func kept(_ checkpoint: URL?) -> String {
        checkpoint.map { "; the last good checkpoint \($0.path) was kept" } ?? "; no checkpoint was written yet"
    }
}
