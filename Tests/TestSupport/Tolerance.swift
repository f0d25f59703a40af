public import Testing
public import TowersCore

/// Whether `actual` is within `absolute + relative · |expected|` of `expected`
/// (numpy's `isclose`). Two infinities of the same sign are close; NaN is close
/// to nothing.
public func isClose(_ actual: Double, _ expected: Double, relative: Double, absolute: Double) -> Bool {
    if actual.isNaN || expected.isNaN { return false }
    if actual.isInfinite || expected.isInfinite { return actual == expected }
    return Swift.abs(actual - expected) <= absolute + relative * Swift.abs(expected)
}

/// The index of the first element that is not close, and the largest error seen,
/// or `nil` when every element is close (arrays of different lengths never are).
public func firstMismatch(
    _ actual: [Double], _ expected: [Double], relative: Double, absolute: Double
) -> (index: Int, actual: Double, expected: Double, mismatches: Int)? {
    var first: (Int, Double, Double)?
    var mismatches = 0
    for (i, (a, e)) in zip(actual, expected).enumerated()
    where !isClose(a, e, relative: relative, absolute: absolute) {
        mismatches += 1
        if first == nil { first = (i, a, e) }
    }
    guard let first else { return nil }
    return (first.0, first.1, first.2, mismatches)
}

/// Expects `actual ≈ expected`: `|actual − expected| ≤ absolute + relative · |expected|`.
@discardableResult
public func expectClose<A: BinaryFloatingPoint, E: BinaryFloatingPoint>(
    _ actual: A, _ expected: E, relative: Double = 1e-5, absolute: Double = 1e-6,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    let a = Double(actual), e = Double(expected)
    let ok = isClose(a, e, relative: relative, absolute: absolute)
    if !ok {
        let message =
            "\(a) is not close to \(e) (error \(Swift.abs(a - e)), relative \(relative), absolute \(absolute))"
        Issue.record(Comment(rawValue: message + (comment.map { ": \($0)" } ?? "")), sourceLocation: sourceLocation)
    }
    return ok
}

/// Expects two arrays of equal length to be close element by element.
@discardableResult
public func expectClose<A: BinaryFloatingPoint, E: BinaryFloatingPoint>(
    _ actual: [A], _ expected: [E], relative: Double = 1e-5, absolute: Double = 1e-6,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    let suffix = comment.map { ": \($0)" } ?? ""
    guard actual.count == expected.count else {
        Issue.record("\(actual.count) elements, expected \(expected.count)\(suffix)", sourceLocation: sourceLocation)
        return false
    }
    let a = actual.map { Double($0) }, e = expected.map { Double($0) }
    if let m = firstMismatch(a, e, relative: relative, absolute: absolute) {
        let message =
            "\(m.mismatches) of \(a.count) elements not close (relative \(relative), absolute \(absolute)); "
            + "first at \(m.index): \(m.actual) vs expected \(m.expected)\(suffix)"
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        return false
    }
    return true
}

/// Expects a tensor to have `expected`'s shape and close elements.
@discardableResult
public func expectClose<A: TensorScalar, E: TensorScalar>(
    _ actual: Tensor<A>, _ expected: Tensor<E>, relative: Double = 1e-5, absolute: Double = 1e-6,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    expectClose(
        actual, shape: expected.shape, expected.scalars, relative: relative, absolute: absolute, comment,
        sourceLocation: sourceLocation)
}

/// Expects a tensor to have `shape` and elements close to `expected` (row-major),
/// e.g. the output of a naive reference loop.
@discardableResult
public func expectClose<A: TensorScalar, E: BinaryFloatingPoint>(
    _ actual: Tensor<A>, shape: [Int], _ expected: [E], relative: Double = 1e-5, absolute: Double = 1e-6,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    guard actual.shape == shape else {
        let message = "shape \(actual.shape), expected \(shape)" + (comment.map { ": \($0)" } ?? "")
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        return false
    }
    return expectClose(
        actual.scalars, expected, relative: relative, absolute: absolute, comment,
        sourceLocation: sourceLocation)
}

extension Tensor {
    /// The elements converted to `Double`, row-major.
    public var doubles: [Double] { scalars.map(\.doubleValue) }

    /// The largest absolute element (0 for an empty tensor).
    public var maxAbsolute: Double { scalars.reduce(0) { Swift.max($0, Swift.abs($1.doubleValue)) } }
}
