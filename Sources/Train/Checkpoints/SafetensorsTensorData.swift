public import Foundation
public import TowersCore

/// One tensor as stored in a safetensors file: its dtype, shape and raw
/// little-endian bytes, independent of Swift's scalar type.
///
/// The byte count always matches the shape and dtype (every initializer checks).
///
/// ```swift
/// let w = Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4])
/// let entry = AnyTensorData(w)                  // dtype F32, shape [2, 2], 16 bytes
/// let back: Tensor<Float> = try entry.tensor()  // throws if the entry were F64
/// ```
public struct AnyTensorData: Sendable, Equatable {
    /// The element type.
    public let dtype: DType
    /// The extent of each dimension; `[]` for a scalar.
    public let shape: [Int]
    /// The elements, row-major, little-endian.
    public let bytes: Data

    /// The number of elements (the product of ``shape``).
    public var count: Int { shape.reduce(1, *) }

    /// An entry from raw little-endian bytes.
    ///
    /// ```swift
    /// let zero = try AnyTensorData(dtype: .float64, shape: [1], bytes: Data(count: 8))
    /// ```
    /// - Throws: ``SafetensorsError/byteCountMismatch(shape:dtype:byteCount:)`` when
    ///   `bytes.count` is not the shape's element count × the dtype's size, or a
    ///   dimension is negative.
    public init(dtype: DType, shape: [Int], bytes: Data) throws {
        guard let needed = requiredByteCount(shape: shape, dtype: dtype), needed == bytes.count else {
            throw SafetensorsError.byteCountMismatch(shape: shape, dtype: dtype, byteCount: bytes.count)
        }
        self.dtype = dtype
        self.shape = shape
        // A fresh copy, so a slice of a larger buffer does not keep that buffer alive.
        self.bytes = Data(bytes)
    }

    /// Used by the reader, which has already validated the byte count.
    init(validatedDType dtype: DType, shape: [Int], bytes: Data) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An entry holding a copy of `tensor`'s elements (its dtype is `T.dtype`).
    ///
    /// ```swift
    /// let entry = AnyTensorData(Tensor<Double>.ones([3]))   // F64, shape [3]
    /// ```
    public init<T: TensorElement>(_ tensor: Tensor<T>) {
        dtype = T.dtype
        shape = tensor.shape
        var data = tensor.withUnsafeBufferPointer { Data(buffer: $0) }
        data.withUnsafeMutableBytes { swapToLittleEndian($0, elementSize: MemoryLayout<T>.size) }
        bytes = data
    }

    /// An entry from elements in row-major order.
    ///
    /// ```swift
    /// let entry = AnyTensorData(shape: [2], scalars: [Float(0.5), 1.5])
    /// ```
    /// - Throws: `TensorError` when the count of `scalars` does not fit `shape`.
    public init<T: TensorElement>(shape: [Int], scalars: [T]) throws {
        self.init(try Tensor(shape: shape, scalars: scalars))
    }

    /// The entry as a new `Tensor<T>` (a copy, not requiring gradients).
    ///
    /// ```swift
    /// let kernel = try entry.tensor(as: Float.self)
    /// ```
    /// - Throws: ``SafetensorsError/dtypeMismatch(tensor:expected:found:)`` if the
    ///   entry's dtype is not `T.dtype` (no silent conversion; see
    ///   ``converted(to:)``).
    public func tensor<T: TensorElement>(as type: T.Type = T.self) throws -> Tensor<T> {
        guard dtype == T.dtype, MemoryLayout<T>.size == dtype.byteSize else {
            throw SafetensorsError.dtypeMismatch(tensor: nil, expected: T.dtype, found: dtype)
        }
        return rawTensor(as: T.self)
    }

    /// The bytes as a `Tensor<T>`; `T.dtype` must be ``dtype``.
    private func rawTensor<T: TensorElement>(as _: T.Type) -> Tensor<T> {
        let n = count
        if dtype == .bool {
            // Any non-zero byte is true (as numpy reads it); copying other bytes
            // into a Swift `Bool` would give it an invalid representation.
            let values = bytes.map { ($0 != 0) as Bool }
            return Tensor<Bool>(validShape: shape, scalars: values) as! Tensor<T>
        }
        let storage = TensorStorage<T>(uninitializedCount: n)
        let destination = UnsafeMutableRawBufferPointer(start: storage.base, count: n * MemoryLayout<T>.size)
        bytes.withUnsafeBytes { source in
            if n > 0 { destination.copyMemory(from: source) }
        }
        swapToLittleEndian(destination, elementSize: MemoryLayout<T>.size)
        return Tensor(shape: shape, storage: storage)
    }

    /// The elements as `[T]` in row-major order.
    ///
    /// - Throws: ``SafetensorsError/dtypeMismatch(tensor:expected:found:)`` if the dtype differs.
    public func scalars<T: TensorElement>(as type: T.Type = T.self) throws -> [T] {
        try tensor(as: T.self).scalars
    }

    /// The entry as a `Tensor<T>`, converting between element types when the
    /// dtypes differ (as `Tensor.converted(to:)` does).
    ///
    /// ```swift
    /// let asDouble: Tensor<Double> = entry.converted(to: Double.self)
    /// ```
    public func converted<T: TensorElement>(to type: T.Type) -> Tensor<T> {
        func convert<S: TensorElement>(_: S.Type) -> Tensor<T> {
            // The byte count matches the shape and dtype (checked on creation).
            rawTensor(as: S.self).converted(to: T.self)
        }
        return convert(dtype.elementType)
    }
}

/// The bytes a tensor of `shape` and `dtype` occupies, or `nil` if a dimension is
/// negative or the size overflows `Int`.
func requiredByteCount(shape: [Int], dtype: DType) -> Int? {
    var total = dtype.byteSize
    for dimension in shape {
        guard dimension >= 0 else { return nil }
        let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
        guard !overflow else { return nil }
        total = product
    }
    return total
}

/// Safetensors data is little-endian; on a big-endian host, reverse each element's
/// bytes (converting in either direction). A no-op on little-endian hosts.
@inline(__always)
func swapToLittleEndian(_ buffer: UnsafeMutableRawBufferPointer, elementSize: Int) {
    #if _endian(big)
        var start = 0
        while start + elementSize <= buffer.count {
            var i = start, j = start + elementSize - 1
            while i < j {
                buffer.swapAt(i, j)
                i += 1
                j -= 1
            }
            start += elementSize
        }
    #endif
}
