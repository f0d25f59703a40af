/// A dense, row-major, n-dimensional array of `Float` or `Double` that records
/// the operations applied to it for reverse-mode differentiation.
///
/// `Tensor` is a class: a variable's tensor is one object however many towers
/// use it, and gradients from all of its uses add up in ``grad``.
///
/// ```swift
/// let w = Tensor<Double>.randomNormal([3, 2], seed: 1).requiringGradient()
/// let x = Tensor<Double>([[1, 2, 3]])
/// let loss = x.matmul(w).relu().sum()
/// loss.backward()
/// print(w.grad!)      // ∂loss/∂w, shape [3, 2]
/// ```
///
/// Shapes are checked when an operation is applied; a mismatch stops the program
/// with a message that names both shapes (like an out-of-range array index).
public final class Tensor<Scalar: TensorScalar>: @unchecked Sendable {
    /// The extent of each dimension; `[]` for a scalar.
    public let shape: [Int]
    /// The number of elements (the product of ``shape``).
    public let count: Int
    package let storage: TensorStorage<Scalar>

    /// Whether gradients flow to this tensor. Set on leaves (parameters); results
    /// of operations on such tensors require gradients too.
    public var requiresGrad: Bool
    /// The accumulated gradient of the last ``backward(seed:)`` calls with respect
    /// to this tensor (same shape), or `nil` before any. Accumulates until zeroed.
    public var grad: Tensor<Scalar>?
    /// How this tensor was computed, while the graph is recorded.
    package var node: Node<Scalar>?

    package init(shape: [Int], storage: TensorStorage<Scalar>, requiresGrad: Bool = false) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = storage
        self.requiresGrad = requiresGrad
        precondition(storage.count >= count, "storage of \(storage.count) elements is too small for shape \(shape)")
    }

    deinit {
        // A recorded history dropped without backward() (an evaluation pass with
        // gradients on) is freed iteratively: freed recursively, a deep graph
        // (a long unroll) would overflow the stack.
        if node != nil { releaseHistory() }
    }

    /// A tensor of the given shape filled from `scalars` in row-major order.
    ///
    /// ```swift
    /// let m = Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4])
    /// ```
    public convenience init(shape: [Int], scalars: [Scalar]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        let n = shape.reduce(1, *)
        precondition(n == scalars.count, "shape \(shape) needs \(n) scalars, got \(scalars.count)")
        let storage = TensorStorage<Scalar>(uninitializedCount: n)
        scalars.withUnsafeBufferPointer { src in
            if n > 0 { storage.base.copyElements(from: src.baseAddress!, count: n) }
        }
        self.init(shape: shape, storage: storage)
    }

    /// A scalar (rank-0) tensor.
    public convenience init(_ scalar: Scalar) {
        self.init(shape: [], scalars: [scalar])
    }

    /// A vector (rank-1) tensor.
    public convenience init(_ vector: [Scalar]) {
        self.init(shape: [vector.count], scalars: vector)
    }

    /// A matrix (rank-2) tensor from its rows, which must all have one length.
    public convenience init(_ rows: [[Scalar]]) {
        let cols = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == cols }, "rows of a matrix must all have \(cols) elements")
        self.init(shape: [rows.count, cols], scalars: rows.flatMap { $0 })
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// A copy of the elements in row-major order.
    public var scalars: [Scalar] {
        Array(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// The single element of a one-element tensor.
    public var scalar: Scalar {
        precondition(count == 1, "scalar needs a tensor of one element, shape is \(shape)")
        return storage.base[0]
    }

    /// Marks this tensor as a leaf that receives gradients, and returns it.
    @discardableResult
    public func requiringGradient(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }

    /// A new tensor with a copy of this one's elements, detached from the graph.
    public func copy() -> Tensor {
        let s = TensorStorage<Scalar>(uninitializedCount: count)
        s.base.copyElements(from: storage.base, count: count)
        return Tensor(shape: shape, storage: s)
    }

    /// This tensor's values, shared, without gradient history.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// Reads or writes one element by its indices, one per dimension.
    public subscript(indices: Int...) -> Scalar {
        get { storage.base[offset(indices)] }
        set { storage.base[offset(indices)] = newValue }
    }

    private func offset(_ indices: [Int]) -> Int {
        precondition(indices.count == rank, "\(indices.count) indices for a tensor of shape \(shape)")
        var o = 0
        for (i, (index, dim)) in zip(indices, shape).enumerated() {
            precondition(index >= 0 && index < dim, "index \(index) out of range for dimension \(i) of shape \(shape)")
            o = o * dim + index
        }
        return o
    }

    /// Calls `body` with the elements, read-only.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// Calls `body` with the elements, writable. Writing to a tensor that is part of
    /// a recorded graph changes what its backward pass sees; do it between steps.
    public func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.base, count: count))
    }

    /// Overwrites this tensor's elements with `other`'s (same element count).
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "cannot assign a tensor of shape \(other.shape) to one of shape \(shape)")
        if count > 0 { Scalar.copy(n: count, x: other.storage.base, incX: 1, y: storage.base, incY: 1) }
    }

    /// Sets every element to `value`.
    public func fill(with value: Scalar) {
        Scalar.fill(storage.base, with: value, count: count)
    }
}

extension Tensor: CustomStringConvertible {
    /// `Tensor<Float>[2, 3] [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]`; long dimensions are
    /// elided with `...`.
    public var description: String {
        func render(_ dim: Int, _ offset: Int) -> String {
            if dim == rank { return "\(storage.base[offset])" }
            let n = shape[dim]
            let stride = shape[(dim + 1)...].reduce(1, *)
            let shown: [Int] = n <= 8 ? Array(0..<n) : Array(0..<3) + [-1] + Array((n - 3)..<n)
            let parts = shown.map { $0 < 0 ? "..." : render(dim + 1, offset + $0 * stride) }
            return "[" + parts.joined(separator: ", ") + "]"
        }
        let body = count == 0 ? "[]" : render(0, 0)
        return "Tensor<\(Scalar.self)>\(shape) \(body)"
    }
}
