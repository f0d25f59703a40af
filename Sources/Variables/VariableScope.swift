public import TowersCore

/// A variable scope: a name prefix plus the defaults that `getVariable` calls
/// inside it use (reuse, initializer, regularizer, dtype, trainable, custom
/// getter), as TensorFlow 1's `VariableScope` object.
///
/// Each entry of a scope makes one object, and the body receives it: it *is* the
/// current scope while the body runs (``current`` is identical to it). Changing
/// it (``reuseVariables()``, ``setInitializer(_:)``, …) affects the rest of the
/// body, the scopes opened in it afterwards, and every later entry *through
/// this object*; a later entry by name starts from its parent again.
///
/// ```swift
/// let tower = try store.variableScope("tower") { (scope: VariableScope) in
///     let w: Variable<Float> = try getVariable("w", shape: [4, 4])
///     scope.reuseVariables()
///     let same: Variable<Float> = try getVariable("w")   // the same variable
///     return scope
/// }
/// try store.variableScope(tower) { ... }   // tower/…, reuse on, from anywhere
/// ```
public final class VariableScope: Sendable, CustomStringConvertible {
    /// The full name (`tower/dense`), empty at the root.
    public let name: String
    /// The name scope opened by the entry that made this scope, plus `/`
    /// (`tower_1/`); entering by object keeps the captured scope's. Empty at the root.
    public var originalNameScope: String {
        if let originalText { return originalText }
        let name = originalPath.name
        return name.isEmpty ? "" : name + "/"
    }
    /// ``originalNameScope`` as a path, for re-entering it.
    let originalPath: NamePath
    /// An original name scope that is not a path's name plus `/` (TF's scopes
    /// made without entering them keep their local name there).
    private let originalText: String?

    /// The defaults a scope passes to `getVariable` and to the scopes opened in it:
    /// an immutable snapshot, shared by a scope and the scopes opened in it until
    /// one of them gives or sets something else.
    final class Settings: Sendable {
        let reuse: ReuseMode?
        let initializer: Initializer?
        let regularizer: Regularizer?
        let dtype: DType?
        let trainable: Bool?
        let customGetter: CustomGetter?

        init(
            reuse: ReuseMode? = nil, initializer: Initializer? = nil, regularizer: Regularizer? = nil,
            dtype: DType? = nil, trainable: Bool? = nil, customGetter: CustomGetter? = nil
        ) {
            self.reuse = reuse
            self.initializer = initializer
            self.regularizer = regularizer
            self.dtype = dtype
            self.trainable = trainable
            self.customGetter = customGetter
        }

        /// No defaults: the root's.
        static let none = Settings()

        /// These settings with each value given replacing this one's (`self` when none is given).
        func replacing(
            reuse: ReuseMode? = nil, initializer: Initializer? = nil, regularizer: Regularizer? = nil,
            dtype: DType? = nil, trainable: Bool? = nil, customGetter: CustomGetter? = nil
        ) -> Settings {
            if reuse == nil && initializer == nil && regularizer == nil && dtype == nil && trainable == nil
                && customGetter == nil
            {
                return self
            }
            return Settings(
                reuse: reuse ?? self.reuse, initializer: initializer ?? self.initializer,
                regularizer: regularizer ?? self.regularizer, dtype: dtype ?? self.dtype,
                trainable: trainable ?? self.trainable, customGetter: customGetter ?? self.customGetter)
        }

        /// These settings with `body` changing a copy of each field.
        func changing(_ body: (inout Fields) -> Void) -> Settings {
            var f = Fields(
                reuse: reuse, initializer: initializer, regularizer: regularizer, dtype: dtype, trainable: trainable,
                customGetter: customGetter)
            body(&f)
            return Settings(
                reuse: f.reuse, initializer: f.initializer, regularizer: f.regularizer, dtype: f.dtype,
                trainable: f.trainable, customGetter: f.customGetter)
        }

        struct Fields {
            var reuse: ReuseMode?
            var initializer: Initializer?
            var regularizer: Regularizer?
            var dtype: DType?
            var trainable: Bool?
            var customGetter: CustomGetter?
        }
    }

    private struct State {
        var settings: Settings
        /// How often each child scope (by full name) was opened through this object
        /// (rule 6: default names restart in every entry).
        var childCounts: [String: Int] = [:]
    }
    private let state: Locked<State>
    /// The variables of the store this scope belongs to (the store's own state,
    /// not the store: a scope must not keep its store alive through a cycle).
    private let storeState: Locked<VariableStore.State>?

    init(name: String, originalPath: NamePath, settings: Settings, store: VariableStore?) {
        self.name = name
        self.originalPath = originalPath
        originalText = nil
        state = Locked(State(settings: settings))
        storeState = store?.state
    }

    /// A store's root scope (made before the store can be referred to).
    init(name: String, originalPath: NamePath, settings: Settings, state storeState: Locked<VariableStore.State>) {
        self.name = name
        self.originalPath = originalPath
        originalText = nil
        state = Locked(State(settings: settings))
        self.storeState = storeState
    }

