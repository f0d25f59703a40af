/// An elementwise function of one tensor. Forward and backward live together in
/// `Kernels` so each can be read against the other.
public enum UnaryOp: Sendable, Hashable {
    case negate, relu, tanh, sigmoid, softplus, exp, log, sqrt, square, abs
    case leakyRelu(alpha: Double)

    /// The operation's type in captured graphs: TF1's name for it (`Relu`, `Tanh`).
    public var name: StaticString {
        switch self {
        case .negate: "Neg"
        case .relu: "Relu"
        case .tanh: "Tanh"
        case .sigmoid: "Sigmoid"
        case .softplus: "Softplus"
        case .exp: "Exp"
        case .log: "Log"
        case .sqrt: "Sqrt"
        case .square: "Square"
        case .abs: "Abs"
        case .leakyRelu: "LeakyRelu"
        }
    }
}

/// An elementwise function of two tensors (with broadcasting).
public enum BinaryOp: Sendable, Hashable {
    case add, subtract, multiply, divide

    /// The operation's type in captured graphs and messages: TF1's name for it.
    public var name: StaticString {
        switch self {
        case .add: "Add"
        case .subtract: "Sub"
        case .multiply: "Mul"
        case .divide: "RealDiv"
        }
    }
}

/// How two operands map onto a contiguous output viewed as `[outer, inner]`:
/// element `(i, j)` of the output reads `a[i·aOuter + j·aInner]` and
/// `b[i·bOuter + j·bInner]`. A stride of 0 repeats (broadcasts) an operand.
public struct BroadcastLayout: Sendable, Hashable {
    public var outer: Int
    public var inner: Int
    public var aOuter: Int, aInner: Int
    public var bOuter: Int, bInner: Int
    public var count: Int { outer * inner }
}

/// The elementwise loops behind ``TensorScalar``'s kernel requirements. Generic,
/// but only ever called from the `Float` and `Double` conformances, so the
/// optimiser specialises every loop for its concrete type.
enum Kernels {
    @inline(__always)
    static func sigmoid<T: TensorScalar>(_ x: T) -> T {
        x >= 0 ? 1 / (1 + T.exp(-x)) : T.exp(x) / (1 + T.exp(x))
    }

    @inline(__always)
    static func softplus<T: TensorScalar>(_ x: T) -> T {
        // log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), stable for large |x|.
        Swift.max(x, 0) + T.log1p(T.exp(-Swift.abs(x)))
    }

    static func unaryForward<T: TensorScalar>(
        _ op: UnaryOp, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int
    ) {
        switch op {
        case .negate: for i in 0..<n { y[i] = -x[i] }
        case .relu: for i in 0..<n { y[i] = x[i] > 0 ? x[i] : 0 }  // Float and Double use reluForward
        case .leakyRelu(let alpha):
            let a = T(alpha)
            for i in 0..<n { y[i] = x[i] > 0 ? x[i] : a * x[i] }
        case .tanh: for i in 0..<n { y[i] = T.tanh(x[i]) }
        case .sigmoid: for i in 0..<n { y[i] = sigmoid(x[i]) }
        case .softplus: for i in 0..<n { y[i] = softplus(x[i]) }
        case .exp: for i in 0..<n { y[i] = T.exp(x[i]) }
        case .log: for i in 0..<n { y[i] = T.log(x[i]) }
        case .sqrt: for i in 0..<n { y[i] = x[i].squareRoot() }
        case .square: for i in 0..<n { y[i] = x[i] * x[i] }
        case .abs: for i in 0..<n { y[i] = Swift.abs(x[i]) }
        }
    }

