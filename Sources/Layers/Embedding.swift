public import TowersCore
public import Variables

/// A lookup table of vectors: row `i` of `embeddings` for each index `i`.
///
/// Weights: `embeddings`: `[vocabularySize, dimension]`, U(−0.05, 0.05) (Keras'
/// default) unless an initializer is given. The gradient scatter-adds into the
/// rows looked up.
///
/// Ids come as `Tensor<Int32>` or `Tensor<Int64>` (TF's `embedding_lookup`),
/// as `[Int]`, or as whole numbers in a tensor of the layer's own type.
/// ``attend(_:)`` uses the same table as an output projection (logits =
/// `x · embeddingsᵀ`), sharing the one variable: its gradient sums both uses.
///
/// ```swift
/// let embed = Embedding<Float>(vocabularySize: 1000, dimension: 64)
/// let vectors = try embed(Tensor<Int32>([3, 14, 15]))   // [3, 64]
/// let logits = try embed.attend(hidden)                 // [B, 64] → [B, 1000]
/// ```
public final class Embedding<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "embedding" }
    public let vocabularySize: Int
    public let dimension: Int
    public let initializer: Initializer
    /// Replaces the scope's regularizer for `embeddings`.
    public let regularizer: Regularizer?
    public let trainable: Bool
    public let name: String?
    public let scopeRecord = ScopeRecord()

    /// A table; both sizes must be positive (checked when it is first used).
    public init(
        vocabularySize: Int, dimension: Int, initializer: Initializer = .randomUniform(minValue: -0.05, maxValue: 0.05),
        regularizer: Regularizer? = nil, trainable: Bool = true, name: String? = nil
    ) {
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.initializer = initializer
        self.regularizer = regularizer
        self.trainable = trainable
        self.name = name
    }

    public var configurationError: String? {
        Self.positive("vocabularySize", vocabularySize) ?? Self.positive("dimension", dimension)
    }

    private func table() throws -> Tensor<Scalar> {
        try weight("embeddings", [vocabularySize, dimension], initializer: initializer, regularizer: regularizer)
    }

    /// Checks that every id is in `0..<vocabularySize`.
    private func check(_ ids: [Int]) throws {
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw LayerError(layer: VariableScope.current.name, "index \(bad) out of range 0..<\(vocabularySize)")
        }
    }

    /// The vectors for `indices`: `[indices.count, dimension]`.
    public func lookup(_ indices: [Int]) throws -> Tensor<Scalar> {
        try inScope {
            try check(indices)
            return try table().gather(rows: indices)
        }
    }

    /// The vectors for integer ids of any shape `S` (`Tensor<Int32>` or
    /// `Tensor<Int64>`): `S + [dimension]`.
    ///
    /// ```swift
    /// let ids = try Tensor<Int64>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    /// let vectors = try embed(ids)   // [2, 3, 64]
    /// ```
    public func callAsFunction<Index: TensorElement & BinaryInteger>(_ ids: Tensor<Index>) throws -> Tensor<Scalar> {
        try inScope {
            for id in ids.scalars where id < 0 || id >= vocabularySize {
                throw LayerError(layer: VariableScope.current.name, "index \(id) out of range 0..<\(vocabularySize)")
            }
            // The ids are read again when a captured step replays (checked here, for this input).
            return try table().gather(rows: ids)
        }
    }

    /// Looks up indices given as a tensor of whole numbers (any shape `S`), giving `S + [dimension]`.
    public func forward(_ indices: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        // `Int(exactly:)`, not `Int(_:)`: NaN, infinities and huge values are errors, not traps.
        var ids: [Int] = []
        ids.reserveCapacity(indices.count)
        for value in indices.scalars {
            guard let id = Int(exactly: value) else {
                throw LayerError(layer: VariableScope.current.name, "indices must be whole numbers, got \(value)")
            }
            ids.append(id)
        }
        try check(ids)
        // The indices are read again when a captured step replays (checked here, for this input).
        return try table().gather(rows: indices)
    }

    /// Logits against every row of the table: `x · embeddingsᵀ`, `[B, dimension]` →
    /// `[B, vocabularySize]`, with the same variable as the lookup.
    public func attend(_ x: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try inScope {
            guard x.rank == 2, x.shape[1] == dimension else {
                throw LayerError.shape("[batch, \(dimension)]", got: x.shape)
            }
            return x.matmul(try table(), transposeOther: true)
        }
    }
}
