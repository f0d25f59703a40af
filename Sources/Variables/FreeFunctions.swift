public import TowersCore

/// The current task's store, or an error naming what was requested.
func currentStore(for name: String) throws(VariableError) -> VariableStore {
    guard let c = ScopeContext.current else { throw .noCurrentStore(name: name) }
    return c.store
}

/// `getVariable` on the current task's store (inside `store.variableScope` or
/// `store.asDefault`): the form layers use.
///
/// ```swift
/// try store.variableScope("dense") {
///     let kernel: Variable<Float> = try getVariable("kernel", shape: [64, 32])
/// }
/// ```
@_specialize(where T == Float)
@_specialize(where T == Double)
public func getVariable<T: TensorElement>(
    _ name: String, shape: [Int]? = nil, dtype: T.Type = T.self, initializer: Initializer? = nil,
    initialValue: Tensor<T>? = nil, trainable: Bool? = nil, regularizer: Regularizer? = nil,
    customGetter: CustomGetter? = nil
) throws -> Variable<T> {
    try currentStore(for: name).getVariable(
        name, shape: shape, dtype: dtype, initializer: initializer, initialValue: initialValue, trainable: trainable,
        regularizer: regularizer, customGetter: customGetter)
}

/// Type-erased `getVariable` on the current task's store, with the scope's dtype.
public func getVariable(
    _ name: String, shape: [Int]? = nil, initializer: Initializer? = nil, trainable: Bool? = nil,
    regularizer: Regularizer? = nil, customGetter: CustomGetter? = nil
) throws -> any AnyVariable {
    try currentStore(for: name).getVariable(
        name, shape: shape, initializer: initializer, trainable: trainable, regularizer: regularizer,
        customGetter: customGetter)
}

/// `variable(_:name:)` on the current task's store.
public func variable<T: TensorElement>(
    _ initialValue: Tensor<T>, name: String? = nil, trainable: Bool = true
)
    throws -> Variable<T>
{
    try currentStore(for: name ?? "Variable").variable(initialValue, name: name, trainable: trainable)
}

/// A nested scope in the current task's store (see ``VariableStore``'s method).
@discardableResult
public func variableScope<R>(
    _ name: String?, default defaultName: String? = nil, reuse: ReuseMode? = nil, initializer: Initializer? = nil,
    regularizer: Regularizer? = nil, dtype: DType? = nil, trainable: Bool? = nil, customGetter: CustomGetter? = nil,
    _ body: () throws -> R
) throws -> R {
    try currentStore(for: name ?? defaultName ?? "").variableScope(
        name, default: defaultName, reuse: reuse, initializer: initializer, regularizer: regularizer, dtype: dtype,
        trainable: trainable, customGetter: customGetter, body)
}

/// Turns reuse on for the rest of the current scope in the current task's store.
public func reuseVariables() throws {
    try currentStore(for: "reuseVariables").reuseVariables()
}

/// The current task's store, if it is inside one.
public var currentVariableStore: VariableStore? { ScopeContext.current?.store }
