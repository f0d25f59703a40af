import Foundation

/// The learning rate as a function of the step (0-based).
///
/// ```swift
/// let schedule = LearningRateSchedule.cosine(initial: 0.05, totalSteps: 3000, minimum: 0.001)
/// schedule.rate(at: 1500)   // ≈ 0.0255
/// ```
public enum LearningRateSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The same rate at every step.
    case constant(Double)
    /// `initial · factor^⌊step / every⌋` (TF's staircase exponential decay, PyTorch's `StepLR`).
    case step(initial: Double, factor: Double, every: Int)
    /// Cosine decay from `initial` to `minimum` over `totalSteps`, then `minimum`.
    case cosine(initial: Double, totalSteps: Int, minimum: Double = 0)

    public func rate(at step: Int) -> Double {
        switch self {
        case .constant(let r): return r
        case .step(let initial, let factor, let every):
            return initial * pow(factor, Double(step / Swift.max(every, 1)))
        case .cosine(let initial, let total, let minimum):
            guard step < total, total > 0 else { return minimum }
            let progress = Double(step) / Double(total)
            return minimum + (initial - minimum) * 0.5 * (1 + cos(.pi * progress))
        }
    }

    public var description: String {
        switch self {
        case .constant(let r): return "constant(\(r))"
        case .step(let i, let f, let e): return "step(\(i), ×\(f) every \(e))"
        case .cosine(let i, let t, let m): return "cosine(\(i) → \(m) over \(t))"
        }
    }
}
