/// A dense, row-major, n-dimensional array that records the operations applied
/// to it for reverse-mode differentiation.
///
/// `Tensor` is a class: a variable's tensor is one object however many towers
/// use it, and gradients from all of its uses add up in ``grad``. Elements are
/// any ``TensorElement``; operations and gradients need a ``TensorScalar``
/// (`Float` or `Double`), while `Int32`, `Int64`, `Bool`, `Float16` and
/// ``BFloat16`` tensors hold ids, labels, counters and compact weights.
///
/// ```swift
/// let w = try Tensor<Double>.randomNormal([3, 2], seed: 1).requiringGradient()
/// let x = try Tensor<Double>([[1, 2, 3]])
/// let loss = x.matmul(w).relu().sum()
/// loss.backward()
/// print(w.grad!)      // ∂loss/∂w, shape [3, 2]
/// ```
///
/// Making a tensor from a shape or values checks them and throws a
/// ``TensorError``. Operations check that their operands' shapes fit and stop
/// the program otherwise, with a message naming both shapes (in every build),
/// as an out-of-range array index does: layers and losses check the shapes of
/// their inputs first and throw.
public final class Tensor<Scalar: TensorElement>: @unchecked Sendable {
    /// The extent of each dimension; `[]` for a scalar.
    public let shape: [Int]
    /// The number of elements (the product of ``shape``).
    public let count: Int
    package let storage: TensorStorage<Scalar>

    /// Whether gradients flow to this tensor. Set on leaves (parameters); results
    /// of operations on such tensors require gradients too. Always `false` for
    /// element types that are not differentiable.
    public var requiresGrad: Bool
    /// The accumulated gradient of the last ``backward(seed:)`` calls with respect
    /// to this tensor (same shape), or `nil` before any. Accumulates until zeroed.
    public var grad: Tensor<Scalar>?
    /// How this tensor was computed, while the graph is recorded.
    package var node: Node<Scalar>?
    /// Whether ``grad``'s buffer holds stale values that the next backward pass
    /// overwrites (a captured step's intermediate gradients, between replays)
    /// instead of zeros to accumulate into. See `gradientTarget()`.
    package var gradIsStale = false
    /// The tensor whose gradient this one's gradient is: a captured tower's view
    /// of a shared variable, when its towers run one after another, writes
    /// straight into the variable's gradient, as eager execution does.
    package var gradientOwner: Tensor?

    package init(shape: [Int], storage: TensorStorage<Scalar>, requiresGrad: Bool = false) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = storage
        self.requiresGrad = requiresGrad
        check(storage.count >= count, "storage of \(storage.count) elements is too small for shape \(shape)")
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
    /// let m = try Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4])
    /// ```
    /// - Throws: ``TensorError`` when a dimension is negative or the count differs.
    public convenience init(shape: [Int], scalars: [Scalar]) throws(TensorError) {
        let n = try validatedCount(shape, elementSize: MemoryLayout<Scalar>.stride)
        guard n == scalars.count else { throw .scalarCount(shape: shape, expected: n, got: scalars.count) }
        self.init(validShape: shape, scalars: scalars)
    }

    /// `scalars` (whose count the caller has checked) under `shape`.
    package convenience init(validShape shape: [Int], scalars: [Scalar]) {
        let storage = TensorStorage<Scalar>(uninitializedCount: scalars.count)
        scalars.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { storage.base.copyElements(from: base, count: scalars.count) }
        }
        self.init(shape: shape, storage: storage)
    }

    /// A scalar (rank-0) tensor.
    public convenience init(_ scalar: Scalar) {
        self.init(validShape: [], scalars: [scalar])
    }

    /// A vector (rank-1) tensor.
    public convenience init(_ vector: [Scalar]) {
        self.init(validShape: [vector.count], scalars: vector)
    }

    /// A matrix (rank-2) tensor from its rows, which must all have one length.
    ///
    /// ```swift
    /// let m = try Tensor<Float>([[1, 2], [3, 4]])
    /// ```
    /// - Throws: ``TensorError/raggedRows(firstLength:row:length:)``.
    public convenience init(_ rows: [[Scalar]]) throws(TensorError) {
        let cols = rows.first?.count ?? 0
        if let bad = rows.firstIndex(where: { $0.count != cols }) {
            throw .raggedRows(firstLength: cols, row: bad, length: rows[bad].count)
        }
        self.init(validShape: [rows.count, cols], scalars: rows.flatMap { $0 })
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// A copy of the elements in row-major order.
    public var scalars: [Scalar] {
        Array(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// The single element of a one-element tensor.
    public var scalar: Scalar {
        check(count == 1, "scalar needs a tensor of one element, shape is \(shape)")
        return storage.base[0]
    }

    /// A new tensor with a copy of this one's elements, detached from the graph.
    public func copy() -> Tensor {
        let s = TensorStorage<Scalar>(uninitializedCount: count)
        let source = self, n = count
        func forward() { s.base.copyElements(from: source.storage.base, count: n) }
        forward()
        let out = Tensor(shape: shape, storage: s)
        Recorder.current?.append(
            "Identity", output: out, inputs: [ObjectIdentifier(self)], forward: forward, backward: nil)
        return out
    }

    /// This tensor's values, shared, without gradient history.
    public func detached() -> Tensor {
        let out = Tensor(shape: shape, storage: storage)
        Recorder.current?.append(
            "StopGradient", output: out, inputs: [ObjectIdentifier(self)], forward: {}, backward: nil)
        return out
    }

    /// Reads or writes one element by its indices, one per dimension.
    public subscript(indices: Int...) -> Scalar {
        get { storage.base[offset(indices)] }
        set { storage.base[offset(indices)] = newValue }
    }

    private func offset(_ indices: [Int]) -> Int {
        check(indices.count == rank, "\(indices.count) indices for a tensor of shape \(shape)")
        var o = 0
        for (i, (index, dim)) in zip(indices, shape).enumerated() {
            check(index >= 0 && index < dim, "index \(index) out of range for dimension \(i) of shape \(shape)")
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
    /// Inside a capture the assignment is replayed every step (a moving average's update).
    public func assign(_ other: Tensor) {
        check(other.count == count, "cannot assign a tensor of shape \(other.shape) to one of shape \(shape)")
        let target = self, n = count
        func forward() { target.storage.base.copyElements(from: other.storage.base, count: n) }
        forward()
        Recorder.current?.append(
            "Assign", output: self, inputs: [ObjectIdentifier(other)], forward: forward, backward: nil,
            hasSideEffect: true)
    }

    /// Sets every element to `value`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func fill(with value: Scalar) {
        storage.base.update(repeating: value, count: count)
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
