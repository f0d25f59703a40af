/// Whether the two inputs of a pair belong together: the label of contrastive
/// losses, as a type instead of an ambiguous 0/1.
///
/// ```swift
/// let labels: [PairLabel] = [.same, .different]
/// ```
public enum PairLabel: Sendable, Hashable, CustomStringConvertible {
    /// Same class: the loss pulls the embeddings together.
    case same
    /// Different classes: the loss pushes the embeddings at least a margin apart.
    case different

    public var description: String { self == .same ? "same" : "different" }
}
