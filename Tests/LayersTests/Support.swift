import Foundation
import Layers
import Synchronization
import TestSupport
import Testing
import TowersCore
import Variables

// MARK: Running layers

/// Runs `body` in one entry of the scope `tower` of `store`, with `.autoReuse`:
/// fresh layer instances get the same default names on every entry, so every
/// entry after the first shares the first one's variables.
func inTower<R>(
    _ store: VariableStore, reuse: ReuseMode? = .autoReuse, customGetter: CustomGetter? = nil,
    _ body: () throws -> R
) throws -> R {
    try store.variableScope("tower", reuse: reuse, customGetter: customGetter) { try body() }
}

/// The trainable variables of `store` as `Double` variables (all of them must be).
func doubleVariables(_ store: VariableStore, trainableOnly: Bool = true) -> [Variable<Double>] {
    (trainableOnly ? store.trainableVariables : store.allVariables).map { v in
        guard let typed = v as? Variable<Double> else { preconditionFailure("\(v) is not a Double variable") }
        return typed
    }
}

/// Copies of the current gradients of `variables` (zeros where there is none).
func gradientCopies<T: TensorScalar>(_ variables: [Variable<T>]) throws -> [Tensor<T>] {
    try variables.map { try $0.value.grad?.copy() ?? .zeros($0.shape) }
}

/// Resets the gradients of `variables`.
func zeroGradients<T: TensorScalar>(_ variables: [Variable<T>]) {
    for v in variables { v.value.zeroGrad() }
}

/// `a + b`, elementwise, without recording.
func plus<T: TensorScalar>(_ a: Tensor<T>, _ b: Tensor<T>) -> Tensor<T> {
    withoutGradients { a.detached() + b.detached() }
}

/// Records every variable that `getVariable` returns in a scope, in order.
final class VariableRecorder: Sendable {
    private let seen = Mutex<[any AnyVariable]>([])

    var variables: [any AnyVariable] { seen.withLock { $0 } }

    /// A custom getter that passes every request on and records the result.
    var getter: CustomGetter {
        { [self] request, next in
            let v = try next(request)
            if let variable = v.variable { seen.withLock { $0.append(variable) } }
            return v
        }
    }
}

/// Whether two lists hold the same objects in the same order.
func identical(_ a: [any AnyVariable], _ b: [any AnyVariable]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0 === $1 }
}

/// The distinct objects of `variables`, in first-seen order.
func distinct(_ variables: [any AnyVariable]) -> [any AnyVariable] {
    var out: [any AnyVariable] = []
    for v in variables where !out.contains(where: { $0 === v }) { out.append(v) }
    return out
}

// MARK: Errors

