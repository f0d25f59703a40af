public import TowersCore

/// A penalty on a variable's value, added to the store's regularization losses
/// once, when the variable is created (reusing it adds nothing).
///
/// ```swift
/// try store.variableScope("tower", regularizer: .l2(1e-4)) { ... }
/// let penalty = try store.regularizationLoss(Float.self)   // Σ 1e-4 · ‖w‖²
/// ```
public struct Regularizer: Sendable, CustomStringConvertible {
    /// A short name for reports (`l2(0.0001)`).
    public let name: String
    private let function: any RegularizerFunction

    /// Whether this is ``noRegularizer``.
    let isNone: Bool

    /// A regularizer from any ``RegularizerFunction``.
    public init(name: String, _ function: any RegularizerFunction) {
        self.name = name
        self.function = function
        isNone = false
    }

    private init(none: ()) {
        name = "noRegularizer"
        function = L1L2(l1: 0, l2: 0)
        isNone = true
    }

    /// No regularization (TF's `tf.no_regularizer`): given to a call or a scope,
    /// it turns off the regularizer the scope would otherwise apply.
    ///
    /// ```swift
    /// try store.variableScope("net", regularizer: .l2(1e-4)) {
    ///     let bias: Variable<Float> = try getVariable("bias", shape: [8], regularizer: .noRegularizer)
    /// }
    /// ```
    public static let noRegularizer = Regularizer(none: ())

    /// The penalty for `value` (differentiable, a scalar tensor).
    public func callAsFunction<T: TensorScalar>(_ value: Tensor<T>) -> Tensor<T> { function.penalty(value) }

    /// `scale · Σ w²` (Keras' `l2`; TF1's `l2_regularizer` is `scale · Σ w² / 2`).
    public static func l2(_ scale: Double) -> Regularizer { Regularizer(name: "l2(\(scale))", L1L2(l1: 0, l2: scale)) }
    /// `scale · Σ |w|`.
    public static func l1(_ scale: Double) -> Regularizer { Regularizer(name: "l1(\(scale))", L1L2(l1: scale, l2: 0)) }
    /// `l1 · Σ |w| + l2 · Σ w²`.
    public static func l1l2(l1: Double, l2: Double) -> Regularizer {
        Regularizer(name: "l1l2(\(l1), \(l2))", L1L2(l1: l1, l2: l2))
    }

    public var description: String { name }
}

/// A penalty function generic over the element type.
public protocol RegularizerFunction: Sendable {
    func penalty<T: TensorScalar>(_ value: Tensor<T>) -> Tensor<T>
}

struct L1L2: RegularizerFunction {
    var l1: Double
    var l2: Double
    func penalty<T: TensorScalar>(_ w: Tensor<T>) -> Tensor<T> {
        switch (l1 != 0, l2 != 0) {
        case (true, true): return w.abs().sum().scaled(by: T(l1)) + w.squared().sum().scaled(by: T(l2))
        case (true, false): return w.abs().sum().scaled(by: T(l1))
        default: return w.squared().sum().scaled(by: T(l2))
        }
    }
}

/// One entry of the regularization-losses collection: the variable and the
/// regularizer that penalises it. The loss is recomputed from the variable's
/// current value each time it is asked for, so it is differentiable every step.
public struct RegularizationTerm: Sendable {
    public let variable: any AnyVariable
    public let regularizer: Regularizer

    /// The loss's name, as TF names it: the variable's key (its name for a
    /// variable without one) + `/Regularizer` (`dense/kernel/Regularizer`).
    public var name: String { (variable.key ?? variable.name) + "/Regularizer" }

    /// The penalty now, for a variable of element type `T` (`nil` otherwise).
    public func loss<T: TensorScalar>(_ type: T.Type) -> Tensor<T>? {
        variable.tensor(as: T.self).map { regularizer($0) }
    }
}
