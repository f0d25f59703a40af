/// Whether the two inputs of a siamese pair share a class: the label of
/// contrastive losses, as a type instead of an ambiguous 0/1.
///
/// ```swift
/// let label: PairLabel = digits.labels[i] == digits.labels[j] ? .same : .different
/// let target: Float = label.target()   // 1 for .same, 0 for .different
/// ```
public enum PairLabel: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Both inputs come from one class.
    case same
    /// The inputs come from different classes.
    case different

    /// The label of a pair with classes `a` and `b`.
    public init(_ a: Int, _ b: Int) {
        self = a == b ? .same : .different
    }

    /// A numeric target for losses: `same` (default 1) or `different` (default 0).
    public func target<T: BinaryFloatingPoint>(same: T = 1, different: T = 0) -> T {
        self == .same ? same : different
    }

    public var description: String { self == .same ? "same" : "different" }
}
