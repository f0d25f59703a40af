import TowersCore

/// One entry into a scope: the scope (whose reuse `reuseVariables()` may turn on)
/// and how many times each child scope was opened during this entry (for default
/// names). Leaving the scope drops the entry, and with it the counts.
final class ScopeEntry: Sendable {
    private struct State {
        var scope: VariableScope
        var childCounts: [String: Int] = [:]
    }
    private let state: Locked<State>

    init(scope: VariableScope) { state = Locked(State(scope: scope)) }

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

/// The store and scope entry the current task builds into, and the context it
/// was entered from. Each store keeps its own current scope while another store's
/// scope is entered inside it (TF: one scope stack per graph).
final class ScopeContext: Sendable {
    let store: VariableStore
    let entry: ScopeEntry
    /// The context this one was entered from (`nil` outside any store).
    let outer: ScopeContext?

    init(store: VariableStore, entry: ScopeEntry, outer: ScopeContext?) {
        self.store = store
        self.entry = entry
        self.outer = outer
    }

    /// The innermost entry of `store` in this chain, if the task is inside it.
    func entry(for store: VariableStore) -> ScopeEntry? {
        var context: ScopeContext? = self
        while let c = context {
            if c.store === store { return c.entry }
            context = c.outer
        }
        return nil
    }

    @TaskLocal static var current: ScopeContext?
}

/// Labels the variable uses recorded by the store (for sharing reports): set by
/// tower helpers around each tower's build.
public enum VariableUse {
    /// The label recorded with every `getVariable` in this task, e.g. `"tower 1"`.
    @TaskLocal public static var label: String?
}
