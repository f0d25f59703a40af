import CBLAS
import Foundation

/// The element types a ``Tensor`` computes with: `Float` and `Double`.
///
/// Each conformance routes the hot paths to the matching BLAS routine (`s` for
/// `Float`, `d` for `Double`) and runs the elementwise loops specialised for its
/// type, so generic tensor code costs one dynamic dispatch per operation, not
/// per element.
///
/// ```swift
/// let x = Tensor<Float>.ones([2, 3])   // Float → sgemm, saxpy, ...
/// let y = Tensor<Double>.ones([2, 3])  // Double → dgemm, daxpy, ...
/// ```
public protocol TensorScalar: TensorElement, BinaryFloatingPoint
where Self.RawSignificand: FixedWidthInteger {
    // MARK: Elementary functions
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self

    // MARK: BLAS (row-major)
    /// `C = alpha · op(A) · op(B) + beta · C` (`cblas_?gemm`).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// `y = alpha · op(A) · x + beta · y` (`cblas_?gemv`), `A` is `m × n`.
    static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
        x: UnsafePointer<Self>, incX: Int, beta: Self, y: UnsafeMutablePointer<Self>, incY: Int)
    /// `A += alpha · x · yᵀ` (`cblas_?ger`), `A` is `m × n`.
    static func ger(
        m: Int, n: Int, alpha: Self, x: UnsafePointer<Self>, incX: Int,
        y: UnsafePointer<Self>, incY: Int, a: UnsafeMutablePointer<Self>, lda: Int)
    /// `y += alpha · x` (`cblas_?axpy`).
    static func axpy(n: Int, alpha: Self, x: UnsafePointer<Self>, incX: Int, y: UnsafeMutablePointer<Self>, incY: Int)
    /// `x *= alpha` (`cblas_?scal`).
    static func scal(n: Int, alpha: Self, x: UnsafeMutablePointer<Self>, incX: Int)
    /// `xᵀy` (`cblas_?dot`).
    static func dot(n: Int, x: UnsafePointer<Self>, incX: Int, y: UnsafePointer<Self>, incY: Int) -> Self
    /// `y = x` (`cblas_?copy`).
    static func copy(n: Int, x: UnsafePointer<Self>, incX: Int, y: UnsafeMutablePointer<Self>, incY: Int)

    // MARK: Elementwise kernels (specialised per type)
    /// Sets `count` elements to `value`.
    static func fill(_ p: UnsafeMutablePointer<Self>, with value: Self, count: Int)
    /// `dst (cols × rows) = src (rows × cols)ᵀ`, or `+=` when accumulating.
    static func transpose(
        _ src: UnsafePointer<Self>, _ dst: UnsafeMutablePointer<Self>, rows: Int, cols: Int, accumulate: Bool)
    static func unaryForward(_ op: UnaryOp, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, _ n: Int)
    static func unaryBackward(
        _ op: UnaryOp, x: UnsafePointer<Self>, y: UnsafePointer<Self>, dy: UnsafePointer<Self>,
        dx: UnsafeMutablePointer<Self>, _ n: Int)
    static func binaryForward(
        _ op: BinaryOp, _ layout: BroadcastLayout, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
        _ out: UnsafeMutablePointer<Self>)
    static func binaryBackward(
        _ op: BinaryOp, _ layout: BroadcastLayout, a: UnsafePointer<Self>, b: UnsafePointer<Self>,
        dy: UnsafePointer<Self>, da: UnsafeMutablePointer<Self>?, db: UnsafeMutablePointer<Self>?)
    static func softmaxRows(
        _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, rows: Int, cols: Int, log: Bool)
    static func softmaxRowsBackward(
        y: UnsafePointer<Self>, dy: UnsafePointer<Self>, dx: UnsafeMutablePointer<Self>, rows: Int, cols: Int,
        log: Bool)
    /// `out[r, j] = x[r, j] + bias[j]` (then `max(·, 0)` when `relu`), for `rows × cols`.
    static func biasAdd(
        _ x: UnsafePointer<Self>, _ bias: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Self>, rows: Int,
        cols: Int, relu: Bool)
    /// Whether none of the `count` elements is NaN or infinite.
    static func allFinite(_ p: UnsafePointer<Self>, count: Int) -> Bool
    /// `dx = y > 0 ? dy : 0` (ReLU's backward pass written, not accumulated).
    static func reluBackwardInto(
        y: UnsafePointer<Self>, dy: UnsafePointer<Self>, dx: UnsafeMutablePointer<Self>, _ n: Int)
}

extension TensorScalar {
    public init?(exactlyFromDouble value: Double) {
        if value.isNaN {
            self = .nan
        } else {
            self.init(exactly: value)
        }
    }
    public init(convertingFromDouble value: Double) { self.init(value) }
    public var doubleValue: Double { Double(self) }
}

