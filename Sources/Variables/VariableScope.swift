public import TowersCore

/// What a `getVariable` call asks for, after the scope's defaults are applied.
/// Custom getters receive it and may change it before calling the next getter.
public struct GetterRequest: Sendable {
    /// The full key: scope name + "/" + name (`tower/dense/kernel`).
    public var key: String
    /// `nil` only when reusing (a new variable needs a shape).
    public var shape: [Int]?
    public var dtype: DType
    /// `nil`: the default (Glorot uniform).
    public var initializer: Initializer?
    public var trainable: Bool
    public var regularizer: Regularizer?
    /// The reuse in force in the scope of the call.
    public var reuse: ReuseMode?
}

/// A custom getter: called for every `getVariable` in its scope with the
/// request and the next getter in the chain (the parent scope's getter, and at the
/// end the store's own). It returns a variable, usually `try next(request)`.
///
/// ```swift
/// let countingGetter: CustomGetter = { request, next in
///     print("getVariable", request.key)
///     return try next(request)
/// }
/// ```
public typealias CustomGetter =
    @Sendable (_ request: GetterRequest, _ next: (GetterRequest) throws -> any AnyVariable) throws -> any AnyVariable

/// A variable scope: a name prefix plus the defaults that `getVariable` calls
/// inside it use (reuse, initializer, regularizer, dtype, trainable, custom
/// getter). The body of ``VariableStore/variableScope(_:default:reuse:initializer:regularizer:dtype:trainable:customGetter:_:)-(_,_,_,_,_,_,_,_,(VariableScope)->R)``
/// receives a copy, which can be entered again later to reuse its variables.
///
/// ```swift
/// let tower = try store.variableScope("tower") { scope in scope }
/// try store.variableScope(tower, reuse: .reuse) { ... }   // same prefix, anywhere
/// ```
public struct VariableScope: Sendable, CustomStringConvertible {
    /// The full name (`tower/dense`), empty at the root.
    public let name: String
    /// `nil`: off (at the root) or inherited. Never switched off by a nested scope.
    public internal(set) var reuse: ReuseMode?
    public internal(set) var initializer: Initializer?
    public internal(set) var regularizer: Regularizer?
    /// The element type `getVariable` uses when the call does not fix one.
    public internal(set) var dtype: DType?
    public internal(set) var trainable: Bool?
    /// The composed getter chain of this scope and its parents.
    public internal(set) var customGetter: CustomGetter?

    /// The root scope: empty name, reuse off, Float32, no initializer.
    public static let root = VariableScope(name: "")

    init(
        name: String, reuse: ReuseMode? = nil, initializer: Initializer? = nil, regularizer: Regularizer? = nil,
        dtype: DType? = nil, trainable: Bool? = nil, customGetter: CustomGetter? = nil
    ) {
        self.name = name
        self.reuse = reuse
        self.initializer = initializer
        self.regularizer = regularizer
        self.dtype = dtype
        self.trainable = trainable
        self.customGetter = customGetter
    }

    /// The scope the current task is in for its current store (the root when none).
    public static var current: VariableScope {
        ScopeContext.current?.entry.scope ?? .root
    }

    public var description: String {
        "VariableScope('\(name)', reuse: \(reuse.map { "\($0)" } ?? "off"))"
    }

    /// `name` + "/" + `child`, or `child` at the root.
    func qualify(_ child: String) -> String { name.isEmpty ? child : name + "/" + child }
}
