import TowersCore

/// The name of a collection of variables (TF's graph collections, `GraphKeys`).
///
/// A new variable joins ``global`` unless a `collections:` argument says
/// otherwise, and ``trainable`` when it is trainable; ``VariableStore/getLocalVariable(_:shape:dtype:initializer:regularizer:collections:customGetter:)``
/// puts it in ``local``. Any other name is a collection of the user's.
///
/// ```swift
/// let v: Variable<Float> = try store.getVariable("ema", shape: [4], collections: [.global, "averages"])
/// store.collection(named: "averages")   // [ema]
/// ```
public struct CollectionKey: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    /// TF's `GLOBAL_VARIABLES` (`"variables"`): what checkpoints save by default.
    public static let global = CollectionKey(rawValue: "variables")
    /// TF's `LOCAL_VARIABLES` (`"local_variables"`): per-process state, not saved.
    public static let local = CollectionKey(rawValue: "local_variables")
    /// TF's `TRAINABLE_VARIABLES` (`"trainable_variables"`): what optimizers update.
    public static let trainable = CollectionKey(rawValue: "trainable_variables")

    public var description: String { rawValue }

    /// What a new variable joins unless told otherwise (kept to allocate nothing per call).
    static let defaultCollections: [CollectionKey] = [.global]
}

extension VariableStore {
    /// The variables in the collection `key`, in the order they joined it.
    ///
    /// ```swift
    /// let averages = store.collection(named: "averages")
    /// ```
    public func collection(named key: CollectionKey) -> [any AnyVariable] {
        state.withLock { $0.collections[key] ?? [] }
    }

    /// The variables of the collection `key` whose names start with `scope`, as
    /// plain text (TF's `get_collection(key, scope)`): `"tower"` matches
    /// `tower_1/e`, `"tower/"` does not. `nil` or `""`: all of them.
    public func collection(named key: CollectionKey, scope: String?) -> [any AnyVariable] {
        let all = collection(named: key)
        guard let scope, !scope.isEmpty else { return all }
        return all.filter { $0.name.hasPrefix(scope) }
    }

    /// Adds `variable` to the collection `key` (TF's `tf.add_to_collection`),
    /// unless it is in it already.
    public func addToCollection(_ variable: any AnyVariable, named key: CollectionKey) {
        state.withLock { s in
            if s.collections[key]?.contains(where: { $0 === variable }) != true {
                s.collections[key, default: []].append(variable)
            }
        }
    }

    /// The global variables (TF's `tf.global_variables()`), in creation order:
    /// what checkpoints save. Local variables and variables created with
    /// other `collections:` are not among them.
    public var globalVariables: [any AnyVariable] { collection(named: .global) }

    /// The trainable variables (TF's `tf.trainable_variables()`), in creation order.
    public var trainableVariables: [any AnyVariable] { collection(named: .trainable) }

    /// The local variables (TF's `tf.local_variables()`), in creation order.
    public var localVariables: [any AnyVariable] { collection(named: .local) }

    /// The global variables whose names start with `scope` (plain text, see
    /// ``collection(named:scope:)``).
    ///
    /// ```swift
    /// store.trainableVariables(scope: "tower")    // tower/… and tower_1/…
    /// store.trainableVariables(scope: "tower/")   // tower/… only
    /// ```
    public func globalVariables(scope: String?) -> [any AnyVariable] { collection(named: .global, scope: scope) }
    /// The trainable variables whose names start with `scope` (plain text).
    public func trainableVariables(scope: String?) -> [any AnyVariable] {
        collection(named: .trainable, scope: scope)
    }
    /// The local variables whose names start with `scope` (plain text).
    public func localVariables(scope: String?) -> [any AnyVariable] { collection(named: .local, scope: scope) }
}
