public import TowersCore

/// Max pooling over NHWC inputs (no weights).
///
/// ```swift
/// let pool = MaxPool2D<Float>(poolSize: (2, 2))
/// let y = try pool(x)   // [B, 28, 28, C] → [B, 14, 14, C]
/// ```
public final class MaxPool2D<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "max_pooling2d" }
    public let poolSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let name: String?
    public let scopeRecord = ScopeRecord()

    /// `strides` defaults to `poolSize`; both must be positive (checked when it is first called).
    public init(
        poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid, name: String? = nil
    ) {
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
        self.name = name
    }

    public var configurationError: String? {
        Self.positivePair("poolSize", poolSize) ?? Self.positivePair("strides", strides)
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try pool(x, poolSize: poolSize, strides: strides, padding: padding, max: true)
    }
}

/// Average pooling over NHWC inputs (no weights); with `same` padding the border
/// windows average only their non-padding taps.
public final class AvgPool2D<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "average_pooling2d" }
    public let poolSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let name: String?
    public let scopeRecord = ScopeRecord()

    /// `strides` defaults to `poolSize`; both must be positive (checked when it is first called).
    public init(
        poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid, name: String? = nil
    ) {
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
        self.name = name
    }

    public var configurationError: String? {
        Self.positivePair("poolSize", poolSize) ?? Self.positivePair("strides", strides)
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try pool(x, poolSize: poolSize, strides: strides, padding: padding, max: false)
    }
}

private func pool<Scalar: TensorScalar>(
    _ x: Tensor<Scalar>, poolSize: (Int, Int), strides: (Int, Int), padding: Padding, max: Bool
) throws -> Tensor<Scalar> {
    guard x.rank == 4 else { throw LayerError.shape("[batch, height, width, channels]", got: x.shape) }
    let g = WindowGeometry(input: x.shape, window: poolSize, strides: strides, padding: padding)
    guard g.outH > 0 && g.outW > 0 else {
        throw LayerError.shape("at least \(poolSize.0)×\(poolSize.1) pixels for valid padding", got: x.shape)
    }
    return x.pool2D(g, max: max)
}

/// Flattens all but the batch dimension: `[B, …]` → `[B, ∏…]` (no weights).
public final class Flatten<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "flatten" }
    public let name: String?
    public let scopeRecord = ScopeRecord()

    public init(name: String? = nil) { self.name = name }

    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        guard x.rank >= 1 else { throw LayerError.shape("[batch, …]", got: x.shape) }
        // The product of the other dimensions, not count / batch: an empty batch keeps its feature size.
        return x.reshaped([x.shape[0], x.shape.dropFirst().reduce(1, *)])
    }
}
