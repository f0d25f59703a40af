import Synchronization

/// One entry into a scope: the scope (whose reuse `reuseVariables()` may turn on)
/// and how many times each child scope was opened during this entry (for default
/// names). Leaving the scope drops the entry, and with it the counts.
final class ScopeEntry: Sendable {
    private struct State {
        var scope: VariableScope
        var childCounts: [String: Int] = [:]
    }
    private let state: Mutex<State>

    init(scope: VariableScope) { state = Mutex(State(scope: scope)) }

    var scope: VariableScope { state.withLock { $0.scope } }

    func turnOnReuse() { state.withLock { $0.scope.reuse = .reuse } }

    /// Records that the child scope `fullName` was opened in this entry.
    func open(_ fullName: String) { state.withLock { $0.childCounts[fullName, default: 0] += 1 } }

    /// `base` if no child scope of that name was opened in this entry, else the
    /// first unused `base_1`, `base_2`, …
    func uniqueChildName(_ base: String) -> String {
        state.withLock { s in
            let full = s.scope.qualify(base)
            if s.childCounts[full, default: 0] == 0 { return base }
            var i = 1
            while s.childCounts["\(full)_\(i)", default: 0] > 0 { i += 1 }
            return "\(base)_\(i)"
        }
    }
}

/// The store and scope entry the current task builds into.
struct ScopeContext: Sendable {
    let store: VariableStore
    let entry: ScopeEntry

    @TaskLocal static var current: ScopeContext?
}

/// Labels the variable uses recorded by the store (for sharing reports): set by
/// tower helpers around each tower's build.
public enum VariableUse {
    /// The label recorded with every `getVariable` in this task, e.g. `"tower 1"`.
    @TaskLocal public static var label: String?
}
