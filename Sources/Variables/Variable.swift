public import TowersCore

/// What every variable offers without knowing its element type: enough for
/// collections, checkpoints and reports.
public protocol AnyVariable: GetterResult, CustomStringConvertible {
    /// The unique name in its store (`tower/dense/kernel`, `firstvar_2`).
    var name: String { get }
    /// The `getVariable` key, or `nil` for a variable made by `variable(_:name:)`.
    var key: String? { get }
    /// Whether optimizers update it (and gradients flow to it, for `Float` and
    /// `Double` variables).
    var trainable: Bool { get }
    /// The number of elements.
    var parameterCount: Int { get }
}

/// A named, persistent tensor: a model's weight, an optimizer's slot, a counter.
///
/// A variable is one object however many times it is fetched: every tower that
/// uses it reads the same ``value`` tensor, and the gradients of all those uses
/// add up in `value.grad`. Any `TensorElement` works; only `Float` and `Double`
/// variables take gradients (`Int32`, `Int64` and `Bool` ones hold ids, steps and
/// masks; `Float16` and `BFloat16` ones store weights compactly).
///
/// ```swift
/// let w: Variable<Float> = try getVariable("kernel", shape: [64, 128])
/// let y = x.matmul(w.value)
/// ```
public final class Variable<Scalar: TensorElement>: AnyVariable, @unchecked Sendable {
    public let name: String
    public let key: String?
    public let trainable: Bool
    /// The current value; `requiresGrad` is set for trainable variables of a
    /// differentiable type (`Float`, `Double`). Updated in
    /// place by optimizers and checkpoint loading, so references stay valid.
    ///
    /// Inside a captured step with parallel towers, a tower other than the first
    /// reads its own view of the value (same memory, its own gradient buffer).
    public var value: Tensor<Scalar> { storedValue.readInCurrentTower() }
    private let storedValue: Tensor<Scalar>

    init(name: String, key: String?, value: Tensor<Scalar>, trainable: Bool) {
        self.name = name
        self.key = key
        self.trainable = trainable
        self.storedValue = value
        value.requiresGrad = trainable && Scalar.dtype.isDifferentiable
    }

    public var shape: [Int] { storedValue.shape }
    public var dtype: DType { Scalar.dtype }
    public var parameterCount: Int { storedValue.count }
    /// The accumulated gradient of ``value``, if any.
    public var gradient: Tensor<Scalar>? { storedValue.grad }

    public func tensor<T: TensorElement>(as type: T.Type) -> Tensor<T>? { storedValue as? Tensor<T> }

    public var description: String {
        "<Variable '\(name)' shape=\(shape) dtype=\(dtype)\(trainable ? "" : " non-trainable")>"
    }
}
