public import Testing
public import TowersCore

/// The gradients of the one-element result of `f` with respect to each of
/// `inputs`, computed on fresh copies (the inputs themselves are not changed).
public func gradients<S: TensorScalar>(
    at inputs: [Tensor<S>], of f: ([Tensor<S>]) throws -> Tensor<S>
) rethrows -> [Tensor<S>?] {
    let xs = inputs.map { $0.copy().requiringGradient() }
    return TowersCore.gradients(of: try f(xs), wrt: xs)
}

/// Expects ``checkGradients(at:epsilon:_:)`` to find analytic and numeric
/// gradients of `f` within `tolerance` (relative), and, unless told otherwise,
/// every input to receive a gradient that is not zero (a check of an expression
/// that ignores its inputs would pass vacuously).
@discardableResult
public func expectGradientsCorrect(
    at inputs: [Tensor<Double>], tolerance: Double = 1e-6, requireNonZero: Bool = true,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Tensor<Double>]) throws -> Tensor<Double>
) rethrows -> GradientCheckResult {
    let result = try checkGradients(at: inputs, f)
    let suffix = comment.map { " (\($0))" } ?? ""
    if !(result.maxRelativeError < tolerance) {
        Issue.record("gradient check failed: \(result)\(suffix)", sourceLocation: sourceLocation)
    }
    if requireNonZero {
        for (i, g) in try gradients(at: inputs, of: f).enumerated() where (g?.maxAbsolute ?? 0) < 1e-3 {
            Issue.record("input \(i) receives no gradient\(suffix)", sourceLocation: sourceLocation)
        }
    }
    return result
}

/// Expects the gradients of a `Float` computation (BLAS `s` routines) to match
/// those of the same computation in `Double` (`d` routines), converted.
///
/// Both run on the same values: `inputs` are rounded to `Float` first. Pass the
/// same generic function twice, once as each type:
///
/// ```swift
/// func loss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> { weightedSum(xs[0].matmul(xs[1])) }
/// expectFloatGradientsMatchDouble(at: [a, b], float: loss, double: loss)
/// ```
public func expectFloatGradientsMatchDouble(
    at inputs: [Tensor<Double>], relative: Double = 1e-5, absolute: Double = 1e-5,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    float: ([Tensor<Float>]) throws -> Tensor<Float>, double: ([Tensor<Double>]) throws -> Tensor<Double>
) rethrows {
    let floats = inputs.map { $0.converted(to: Float.self) }
    let doubles = floats.map { $0.converted(to: Double.self) }
    let gf = try gradients(at: floats, of: float)
    let gd = try gradients(at: doubles, of: double)
    let suffix = comment.map { " (\($0))" } ?? ""
    for (i, (f, d)) in zip(gf, gd).enumerated() {
        guard let f, let d else {
            Issue.record("input \(i): a gradient is missing\(suffix)", sourceLocation: sourceLocation)
            continue
        }
        if d.maxAbsolute < 1e-3 {
            Issue.record("input \(i) receives no gradient\(suffix)", sourceLocation: sourceLocation)
        }
        expectClose(
            f, d, relative: relative, absolute: absolute, "gradient of input \(i)\(suffix)",
            sourceLocation: sourceLocation)
    }
}
