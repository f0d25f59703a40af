import TowersCore

/// An optimizer option or state that ``SGD`` cannot use.
///
/// ```swift
/// do {
///     _ = try SGD(store: store, learningRate: .constant(0.1), clipNorm: -1)
/// } catch let error as SGDError {
///     print(error)   // "SGD: clipNorm -1.0 is not allowed: it must be a finite number > 0"
/// }
/// ```
public enum SGDError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An option outside its allowed range.
    case invalidOption(name: String, value: Double, allowed: String)
    /// `nesterov: true` with a momentum of 0.
    case nesterovWithoutMomentum
    /// `global_step` holds a value that is not a step count.
    case invalidGlobalStep(Double)

    public var description: String {
        switch self {
        case .invalidOption(let name, let value, let allowed):
            return "SGD: \(name) \(value) is not allowed: it must be \(allowed)"
        case .nesterovWithoutMomentum:
            return "SGD: Nesterov momentum needs momentum > 0"
        case .invalidGlobalStep(let value):
            return "SGD: global_step is \(value), not a whole number in 0...2^53"
        }
    }

    /// Throws ``invalidOption(name:value:allowed:)`` unless `value` is finite and passes `isAllowed`.
    static func check(_ name: String, _ value: Double, allowed: String, _ isAllowed: (Double) -> Bool) throws {
        guard value.isFinite, isAllowed(value) else {
            throw SGDError.invalidOption(name: name, value: value, allowed: allowed)
        }
    }

    /// `value` as a step count: a whole number in 0...2⁵³ (exact in `Double`).
    static func stepCount(_ value: Double) -> Int? {
        guard value >= 0, value <= 9_007_199_254_740_992, value == value.rounded(.towardZero) else { return nil }
        return Int(value)
    }
}

extension LearningRateSchedule {
    /// Throws ``SGDError/invalidOption(name:value:allowed:)`` for a rate that is
    /// negative or not finite, a non-positive factor or period, or a cosine schedule
    /// without steps.
    ///
    /// ```swift
    /// try LearningRateSchedule.constant(.nan).validate()   // throws
    /// ```
    public func validate() throws {
        let rate = "a finite number ≥ 0"
        switch self {
        case .constant(let r):
            try SGDError.check("learningRate", r, allowed: rate) { $0 >= 0 }
        case .step(let initial, let factor, let every):
            try SGDError.check("learningRate", initial, allowed: rate) { $0 >= 0 }
            try SGDError.check("learningRate factor", factor, allowed: "a finite number > 0") { $0 > 0 }
            try SGDError.check("learningRate every", Double(every), allowed: "at least 1 step") { $0 >= 1 }
        case .cosine(let initial, let totalSteps, let minimum):
            try SGDError.check("learningRate", initial, allowed: rate) { $0 >= 0 }
            try SGDError.check("learningRate minimum", minimum, allowed: rate) { $0 >= 0 }
            try SGDError.check("learningRate totalSteps", Double(totalSteps), allowed: "at least 1 step") { $0 >= 1 }
        }
    }
}

extension Tensor where Scalar: FloatingPoint {
    /// Whether every element is finite (no NaN, no infinity).
    var allFinite: Bool {
        withUnsafeBufferPointer { buffer in
            // x · 0 is 0 for finite x and NaN otherwise; the sum vectorises, with no branch.
            var probe = Scalar.zero
            for x in buffer { probe += x * .zero }
            return probe == .zero
        }
    }
}
