public import TowersCore
public import Variables

/// Normalises each example over its last dimension, then scales and shifts:
/// `γ · (x − μ) / √(σ² + ε) + β`.
///
/// Named as TF1's `tf.contrib.layers.layer_norm`: default scope `LayerNorm`
/// (`LayerNorm_1`, …), weights `beta`: `[D]`, zeros, then `gamma`: `[D]`, ones
/// (D = the last dimension).
///
/// ```swift
/// let norm = LayerNorm<Float>()
/// let y = try norm(x)    // [B, D] → [B, D]
/// ```
public final class LayerNorm<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "LayerNorm" }
    public let epsilon: Double
    public let trainable: Bool
    public let name: String?
    public let scopeRecord = ScopeRecord()

    public init(epsilon: Double = 1e-5, trainable: Bool = true, name: String? = nil) {
        self.epsilon = epsilon
        self.trainable = trainable
        self.name = name
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        guard x.rank >= 2 else { throw LayerError.shape("[batch, …, features]", got: x.shape) }
        let d = x.shape[x.rank - 1]
        let beta = try weight("beta", [d], initializer: .zeros)
        let gamma = try weight("gamma", [d], initializer: .ones)
        let rows = x.reshaped([-1, d])
        let centered = rows - rows.mean(axis: 1).reshaped([-1, 1])  // (N, D) − (N, 1)
        let variance = centered.squared().mean(axis: 1).reshaped([-1, 1])
        let normalized = centered / (variance + Scalar(epsilon)).sqrt()
        return (normalized * gamma + beta).reshaped(x.shape)
    }
}

/// Batch normalisation over all but the last (channel) dimension.
///
/// Weights: trainable `gamma` `[C]` (ones) and `beta` `[C]` (zeros);
/// non-trainable `moving_mean` `[C]` (zeros) and `moving_variance` `[C]` (ones).
/// In training it normalises with the batch's statistics and updates the moving
/// ones (`m ← momentum · m + (1 − momentum) · batch`); in inference it uses the
/// moving statistics. `betaRegularizer`, `gammaRegularizer` and `trainable` as in
/// TF1's `tf.layers.batch_normalization`.
///
/// ```swift
/// let bn = BatchNorm<Float>()
/// let y = try bn(x, training: true)
/// ```
public final class BatchNorm<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "batch_normalization" }
    public let momentum: Double
    public let epsilon: Double
    public let betaRegularizer: Regularizer?
    public let gammaRegularizer: Regularizer?
    public let trainable: Bool
    public let name: String?
    public let scopeRecord = ScopeRecord()

    public init(
        momentum: Double = 0.99, epsilon: Double = 1e-3, betaRegularizer: Regularizer? = nil,
        gammaRegularizer: Regularizer? = nil, trainable: Bool = true, name: String? = nil
    ) {
        self.momentum = momentum
        self.epsilon = epsilon
        self.betaRegularizer = betaRegularizer
        self.gammaRegularizer = gammaRegularizer
        self.trainable = trainable
        self.name = name
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        guard x.rank >= 2 else { throw LayerError.shape("[batch, …, channels]", got: x.shape) }
        let c = x.shape[x.rank - 1]
        let gamma = try weight("gamma", [c], initializer: .ones, regularizer: gammaRegularizer)
        let beta = try weight("beta", [c], initializer: .zeros, regularizer: betaRegularizer)
        let movingMean = try weight("moving_mean", [c], initializer: .zeros, trainable: false)
        let movingVariance = try weight("moving_variance", [c], initializer: .ones, trainable: false)
        let rows = x.reshaped([-1, c])
        let normalized: Tensor<Scalar>
        if training {
            let mean = rows.mean(axis: 0)  // (C)
            let centered = rows - mean
            let variance = centered.squared().mean(axis: 0)
            normalized = centered / (variance + Scalar(epsilon)).sqrt()
            let m = Scalar(momentum)
            withoutGradients {
                movingMean.assign(movingMean * m + mean.detached() * (1 - m))
                movingVariance.assign(movingVariance * m + variance.detached() * (1 - m))
            }
        } else {
            normalized = (rows - movingMean) / (movingVariance + Scalar(epsilon)).sqrt()
        }
        return (normalized * gamma + beta).reshaped(x.shape)
    }
}
