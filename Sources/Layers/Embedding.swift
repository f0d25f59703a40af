public import TowersCore
public import Variables

/// A lookup table of vectors: row `i` of `embeddings` for each index `i`.
///
/// Weights: `embeddings`: `[vocabularySize, dimension]`, U(−0.05, 0.05) (Keras'
/// default) unless an initializer is given. The gradient scatter-adds into the
/// rows looked up.
///
/// ``attend(_:)`` uses the same table as an output projection (logits =
/// `x · embeddingsᵀ`), sharing the one variable: its gradient sums both uses.
///
/// ```swift
/// let embed = Embedding<Float>(vocabularySize: 1000, dimension: 64)
/// let vectors = try embed.lookup([3, 14, 15])     // [3, 64]
/// let logits = try embed.attend(hidden)           // [B, 64] → [B, 1000]
/// ```
public final class Embedding<Scalar: TensorScalar>: ScopedLayer {
    public static var kind: String { "embedding" }
    public let vocabularySize: Int
    public let dimension: Int
    public let initializer: Initializer
    public let name: String?
    public let scopeRecord = ScopeRecord()

    public init(
        vocabularySize: Int, dimension: Int, initializer: Initializer = .randomUniform(minValue: -0.05, maxValue: 0.05),
        name: String? = nil
    ) {
        precondition(
            vocabularySize > 0 && dimension > 0, "Embedding needs positive sizes, got \(vocabularySize)×\(dimension)")
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.initializer = initializer
        self.name = name
    }

    private func table() throws -> Tensor<Scalar> {
        try weight("embeddings", [vocabularySize, dimension], initializer: initializer)
    }

    /// The vectors for `indices`: `[indices.count, dimension]`.
    public func lookup(_ indices: [Int]) throws -> Tensor<Scalar> {
        try inScope {
            if let bad = indices.first(where: { $0 < 0 || $0 >= vocabularySize }) {
                throw LayerError(layer: VariableScope.current.name, "index \(bad) out of range 0..<\(vocabularySize)")
            }
            return try table().gather(rows: indices)
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
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw LayerError(layer: VariableScope.current.name, "index \(bad) out of range 0..<\(vocabularySize)")
        }
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
