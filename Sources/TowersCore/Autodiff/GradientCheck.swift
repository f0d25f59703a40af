/// The result of comparing analytic gradients with central finite differences.
public struct GradientCheckResult: Sendable, CustomStringConvertible {
    /// The largest `|analytic − numeric|` over all inputs and elements.
    public var maxAbsoluteError: Double
    /// The largest `|analytic − numeric| / max(|analytic|, |numeric|, 1e-8)`,
    /// over elements whose absolute error exceeds 1e-10 (below that both are noise).
    public var maxRelativeError: Double
    /// Where the largest relative error was: input index and flat element index.
    public var worst: (input: Int, element: Int)?

    public var description: String {
        let w = worst.map { " at input \($0.input), element \($0.element)" } ?? ""
        return "max absolute error \(maxAbsoluteError), max relative error \(maxRelativeError)\(w)"
    }
}

/// Checks the gradients of a scalar function against central finite differences
/// in `Double`.
///
/// `f` must build its result from the tensors it is given (it is called many
/// times with perturbed copies) and return a one-element tensor.
///
/// ```swift
/// let x = Tensor<Double>.randomNormal([3, 4], seed: 1)
/// let result = checkGradients(at: [x]) { xs in xs[0].tanh().sum() }
/// assert(result.maxRelativeError < 1e-6)
/// ```
public func checkGradients(
    at inputs: [Tensor<Double>], epsilon: Double = 1e-6, _ f: ([Tensor<Double>]) throws -> Tensor<Double>
) rethrows -> GradientCheckResult {
    let xs = inputs.map { $0.copy().requiringGradient() }
    let y = try f(xs)
    check(y.count == 1, "checkGradients needs a function with a one-element result, got shape \(y.shape)")
    let analytic = gradients(of: y, wrt: xs)
    var result = GradientCheckResult(maxAbsoluteError: 0, maxRelativeError: 0, worst: nil)
    for (i, x) in xs.enumerated() {
        let g = analytic[i]?.scalars ?? [Double](repeating: 0, count: x.count)
        for e in 0..<x.count {
            let original = x.storage.base[e]
            let values: [Double] = try [epsilon, -epsilon].map { h in
                x.storage.base[e] = original + h
                defer { x.storage.base[e] = original }
                return try withoutGradients { try f(xs).scalar }
            }
            let numeric = (values[0] - values[1]) / (2 * epsilon)
            let abs = Swift.abs(g[e] - numeric)
            result.maxAbsoluteError = Swift.max(result.maxAbsoluteError, abs)
            if abs > 1e-10 {
                let rel = abs / Swift.max(Swift.abs(g[e]), Swift.abs(numeric), 1e-8)
                if rel > result.maxRelativeError {
                    result.maxRelativeError = rel
                    result.worst = (i, e)
                }
            }
        }
    }
    return result
}