    /// `dx += dy · f′`, with `f′` written from the input `x` or the output `y`.
    static func unaryBackward<T: TensorScalar>(
        _ op: UnaryOp, x: UnsafePointer<T>, y: UnsafePointer<T>, dy: UnsafePointer<T>,
        dx: UnsafeMutablePointer<T>, _ n: Int
    ) {
        switch op {
        case .negate: for i in 0..<n { dx[i] -= dy[i] }
        case .relu: for i in 0..<n where x[i] > 0 { dx[i] += dy[i] }  // Float and Double use reluBackward
        case .leakyRelu(let alpha):
            let a = T(alpha)
            for i in 0..<n { dx[i] += x[i] > 0 ? dy[i] : a * dy[i] }
        case .tanh: for i in 0..<n { dx[i] += dy[i] * (1 - y[i] * y[i]) }
        case .sigmoid: for i in 0..<n { dx[i] += dy[i] * y[i] * (1 - y[i]) }
        case .softplus: for i in 0..<n { dx[i] += dy[i] * sigmoid(x[i]) }
        case .exp: for i in 0..<n { dx[i] += dy[i] * y[i] }
        case .log: for i in 0..<n { dx[i] += dy[i] / x[i] }
        case .sqrt: for i in 0..<n { dx[i] += dy[i] / (2 * y[i]) }
        case .square: for i in 0..<n { dx[i] += 2 * x[i] * dy[i] }
        case .abs: for i in 0..<n { dx[i] += x[i] > 0 ? dy[i] : (x[i] < 0 ? -dy[i] : 0) }
        }
    }

    static func binaryForward<T: TensorScalar>(
        _ op: BinaryOp, _ l: BroadcastLayout, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
        _ out: UnsafeMutablePointer<T>
    ) {
        // out: (outer, inner), contiguous
        for i in 0..<l.outer {
            let ar = a + i * l.aOuter, br = b + i * l.bOuter, o = out + i * l.inner
            switch op {
            case .add: for j in 0..<l.inner { o[j] = ar[j * l.aInner] + br[j * l.bInner] }
            case .subtract: for j in 0..<l.inner { o[j] = ar[j * l.aInner] - br[j * l.bInner] }
            case .multiply: for j in 0..<l.inner { o[j] = ar[j * l.aInner] * br[j * l.bInner] }
            case .divide: for j in 0..<l.inner { o[j] = ar[j * l.aInner] / br[j * l.bInner] }
            }
        }
    }

    /// `da += ∂out/∂a · dy`, `db += ∂out/∂b · dy`; a broadcast operand (stride 0)
    /// receives the sum over the positions it was repeated at.
    static func binaryBackward<T: TensorScalar>(
        _ op: BinaryOp, _ l: BroadcastLayout, a: UnsafePointer<T>, b: UnsafePointer<T>,
        dy: UnsafePointer<T>, da: UnsafeMutablePointer<T>?, db: UnsafeMutablePointer<T>?
    ) {
        for i in 0..<l.outer {
            let d = dy + i * l.inner
            let ai = i * l.aOuter, bi = i * l.bOuter
            if let da {
                switch op {
                case .add: for j in 0..<l.inner { da[ai + j * l.aInner] += d[j] }
                case .subtract: for j in 0..<l.inner { da[ai + j * l.aInner] += d[j] }
                case .multiply: for j in 0..<l.inner { da[ai + j * l.aInner] += d[j] * b[bi + j * l.bInner] }
                case .divide: for j in 0..<l.inner { da[ai + j * l.aInner] += d[j] / b[bi + j * l.bInner] }
                }
            }
            if let db {
                switch op {
                case .add: for j in 0..<l.inner { db[bi + j * l.bInner] += d[j] }
                case .subtract: for j in 0..<l.inner { db[bi + j * l.bInner] -= d[j] }
                case .multiply: for j in 0..<l.inner { db[bi + j * l.bInner] += d[j] * a[ai + j * l.aInner] }
                case .divide:
                    for j in 0..<l.inner {
                        let bv = b[bi + j * l.bInner]
                        db[bi + j * l.bInner] -= d[j] * a[ai + j * l.aInner] / (bv * bv)
                    }
                }
            }
        }
    }

