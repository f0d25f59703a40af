/// Whether `getVariable` may return existing variables in a scope.
///
/// A scope's reuse is tri-state: `nil` (not set: inherited from the parent, off
/// at the root), ``reuse`` (variables must exist) or ``autoReuse`` (created when
/// missing, else the same object returned). Reuse can be turned on in a nested
/// scope but never off again.
///
/// ```swift
/// try store.variableScope("tower", reuse: .autoReuse) { try tower(x) }
/// ```
public enum ReuseMode: Sendable, Hashable, CustomStringConvertible {
    /// `reuse=True`: every `getVariable` must find an existing variable.
    case reuse
    /// `reuse=AUTO_REUSE`: create on first use, return the same variable after.
    case autoReuse

    public var description: String { self == .reuse ? "reuse" : "autoReuse" }
}
