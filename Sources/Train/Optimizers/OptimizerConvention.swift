import TowersCore
import Variables

/// Which framework's formula an optimizer follows where PyTorch and TF1 differ
/// (``Adam`` and ``AdamW``: where epsilon goes; ``RMSProp``: epsilon, the
/// initial mean square and where the learning rate enters the momentum).
///
/// ```swift
/// let adam = try Adam(store: store, learningRate: .constant(1e-3), convention: .tf1)   // TF1's ε̂
/// ```
public enum OptimizerConvention: Sendable, Hashable, CustomStringConvertible {
    /// PyTorch's `torch.optim` formulas (the default).
    case pytorch
    /// TensorFlow 1's `tf.compat.v1.train` formulas.
    case tf1

    public var description: String { self == .pytorch ? "pytorch" : "tf1" }
}

/// A non-trainable scalar variable of a float type, read and updated as `Double`
/// (Adam's `beta1_power`).
struct ScalarVariable {
    let variable: any AnyVariable

    var value: Double {
        if let t = variable.tensor(as: Float.self) { return Double(t.storage.base[0]) }
        if let t = variable.tensor(as: Double.self) { return t.storage.base[0] }
        return .nan
    }

    func multiply(by factor: Double) {
        if let t = variable.tensor(as: Float.self) { t.storage.base[0] *= Float(factor) }
        if let t = variable.tensor(as: Double.self) { t.storage.base[0] *= factor }
    }
}
