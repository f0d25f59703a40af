import TowersCore

/// Where the current task builds into a store: its current variable scope object
/// and its current name scope, and the context it was entered from. Each store
/// keeps its own current scopes while another store's scope is entered inside it
/// (TF: one scope stack per graph).
final class ScopeContext: Sendable {
    let store: VariableStore
    /// The current variable scope object (rule 27: the one the body received).
    let scope: VariableScope
    /// The current name scope (`""` at the root).
    let nameScope: NamePath
    /// The context this one was entered from (`nil` outside any store).
    let outer: ScopeContext?

    init(store: VariableStore, scope: VariableScope, nameScope: NamePath, outer: ScopeContext?) {
        self.store = store
        self.scope = scope
        self.nameScope = nameScope
        self.outer = outer
    }

    /// The innermost context of `store` in this chain, if the task is inside it.
    func context(for store: VariableStore) -> ScopeContext? {
        var context: ScopeContext? = self
        while let c = context {
            if c.store === store { return c }
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