    static func softmaxRows<T: TensorScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, rows: Int, cols: Int, log: Bool
    ) {
        for r in 0..<rows {
            let xr = x + r * cols, yr = y + r * cols
            var m = -T.infinity
            for j in 0..<cols { m = Swift.max(m, xr[j]) }
            var s: T = 0
            for j in 0..<cols { s += T.exp(xr[j] - m) }
            if log {
                // (x − max) − log Σ: subtracting max + log Σ in one step would round
                // at the logits' magnitude (about 1e-5 absolute in Float at |x| ≈ 1000).
                let ls = T.log(s)
                for j in 0..<cols { yr[j] = (xr[j] - m) - ls }
            } else {
                for j in 0..<cols { yr[j] = T.exp(xr[j] - m) / s }
            }
        }
    }

    static func softmaxRowsBackward<T: TensorScalar>(
        y: UnsafePointer<T>, dy: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, rows: Int, cols: Int, log: Bool
    ) {
        for r in 0..<rows {
            let yr = y + r * cols, dyr = dy + r * cols, dxr = dx + r * cols
            if log {
                // y = x − logΣeˣ: dx = dy − softmax · Σdy
                var s: T = 0
                for j in 0..<cols { s += dyr[j] }
                for j in 0..<cols { dxr[j] += dyr[j] - T.exp(yr[j]) * s }
            } else {
                // dx = y ⊙ (dy − ⟨dy, y⟩)
                var s: T = 0
                for j in 0..<cols { s += dyr[j] * yr[j] }
                for j in 0..<cols { dxr[j] += yr[j] * (dyr[j] - s) }
            }
        }
    }

    /// `dst (cols, rows) = src (rows, cols)ᵀ` (or `+=`), in tiles that stay in cache.
    static func transpose<T: TensorScalar>(
        _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, rows: Int, cols: Int, accumulate: Bool
    ) {
        let tile = 32
        for i0 in stride(from: 0, to: rows, by: tile) {
            for j0 in stride(from: 0, to: cols, by: tile) {
                for i in i0..<Swift.min(i0 + tile, rows) {
                    for j in j0..<Swift.min(j0 + tile, cols) {
                        if accumulate {
                            dst[j * rows + i] += src[i * cols + j]
                        } else {
                            dst[j * rows + i] = src[i * cols + j]
                        }
                    }
                }
            }
        }
    }
}

// ReLU on concrete SIMD vectors: its scalar loops compile to a data-dependent
// branch that mispredicts on every other element of a random-signed input.
extension Kernels {
    static func reluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v.replacing(with: 0, where: v .<= 0), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] = Swift.max(x[i], 0); i += 1 }
    }

    static func reluForward(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        var i = 0
        while i + 4 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v.replacing(with: 0, where: v .<= 0), as: SIMD4<Double>.self)
            i += 4
        }
        while i < n { y[i] = Swift.max(x[i], 0); i += 1 }
    }

    /// `dx += dy` where `x > 0`.
    static func reluBackward(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
            let d = UnsafeRawPointer(dx + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dx + i).storeBytes(
                of: d + g.replacing(with: 0, where: v .<= 0), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { if x[i] > 0 { dx[i] += dy[i] }; i += 1 }
    }

    /// `dx += dy` where `x > 0`.
    static func reluBackward(
        x: UnsafePointer<Double>, dy: UnsafePointer<Double>, dx: UnsafeMutablePointer<Double>, _ n: Int
    ) {
        var i = 0
        while i + 4 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Double>.self)
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD4<Double>.self)
            let d = UnsafeRawPointer(dx + i).loadUnaligned(as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(dx + i).storeBytes(
                of: d + g.replacing(with: 0, where: v .<= 0), as: SIMD4<Double>.self)
            i += 4
        }
        while i < n { if x[i] > 0 { dx[i] += dy[i] }; i += 1 }
    }
}
