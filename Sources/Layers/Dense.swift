public import TowersCore
public import Variables

/// A fully connected layer: `activation(x · kernel + bias)`.
///
/// Weights, created on the first call with `in` read from the input's last
/// dimension:
/// - `kernel`: `[in, units]`, Glorot uniform (or the scope's initializer);
/// - `bias`: `[units]`, zeros (omitted with `useBias: false`).
///
/// As in TF1's `tf.layers.dense`: `kernelRegularizer` and `biasRegularizer`
/// replace the scope's regularizer for their weight, `trainable: false` freezes
/// the layer, and `name` is a base name made unique (`obj`, `obj_1`).
///
/// Inputs of rank > 2 are treated as a batch of rows (`[…, in]` → `[…, units]`).
/// Forward and backward are single `gemm` calls; the bias add and the activation
/// are one fused pass, and the bias gradient a `gemv`.
///
/// ```swift
/// let dense = Dense<Float>(units: 128, activation: .relu)
/// let y = try dense(x)        // x: [B, 64] → y: [B, 128]; dense/kernel [64, 128]
/// ```
public final class Dense<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "dense" }
    public let units: Int
    public let activation: Activation
    public let useBias: Bool
    public let kernelInitializer: Initializer?
    public let biasInitializer: Initializer
    /// Replaces the scope's regularizer for `kernel` (`nil`: the scope's).
    public let kernelRegularizer: Regularizer?
    /// Replaces the scope's regularizer for `bias` (`nil`: the scope's).
    public let biasRegularizer: Regularizer?
    public let trainable: Bool
    public let name: String?
    public let scopeRecord = ScopeRecord()

    /// A dense layer; `units` must be positive (checked when it is first called).
    public init(
        units: Int, activation: Activation = .identity, useBias: Bool = true, kernelInitializer: Initializer? = nil,
        biasInitializer: Initializer = .zeros, kernelRegularizer: Regularizer? = nil,
        biasRegularizer: Regularizer? = nil, trainable: Bool = true, name: String? = nil
    ) {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.kernelRegularizer = kernelRegularizer
        self.biasRegularizer = biasRegularizer
        self.trainable = trainable
        self.name = name
    }

    public var configurationError: String? { Self.positive("units", units) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        guard x.rank >= 2 else { throw LayerError.shape("[batch, in]", got: x.shape) }
        let inputSize = x.shape[x.rank - 1]
        guard inputSize > 0 else { throw LayerError.shape("[batch, in] with in > 0", got: x.shape) }
        let kernel = try weight(
            "kernel", [inputSize, units], initializer: kernelInitializer, regularizer: kernelRegularizer)
        let rows = x.rank == 2 ? x : x.reshaped([-1, inputSize])
        let product = rows.matmul(kernel)
        // The bias add and the activation are one operation (TF1's BiasAdd, then the activation).
        let y =
            useBias
            ? product.biasAdd(
                try weight("bias", [units], initializer: biasInitializer, regularizer: biasRegularizer),
                activation: activation.unaryOp)
            : activation(product)
        return x.rank == 2 ? y : y.reshaped(Array(x.shape.dropLast()) + [units])
    }

    /// This layer's kernel in the current store (building nothing: the layer must
    /// have been called).
    public func kernel() throws -> Variable<Scalar> {
        try inScope { try getVariable("kernel", dtype: Scalar.self) }
    }

    /// What the layer uses as its kernel: the kernel variable's value, or what
    /// the custom getters of its scope make of it.
    func kernelValue() throws -> Tensor<Scalar> {
        try inScope { try getVariableValue("kernel", dtype: Scalar.self) }
    }
}

/// A dense layer whose kernel is the transpose of another ``Dense`` layer's
/// kernel (a decoder tied to its encoder): `activation(x · Wᵀ + bias)`.
///
/// Weights: the encoder's `kernel` (one variable, whose gradient sums both uses)
/// and its own `bias`: `[encoder in]`, zeros, in its scope (`tied_dense`).
///
/// ```swift
/// let encoder = Dense<Float>(units: 32, activation: .relu)
/// let decoder = TiedDense(tiedTo: encoder, activation: .sigmoid)
/// let code = try encoder(x)           // [B, 64] → [B, 32]
/// let reconstruction = try decoder(code)   // [B, 32] → [B, 64], kernel shared
/// ```
public final class TiedDense<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "tied_dense" }
    public let encoder: Dense<Scalar>
    public let activation: Activation
    public let useBias: Bool
    /// Replaces the scope's regularizer for `bias`.
    public let biasRegularizer: Regularizer?
    public let trainable: Bool
    public let name: String?
    public let scopeRecord = ScopeRecord()

    public init(
        tiedTo encoder: Dense<Scalar>, activation: Activation = .identity, useBias: Bool = true,
        biasRegularizer: Regularizer? = nil, trainable: Bool = true, name: String? = nil
    ) {
        self.encoder = encoder
        self.activation = activation
        self.useBias = useBias
        self.biasRegularizer = biasRegularizer
        self.trainable = trainable
        self.name = name
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        // Without this check, `encoder.kernel()` would open a new scope for the
        // unbuilt encoder and fail on a variable that should not exist
        // (`tied_dense/dense/kernel`).
        guard encoder.scopeName != nil else {
            throw LayerError(
                layer: VariableScope.current.name,
                "the encoder it is tied to has not been called in this store yet; call the encoder first")
        }
        let kernel = try encoder.kernelValue()  // [in, units] (what the encoder's getters make of its kernel)
        guard x.rank == 2, x.shape[1] == kernel.shape[1] else {
            throw LayerError.shape("[batch, \(kernel.shape[1])] (the tied kernel is \(kernel.shape))", got: x.shape)
        }
        // The encoder's scope recorded the fetch; record the tie from this layer's scope too.
        if let store = currentVariableStore, let scope = encoder.scopeName,
            let kernelVariable = store.variable(forKey: scope + "/kernel")
        {
            store.recordUse(of: kernelVariable, label: "tied: \(VariableScope.current.name)")
        }
        var y = x.matmul(kernel, transposeOther: true)
        if useBias {
            y = y + (try weight("bias", [kernel.shape[0]], initializer: .zeros, regularizer: biasRegularizer))
        }
        return activation(y)
    }
}