/// The error `body` throws, or `nil` (recording an issue) when it returns.
func thrownError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> (any Error)? {
    do {
        try body()
        Issue.record("expected an error, but the call returned", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

// MARK: Fixtures

/// Distinct values at least `spacing` apart, in random order, centred on 0: an
/// input whose max-pooling windows have no near-ties, so finite differences do
/// not cross a kink.
func spreadValues<T: TensorScalar>(_ shape: [Int], spacing: Double = 0.05, seed: UInt64) throws -> Tensor<T> {
    let n = shape.reduce(1, *)
    var rng = SeededRandom(seed: seed)
    var values = (0..<n).map { (Double($0) - Double(n - 1) / 2) * spacing }
    values.shuffle(using: &rng)
    return try Tensor(shape: shape, scalars: values.map { T($0) })
}

// MARK: Finite differences

/// The largest errors between analytic and numeric gradients, measured as
/// TowersCore's `checkGradients` does: relative error
/// `|a − n| / max(|a|, |n|, 1e-8)` over elements whose absolute error exceeds 1e-10.
struct FiniteDifferenceResult: CustomStringConvertible {
    var maxAbsoluteError = 0.0
    var maxRelativeError = 0.0
    var worst: (element: Int, analytic: Double, numeric: Double)?

    var description: String {
        let w = worst.map { " at element \($0.element) (analytic \($0.analytic), numeric \($0.numeric))" } ?? ""
        return "max absolute error \(maxAbsoluteError), max relative error \(maxRelativeError)\(w)"
    }
}

/// Compares `analytic` (the gradient of `loss` with respect to `tensor`) with
/// finite differences, perturbing `tensor`'s elements in place (and restoring
/// them) and evaluating `loss` without recording.
///
/// The differences are the fourth-order five-point stencil
/// `(−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h` with `h = 1e-3`: truncation
/// error ~h⁴, rounding error ~1e-16·|loss|/h, both near 1e-12. (Two-point central
/// differences at `h = 1e-6`, as in `checkGradients`, leave ~1e-9 of rounding
/// noise on a loss of magnitude 10: more than 1e-6 relative on the gradient
/// elements of size 1e-5 that a random-sign weighted sum produces.) Inputs must
/// keep kinks (ReLU at 0, max-pooling ties) more than 2h away.
func finiteDifferenceCheck(
    _ tensor: Tensor<Double>, analytic: Tensor<Double>, h: Double = 1e-3, loss: () -> Double
) -> FiniteDifferenceResult {
    precondition(
        analytic.shape == tensor.shape, "gradient shape \(analytic.shape) for a tensor of shape \(tensor.shape)")
    let g = analytic.scalars
    var result = FiniteDifferenceResult()
    for e in 0..<tensor.count {
        let original = tensor.scalars[e]
        func f(_ steps: Double) -> Double {
            tensor.withUnsafeMutableBufferPointer { $0[e] = original + steps * h }
            return withoutGradients { loss() }
        }
        let numeric = (-f(2) + 8 * f(1) - 8 * f(-1) + f(-2)) / (12 * h)
        tensor.withUnsafeMutableBufferPointer { $0[e] = original }
        let abs = Swift.abs(g[e] - numeric)
        result.maxAbsoluteError = max(result.maxAbsoluteError, abs)
        if abs > 1e-10 || abs.isNaN {
            let rel = abs.isNaN ? .infinity : abs / max(Swift.abs(g[e]), Swift.abs(numeric), 1e-8)
            if rel > result.maxRelativeError {
                result.maxRelativeError = rel
                result.worst = (e, g[e], numeric)
            }
        }
    }
    return result
}

/// The analytic gradients of `loss` with respect to `inputs` (copies requiring
/// gradients) and every trainable variable of `store`, from one backward pass,
/// each compared with finite differences. Records an issue for every tensor over
/// `tolerance`, and for every one that gets no gradient (a vacuous check).
func expectLayerGradientsCorrect(
    inputs: [Tensor<Double>], store: VariableStore, tolerance: Double = 1e-6, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation, loss: ([Tensor<Double>]) throws -> Tensor<Double>
) throws {
    let tracked = inputs.map { $0.copy().requiringGradient() }
    let variables = doubleVariables(store)
    zeroGradients(variables)
    try loss(tracked).backward()
    let trainable = doubleVariables(store)
    let built = store.allVariables
    var checked: [(name: String, tensor: Tensor<Double>, gradient: Tensor<Double>?)] = []
    for (i, (x, t)) in zip(inputs, tracked).enumerated() { checked.append(("input \(i)", x, t.grad)) }
    for v in trainable { checked.append((v.name, v.value, v.gradient)) }
    for (name, tensor, gradient) in checked {
        guard let gradient else {
            Issue.record("\(label): \(name) received no gradient", sourceLocation: sourceLocation)
            continue
        }
        if gradient.maxAbsolute < 1e-3 {
            Issue.record(
                "\(label): \(name) gets a (nearly) zero gradient: the check would be vacuous",
                sourceLocation: sourceLocation)
        }
        let result = finiteDifferenceCheck(tensor, analytic: gradient) { (try? loss(inputs).scalar) ?? .nan }
        if !(result.maxRelativeError < tolerance) {
            Issue.record("\(label): gradient of \(name): \(result)", sourceLocation: sourceLocation)
        }
    }
    for v in doubleVariables(store, trainableOnly: false) where !v.trainable && v.gradient != nil {
        Issue.record("\(label): \(v.name) is not trainable but received a gradient", sourceLocation: sourceLocation)
    }
    if !identical(store.allVariables, built) {
        Issue.record(
            "\(label): the evaluations created variables instead of reusing them", sourceLocation: sourceLocation)
    }
}

// MARK: Naive references

/// TensorFlow's output size and leading padding for one spatial dimension,
/// written out from TF's documentation (`tf.nn.convolution`): `valid` keeps only
/// whole windows; `same` gives `ceil(n / stride)` outputs and pads
/// `max((out − 1)·stride + window − n, 0)` in total, the smaller half first.
func tfWindow(_ n: Int, window: Int, stride: Int, same: Bool) -> (out: Int, before: Int) {
    if !same { return (n < window ? 0 : (n - window) / stride + 1, 0) }
    let out = (n + stride - 1) / stride
    let total = max((out - 1) * stride + window - n, 0)
    return (out, total / 2)
}

/// A direct 2-D convolution over NHWC input with an HWIO kernel: seven nested
/// loops, zeros outside the input.
func naiveConv2D(
    _ x: [Double], _ xShape: [Int], kernel: [Double], _ kShape: [Int], bias: [Double], strides: (Int, Int),
    same: Bool
) -> (values: [Double], shape: [Int]) {
    let (b, h, w, c) = (xShape[0], xShape[1], xShape[2], xShape[3])
    let (kh, kw, f) = (kShape[0], kShape[1], kShape[3])
    precondition(kShape[2] == c)
    let (oh, top) = tfWindow(h, window: kh, stride: strides.0, same: same)
    let (ow, left) = tfWindow(w, window: kw, stride: strides.1, same: same)
    var out = [Double](repeating: 0, count: b * oh * ow * f)
    for n in 0..<b {
        for oy in 0..<oh {
            for ox in 0..<ow {
                for o in 0..<f {
                    var s = bias[o]
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            let y = oy * strides.0 + ky - top, xx = ox * strides.1 + kx - left
                            guard y >= 0, y < h, xx >= 0, xx < w else { continue }
                            for i in 0..<c {
                                s += x[((n * h + y) * w + xx) * c + i] * kernel[((ky * kw + kx) * c + i) * f + o]
                            }
                        }
                    }
                    out[((n * oh + oy) * ow + ox) * f + o] = s
                }
            }
        }
    }
    return (out, [b, oh, ow, f])
}

/// Direct max or average pooling over NHWC input. Padding never wins a max, and
/// an average divides by the number of taps inside the input (TF's `same`).
func naivePool(
    _ x: [Double], _ xShape: [Int], window: (Int, Int), strides: (Int, Int), same: Bool, max useMax: Bool
) -> (values: [Double], shape: [Int]) {
    let (b, h, w, c) = (xShape[0], xShape[1], xShape[2], xShape[3])
    let (oh, top) = tfWindow(h, window: window.0, stride: strides.0, same: same)
    let (ow, left) = tfWindow(w, window: window.1, stride: strides.1, same: same)
    var out = [Double](repeating: 0, count: b * oh * ow * c)
    for n in 0..<b {
        for oy in 0..<oh {
            for ox in 0..<ow {
                for ch in 0..<c {
                    var taps: [Double] = []
                    for ky in 0..<window.0 {
                        for kx in 0..<window.1 {
                            let y = oy * strides.0 + ky - top, xx = ox * strides.1 + kx - left
                            if y >= 0, y < h, xx >= 0, xx < w { taps.append(x[((n * h + y) * w + xx) * c + ch]) }
                        }
                    }
                    out[((n * oh + oy) * ow + ox) * c + ch] =
                        useMax ? taps.max()! : taps.reduce(0, +) / Double(taps.count)
                }
            }
        }
    }
    return (out, [b, oh, ow, c])
}

/// `1 / (1 + e^−x)`.
func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

/// `tanh` in `Double`.
func tanhD(_ x: Double) -> Double { Foundation.tanh(x) }