@inline(__always) private func order() -> CBLAS_ORDER { CblasRowMajor }
@inline(__always) private func trans(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: TensorScalar {
    public static var dtype: DType { .float32 }
    @inline(__always) public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { Foundation.tanhf(x) }
    @inline(__always) public static func log1p(_ x: Float) -> Float { Foundation.log1pf(x) }

    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        BLAS.prepare(work: m * n * k)
        cblas_sgemm(
            order(), trans(transposeA), trans(transposeB), blasint(m), blasint(n), blasint(k), alpha, a,
            blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, incX: Int, beta: Float, y: UnsafeMutablePointer<Float>, incY: Int
    ) {
        BLAS.prepare(work: m * n)
        cblas_sgemv(
            order(), trans(transpose), blasint(m), blasint(n), alpha, a, blasint(lda), x, blasint(incX), beta, y,
            blasint(incY))
    }
    public static func ger(
        m: Int, n: Int, alpha: Float, x: UnsafePointer<Float>, incX: Int,
        y: UnsafePointer<Float>, incY: Int, a: UnsafeMutablePointer<Float>, lda: Int
    ) {
        BLAS.prepare(work: m * n)
        cblas_sger(order(), blasint(m), blasint(n), alpha, x, blasint(incX), y, blasint(incY), a, blasint(lda))
    }
    public static func axpy(
        n: Int, alpha: Float, x: UnsafePointer<Float>, incX: Int, y: UnsafeMutablePointer<Float>, incY: Int
    ) {
        BLAS.prepare(work: n)
        cblas_saxpy(blasint(n), alpha, x, blasint(incX), y, blasint(incY))
    }
    public static func scal(n: Int, alpha: Float, x: UnsafeMutablePointer<Float>, incX: Int) {
        BLAS.prepare(work: n)
        cblas_sscal(blasint(n), alpha, x, blasint(incX))
    }
    public static func dot(n: Int, x: UnsafePointer<Float>, incX: Int, y: UnsafePointer<Float>, incY: Int) -> Float {
        BLAS.prepare(work: n)
        return cblas_sdot(blasint(n), x, blasint(incX), y, blasint(incY))
    }
    public static func copy(
        n: Int, x: UnsafePointer<Float>, incX: Int, y: UnsafeMutablePointer<Float>, incY: Int
    ) {
        BLAS.prepare(work: n)
        cblas_scopy(blasint(n), x, blasint(incX), y, blasint(incY))
    }

    public static func fill(_ p: UnsafeMutablePointer<Float>, with value: Float, count: Int) {
        p.update(repeating: value, count: count)
    }
    public static func transpose(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, rows: Int, cols: Int, accumulate: Bool
    ) { Kernels.transpose(src, dst, rows: rows, cols: cols, accumulate: accumulate) }
    public static func unaryForward(
        _ op: UnaryOp, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        if case .relu = op { Kernels.reluForward(x, y, n) } else { Kernels.unaryForward(op, x, y, n) }
    }
    public static func unaryBackward(
        _ op: UnaryOp, x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        if case .relu = op {
            Kernels.reluBackward(x: x, dy: dy, dx: dx, n)
        } else {
            Kernels.unaryBackward(op, x: x, y: y, dy: dy, dx: dx, n)
        }
    }
    public static func binaryForward(
        _ op: BinaryOp, _ layout: BroadcastLayout, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>
    ) { Kernels.binaryForward(op, layout, a, b, out) }
    public static func binaryBackward(
        _ op: BinaryOp, _ layout: BroadcastLayout, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        dy: UnsafePointer<Float>, da: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?
    ) { Kernels.binaryBackward(op, layout, a: a, b: b, dy: dy, da: da, db: db) }
    public static func softmaxRows(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int, log: Bool
    ) { Kernels.softmaxRows(x, y, rows: rows, cols: cols, log: log) }
    public static func softmaxRowsBackward(
        y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
        log: Bool
    ) { Kernels.softmaxRowsBackward(y: y, dy: dy, dx: dx, rows: rows, cols: cols, log: log) }
    public static func biasAdd(
        _ x: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: Int,
        cols: Int, relu: Bool
    ) { Kernels.biasAdd(x, bias, out, rows: rows, cols: cols, relu: relu) }
    public static func allFinite(_ p: UnsafePointer<Float>, count: Int) -> Bool { Kernels.allFinite(p, count) }
    public static func reluBackwardInto(
        y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, _ n: Int
    ) { Kernels.reluBackwardInto(y: y, dy: dy, dx: dx, n) }
}

extension Double: TensorScalar {
    public static var dtype: DType { .float64 }
    @inline(__always) public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inline(__always) public static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }

    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        BLAS.prepare(work: m * n * k)
        cblas_dgemm(
            order(), trans(transposeA), trans(transposeB), blasint(m), blasint(n), blasint(k), alpha, a,
            blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, incX: Int, beta: Double, y: UnsafeMutablePointer<Double>, incY: Int
    ) {
        BLAS.prepare(work: m * n)
        cblas_dgemv(
            order(), trans(transpose), blasint(m), blasint(n), alpha, a, blasint(lda), x, blasint(incX), beta, y,
            blasint(incY))
    }
    public static func ger(
        m: Int, n: Int, alpha: Double, x: UnsafePointer<Double>, incX: Int,
        y: UnsafePointer<Double>, incY: Int, a: UnsafeMutablePointer<Double>, lda: Int
    ) {
        BLAS.prepare(work: m * n)
        cblas_dger(order(), blasint(m), blasint(n), alpha, x, blasint(incX), y, blasint(incY), a, blasint(lda))
    }
    public static func axpy(
        n: Int, alpha: Double, x: UnsafePointer<Double>, incX: Int, y: UnsafeMutablePointer<Double>, incY: Int
    ) {
        BLAS.prepare(work: n)
        cblas_daxpy(blasint(n), alpha, x, blasint(incX), y, blasint(incY))
    }
    public static func scal(n: Int, alpha: Double, x: UnsafeMutablePointer<Double>, incX: Int) {
        BLAS.prepare(work: n)
        cblas_dscal(blasint(n), alpha, x, blasint(incX))
    }
    public static func dot(
        n: Int, x: UnsafePointer<Double>, incX: Int, y: UnsafePointer<Double>, incY: Int
    ) -> Double {
        BLAS.prepare(work: n)
        return cblas_ddot(blasint(n), x, blasint(incX), y, blasint(incY))
    }
    public static func copy(
        n: Int, x: UnsafePointer<Double>, incX: Int, y: UnsafeMutablePointer<Double>, incY: Int
    ) {
        BLAS.prepare(work: n)
        cblas_dcopy(blasint(n), x, blasint(incX), y, blasint(incY))
    }

    public static func fill(_ p: UnsafeMutablePointer<Double>, with value: Double, count: Int) {
        p.update(repeating: value, count: count)
    }
    public static func transpose(
        _ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, rows: Int, cols: Int, accumulate: Bool
    ) { Kernels.transpose(src, dst, rows: rows, cols: cols, accumulate: accumulate) }
    public static func unaryForward(
        _ op: UnaryOp, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int
    ) {
        if case .relu = op { Kernels.reluForward(x, y, n) } else { Kernels.unaryForward(op, x, y, n) }
    }
    public static func unaryBackward(
        _ op: UnaryOp, x: UnsafePointer<Double>, y: UnsafePointer<Double>, dy: UnsafePointer<Double>,
        dx: UnsafeMutablePointer<Double>, _ n: Int
    ) {
        if case .relu = op {
            Kernels.reluBackward(x: x, dy: dy, dx: dx, n)
        } else {
            Kernels.unaryBackward(op, x: x, y: y, dy: dy, dx: dx, n)
        }
    }
    public static func binaryForward(
        _ op: BinaryOp, _ layout: BroadcastLayout, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
        _ out: UnsafeMutablePointer<Double>
    ) { Kernels.binaryForward(op, layout, a, b, out) }
    public static func binaryBackward(
        _ op: BinaryOp, _ layout: BroadcastLayout, a: UnsafePointer<Double>, b: UnsafePointer<Double>,
        dy: UnsafePointer<Double>, da: UnsafeMutablePointer<Double>?, db: UnsafeMutablePointer<Double>?
    ) { Kernels.binaryBackward(op, layout, a: a, b: b, dy: dy, da: da, db: db) }
    public static func softmaxRows(
        _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, rows: Int, cols: Int, log: Bool
    ) { Kernels.softmaxRows(x, y, rows: rows, cols: cols, log: log) }
    public static func softmaxRowsBackward(
        y: UnsafePointer<Double>, dy: UnsafePointer<Double>, dx: UnsafeMutablePointer<Double>, rows: Int,
        cols: Int, log: Bool
    ) { Kernels.softmaxRowsBackward(y: y, dy: dy, dx: dx, rows: rows, cols: cols, log: log) }
    public static func biasAdd(
        _ x: UnsafePointer<Double>, _ bias: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, rows: Int,
        cols: Int, relu: Bool
    ) { Kernels.biasAdd(x, bias, out, rows: rows, cols: cols, relu: relu) }
    public static func allFinite(_ p: UnsafePointer<Double>, count: Int) -> Bool { Kernels.allFinite(p, count) }
    public static func reluBackwardInto(
        y: UnsafePointer<Double>, dy: UnsafePointer<Double>, dx: UnsafeMutablePointer<Double>, _ n: Int
    ) { Kernels.reluBackwardInto(y: y, dy: dy, dx: dx, n) }
}
