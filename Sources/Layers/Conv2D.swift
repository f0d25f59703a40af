public import TowersCore
public import Variables

/// A 2-D convolution over NHWC inputs, computed as im2col plus one `gemm`.
///
/// Weights, created on the first call with `cin` read from the input:
/// - `kernel`: `[kh, kw, cin, filters]`, Glorot uniform with TF's convolution fans;
/// - `bias`: `[filters]`, zeros (omitted with `useBias: false`).
///
/// `kernelRegularizer`, `biasRegularizer` and `trainable` as for ``Dense``.
///
/// ```swift
/// let conv = Conv2D<Float>(filters: 64, kernelSize: (3, 3), padding: .same, activation: .relu)
/// let y = try conv(images)   // [32, 28, 28, 32] → [32, 28, 28, 64]
/// ```
public final class Conv2D<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "conv2d" }
    public let filters: Int
    public let kernelSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let activation: Activation
    public let useBias: Bool
    public let kernelInitializer: Initializer?
    public let kernelRegularizer: Regularizer?
    public let biasRegularizer: Regularizer?
    public let trainable: Bool
    public let name: String?
    public let scopeRecord = ScopeRecord()

    /// A convolution; `filters`, `kernelSize` and `strides` must be positive
    /// (checked when it is first called).
    public init(
        filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
        activation: Activation = .identity, useBias: Bool = true, kernelInitializer: Initializer? = nil,
        kernelRegularizer: Regularizer? = nil, biasRegularizer: Regularizer? = nil, trainable: Bool = true,
        name: String? = nil
    ) {
        self.kernelRegularizer = kernelRegularizer
        self.biasRegularizer = biasRegularizer
        self.trainable = trainable
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.name = name
    }

    public var configurationError: String? {
        Self.positive("filters", filters) ?? Self.positivePair("kernelSize", kernelSize)
            ?? Self.positivePair("strides", strides)
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        guard x.rank == 4 else { throw LayerError.shape("[batch, height, width, channels]", got: x.shape) }
        let g = WindowGeometry(input: x.shape, window: kernelSize, strides: strides, padding: padding)
        guard g.outH > 0 && g.outW > 0 else {
            throw LayerError.shape("at least \(kernelSize.0)×\(kernelSize.1) pixels for valid padding", got: x.shape)
        }
        let cin = x.shape[3]
        let kernel = try weight(
            "kernel", [kernelSize.0, kernelSize.1, cin, filters], initializer: kernelInitializer,
            regularizer: kernelRegularizer)
        // (B·OH·OW, kh·kw·cin) · (kh·kw·cin, filters) → (B·OH·OW, filters)
        var y = x.im2col(g).matmul(kernel.reshaped([-1, filters]))
        if useBias { y = y + (try weight("bias", [filters], initializer: .zeros, regularizer: biasRegularizer)) }
        return activation(y).reshaped([g.batch, g.outH, g.outW, filters])
    }
}
