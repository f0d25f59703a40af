public import TowersCore

/// The current task's store, or an error naming what was requested.
func currentStore(for name: String) throws(VariableError) -> VariableStore {
    guard let c = ScopeContext.current else { throw .noCurrentStore(name: name) }
    return c.store
}

/// `getVariable` on the current task's store (inside `store.variableScope` or
/// `store.asDefault`).
///
/// ```swift
/// try store.variableScope("dense") {
///     let kernel: Variable<Float> = try getVariable("kernel", shape: [64, 32])
/// }
/// ```
@_specialize(where T == Float)
@_specialize(where T == Double)
public func getVariable<T: TensorElement>(
    _ name: String, shape: [Int?]? = nil, dtype: T.Type = T.self, initializer: Initializer? = nil,
    initialValue: Tensor<T>? = nil, trainable: Bool? = nil, regularizer: Regularizer? = nil,
    collections: [CollectionKey]? = nil, customGetter: CustomGetter? = nil
) throws -> Variable<T> {
    try currentStore(for: name).getVariable(
        name, shape: shape, dtype: dtype, initializer: initializer, initialValue: initialValue, trainable: trainable,
        regularizer: regularizer, collections: collections, customGetter: customGetter)
}

/// `getVariableValue` on the current task's store: what the custom getters
/// return (the variable's value, or a tensor derived from it). The form layers use.
///
/// ```swift
/// let kernel: Tensor<Float> = try getVariableValue("kernel", shape: [64, 32])
/// ```
@_specialize(where T == Float)
@_specialize(where T == Double)
public func getVariableValue<T: TensorElement>(
    _ name: String, shape: [Int?]? = nil, dtype: T.Type = T.self, initializer: Initializer? = nil,
    initialValue: Tensor<T>? = nil, trainable: Bool? = nil, regularizer: Regularizer? = nil,
    collections: [CollectionKey]? = nil, customGetter: CustomGetter? = nil
) throws -> Tensor<T> {
    try currentStore(for: name).getVariableValue(
        name, shape: shape, dtype: dtype, initializer: initializer, initialValue: initialValue, trainable: trainable,
        regularizer: regularizer, collections: collections, customGetter: customGetter)
}

/// Type-erased `getVariable` on the current task's store, with the scope's dtype.
public func getVariable(
    _ name: String, shape: [Int?]? = nil, initializer: Initializer? = nil, trainable: Bool? = nil,
    regularizer: Regularizer? = nil, collections: [CollectionKey]? = nil, customGetter: CustomGetter? = nil
) throws -> any AnyVariable {
    try currentStore(for: name).getVariable(
        name, shape: shape, initializer: initializer, trainable: trainable, regularizer: regularizer,
        collections: collections, customGetter: customGetter)
}

/// `getLocalVariable` on the current task's store (TF's `tf.get_local_variable`).
public func getLocalVariable<T: TensorElement>(
    _ name: String, shape: [Int?]? = nil, dtype: T.Type = T.self, initializer: Initializer? = nil,
    regularizer: Regularizer? = nil, collections: [CollectionKey]? = nil, customGetter: CustomGetter? = nil
) throws -> Variable<T> {
    try currentStore(for: name).getLocalVariable(
        name, shape: shape, dtype: dtype, initializer: initializer, regularizer: regularizer,
        collections: collections, customGetter: customGetter)
}

/// `variable(_:name:)` on the current task's store.
public func variable<T: TensorElement>(
    _ initialValue: Tensor<T>, name: String? = nil, trainable: Bool = true, collections: [CollectionKey]? = nil
)
    throws -> Variable<T>
{
    try currentStore(for: name ?? "Variable").variable(
        initialValue, name: name, trainable: trainable, collections: collections)
}

/// A nested scope in the current task's store (see ``VariableStore``'s method).
@discardableResult
public func variableScope<R>(
    _ name: String?, default defaultName: String? = nil, reuse: ReuseMode? = nil, initializer: Initializer? = nil,
    regularizer: Regularizer? = nil, dtype: DType? = nil, trainable: Bool? = nil, customGetter: CustomGetter? = nil,
    auxiliaryNameScope: Bool = true, _ body: () throws -> R
) throws -> R {
    try currentStore(for: name ?? defaultName ?? "").variableScope(
        name, default: defaultName, reuse: reuse, initializer: initializer, regularizer: regularizer, dtype: dtype,
        trainable: trainable, customGetter: customGetter, auxiliaryNameScope: auxiliaryNameScope, body)
}

/// A name scope in the current task's store (see ``VariableStore/nameScope(_:_:)-(_,(String)->R)``).
@discardableResult
public func nameScope<R>(_ name: String, _ body: () throws -> R) throws -> R {
    try currentStore(for: name).nameScope(name, body)
}

/// Turns reuse on for the current scope object in the current task's store.
public func reuseVariables() throws {
    try currentStore(for: "reuseVariables").reuseVariables()
}

/// The current task's store, if it is inside one.
public var currentVariableStore: VariableStore? { ScopeContext.current?.store }
