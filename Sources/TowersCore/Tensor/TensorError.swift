/// A tensor that cannot be made as asked: a negative or overflowing shape, or
/// values that do not fill the shape.
///
/// ```swift
/// do { _ = try Tensor<Float>.zeros([-1, 3]) }
/// catch { print(error) }   // shape [-1, 3]: dimension -1 must be >= 0
/// ```
public enum TensorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A dimension is negative.
    case negativeDimension(shape: [Int], dimension: Int)
    /// The element count (or its byte size) does not fit in memory addresses.
    case tooLarge(shape: [Int])
    /// The number of values given does not match the shape.
    case scalarCount(shape: [Int], expected: Int, got: Int)
    /// The rows of a matrix literal differ in length.
    case raggedRows(firstLength: Int, row: Int, length: Int)

    public var description: String {
        switch self {
        case .negativeDimension(let shape, let d):
            return "shape \(shape): dimension \(d) must be >= 0"
        case .tooLarge(let shape):
            return "shape \(shape) has more elements than memory can address"
        case .scalarCount(let shape, let expected, let got):
            return "shape \(shape) needs \(expected) values, got \(got)"
        case .raggedRows(let first, let row, let length):
            return "matrix rows must all have \(first) elements; row \(row) has \(length)"
        }
    }
}

/// The element count of `shape`, checked: no negative dimension, and the byte
/// size of `elementSize`-byte elements within a 64-bit address space (2⁴⁸ bytes).
///
/// ```swift
/// let n = try validatedCount([4, 3], elementSize: 4)   // 12
/// ```
public func validatedCount(_ shape: [Int], elementSize: Int = 8) throws(TensorError) -> Int {
    if let d = shape.first(where: { $0 < 0 }) { throw .negativeDimension(shape: shape, dimension: d) }
    var bytes = Swift.max(elementSize, 1)
    var count = 1
    for d in shape {
        let (c, o1) = count.multipliedReportingOverflow(by: d)
        let (b, o2) = bytes.multipliedReportingOverflow(by: d)
        if o1 || o2 { throw .tooLarge(shape: shape) }
        count = c
        bytes = b
    }
    if bytes > maxTensorBytes { throw .tooLarge(shape: shape) }
    return count
}

/// The most bytes one tensor may take: the user address space of a 64-bit machine.
let maxTensorBytes = 1 << 48
