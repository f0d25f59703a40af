public import Foundation

/// Training stopped on purpose.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The loss became NaN or infinite. Its update was not applied; the last
    /// checkpoint written before it (if any) is left as it was.
    case nonFiniteLoss(step: Int, value: Double, lastGoodCheckpoint: URL?)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let step, let value, let checkpoint):
            let kept =
                checkpoint.map { "; the last good checkpoint is \($0.path)" } ?? "; no checkpoint was written yet"
            return "loss became \(value) at step \(step); training stopped before applying that update\(kept). "
                + "Lower the learning rate or set clipNorm."
        }
    }
}
