public import TowersCore

/// What a `getVariable` call asks for, after the scope's defaults are applied.
/// Custom getters receive it and may change it before calling the next getter.
public struct GetterRequest: Sendable {
    /// The full key: scope name + "/" + name (`tower/dense/kernel`).
    public var key: String
    /// `nil` or with unknown (`nil`) dimensions only when reusing: a new variable
    /// needs a fully known shape.
    public var shape: [Int?]?
    public var dtype: DType
    /// `nil`: the default (Glorot uniform for floating types, zeros otherwise).
    public var initializer: Initializer?
    public var trainable: Bool
    /// `nil` or ``Regularizer/noRegularizer``: none.
    public var regularizer: Regularizer?
    /// The reuse in force in the scope of the call.
    public var reuse: ReuseMode?
    /// The collections a new variable joins (default `[.global]`; see ``CollectionKey``).
    public var collections: [CollectionKey]
}

/// A custom getter: called for every `getVariable` in its scope with the
/// request and the next getter in the chain (the parent scope's getter, and at the
/// end the store's own). It returns a variable, usually `try next(request)`, or
/// a tensor computed from variables (rule 37): a weight-normalised kernel, a
/// moving average. Layers use whatever the getter returns.
///
/// ```swift
/// let countingGetter: CustomGetter = { request, next in
///     print("getVariable", request.key)
///     return try next(request)
/// }
/// let doubled: CustomGetter = { request, next in
///     let v = try next(request)
///     guard let w = v.value(as: Float.self) else { return v }
///     return w * 2   // layers in this scope see 2·w; gradients reach w
/// }
/// ```
public typealias CustomGetter =
    @Sendable (_ request: GetterRequest, _ next: (GetterRequest) throws -> any GetterResult) throws -> any GetterResult

/// What a ``CustomGetter`` returns: a variable (any ``AnyVariable``) or a
/// tensor derived from variables.
public protocol GetterResult: AnyObject, Sendable {
    /// The element type.
    var dtype: DType { get }
    /// The shape of the value.
    var shape: [Int] { get }
    /// The value as a tensor of `T` (a variable's value, or the derived tensor
    /// itself), or `nil` when the element type differs.
    func tensor<T: TensorElement>(as type: T.Type) -> Tensor<T>?
}

extension GetterResult {
    /// The variable, when this result is one (not a derived tensor).
    public var variable: (any AnyVariable)? { self as? any AnyVariable }

    /// The tensor to compute with: a variable's ``Variable/value`` (inside a
    /// captured step, the current tower's view of it), or the derived tensor
    /// itself; `nil` when the element type differs.
    public func value<T: TensorElement>(as type: T.Type) -> Tensor<T>? {
        if let variable = self as? Variable<T> { return variable.value }
        return tensor(as: T.self)
    }
}

extension Tensor: GetterResult {
    /// The element type (`Scalar.dtype`).
    public var dtype: DType { Scalar.dtype }
    public func tensor<T: TensorElement>(as type: T.Type) -> Tensor<T>? { self as? Tensor<T> }
}