    /// A scope whose original name scope is the text `originalNameScope` as is
    /// (TF's scopes made without entering them keep their local name there).
    init(name: String, originalNameScope: String, path: NamePath, settings: Settings, store: VariableStore?) {
        self.name = name
        originalText = originalNameScope
        originalPath = path
        state = Locked(State(settings: settings))
        storeState = store?.state
    }

    /// A root scope attached to no store: empty name, reuse off, no defaults.
    /// Entering it by object jumps to the root of the store that enters it; each
    /// access makes a new object (a store's own root is ``VariableStore/rootScope``).
    public static var root: VariableScope {
        VariableScope(name: "", originalPath: .root, settings: .none, store: nil)
    }

    /// The scope the current task is in for its current store (a detached root
    /// outside any store).
    public static var current: VariableScope {
        ScopeContext.current?.scope ?? .root
    }

    // MARK: Settings

    var settings: Settings { state.withLock { $0.settings } }

    /// `.reuse` or `.autoReuse`; `nil`: off.
    public var reuse: ReuseMode? { state.withLock { $0.settings.reuse } }
    public var initializer: Initializer? { state.withLock { $0.settings.initializer } }
    public var regularizer: Regularizer? { state.withLock { $0.settings.regularizer } }
    /// The element type `getVariable` uses when the call does not fix one.
    public var dtype: DType? { state.withLock { $0.settings.dtype } }
    public var trainable: Bool? { state.withLock { $0.settings.trainable } }
    /// The composed getter chain of this scope and its parents.
    public var customGetter: CustomGetter? { state.withLock { $0.settings.customGetter } }

    /// Turns reuse on (`.reuse`) for this scope object (TF's `reuse_variables()`):
    /// the rest of the body, scopes opened in it afterwards and later entries
    /// through this object reuse.
    public func reuseVariables() { change { $0.reuse = .reuse } }
    /// Replaces the default initializer of this scope object.
    public func setInitializer(_ initializer: Initializer?) { change { $0.initializer = initializer } }
    /// Replaces the default regularizer of this scope object (``Regularizer/noRegularizer`` turns it off).
    public func setRegularizer(_ regularizer: Regularizer?) { change { $0.regularizer = regularizer } }
    /// Replaces the element type the untyped `getVariable` uses in this scope.
    public func setDtype(_ dtype: DType?) { change { $0.dtype = dtype } }
    /// Replaces the trainable default of this scope object.
    public func setTrainable(_ trainable: Bool?) { change { $0.trainable = trainable } }
    /// Replaces this scope object's custom getter chain (TF's `set_custom_getter`).
    public func setCustomGetter(_ getter: CustomGetter?) { change { $0.customGetter = getter } }

    private func change(_ body: (inout Settings.Fields) -> Void) {
        state.withLock { $0.settings = $0.settings.changing(body) }
    }

    // MARK: Variables of the scope

    /// The name filter of this scope's lists: its name plus `/` (everything at the root).
    var listPrefix: String { name.isEmpty ? "" : name + "/" }

    /// The global variables of its store whose names start with this scope's
    /// name plus `/` (TF's `scope.global_variables()`; empty for ``root``).
    public var globalVariables: [any AnyVariable] { collection(named: .global) }
    /// The trainable variables whose names start with this scope's name plus `/`.
    public var trainableVariables: [any AnyVariable] { collection(named: .trainable) }
    /// The local variables whose names start with this scope's name plus `/`.
    public var localVariables: [any AnyVariable] { collection(named: .local) }
    /// The variables of the collection `key` whose names start with this scope's name plus `/`.
    public func collection(named key: CollectionKey) -> [any AnyVariable] {
        let all = storeState?.withLock { $0.collections[key] } ?? []
        let prefix = listPrefix
        return prefix.isEmpty ? all : all.filter { $0.name.hasPrefix(prefix) }
    }

    // MARK: Entries

    /// Records that the child scope `fullName` was opened in this scope.
    func open(_ fullName: String) { state.withLock { $0.childCounts[fullName, default: 0] += 1 } }

    /// `base` if no child scope of that name was opened in this scope, else the
    /// first unused `base_1`, `base_2`, …
    func uniqueChildName(_ base: String) -> String {
        state.withLock { s in
            let full = qualify(base)
            if s.childCounts[full, default: 0] == 0 { return base }
            var i = 1
            while s.childCounts["\(full)_\(i)", default: 0] > 0 { i += 1 }
            return "\(base)_\(i)"
        }
    }

    public var description: String {
        "VariableScope('\(name)', reuse: \(reuse.map { "\($0)" } ?? "off"))"
    }

    /// `name` + "/" + `child`, or `child` at the root.
    func qualify(_ child: String) -> String { name.isEmpty ? child : name + "/" + child }
}
