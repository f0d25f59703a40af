// Naive reference implementations, in Double, written from the definitions with
// plain loops (no BLAS, no library kernels), for comparing forward outputs.

import Foundation
import TowersCore

enum Reference {
    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * shape[i + 1] }
        return s
    }

    /// The multi-index of flat position `flat` in `shape`.
    static func index(_ flat: Int, _ shape: [Int]) -> [Int] {
        var rest = flat
        var idx = [Int](repeating: 0, count: shape.count)
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] > 0 {
            idx[i] = rest % shape[i]
            rest /= shape[i]
        }
        return idx
    }

    /// `op(A) · op(B)` with a triple loop; `a` is stored `aShape`, `b` is stored `bShape`.
    static func matmul(
        _ a: [Double], _ aShape: [Int], _ b: [Double], _ bShape: [Int], transposeA: Bool, transposeB: Bool
    ) -> (shape: [Int], values: [Double]) {
        let m = transposeA ? aShape[1] : aShape[0], k = transposeA ? aShape[0] : aShape[1]
        let n = transposeB ? bShape[0] : bShape[1]
        func A(_ i: Int, _ p: Int) -> Double { transposeA ? a[p * aShape[1] + i] : a[i * aShape[1] + p] }
        func B(_ p: Int, _ j: Int) -> Double { transposeB ? b[j * bShape[1] + p] : b[p * bShape[1] + j] }
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += A(i, p) * B(p, j) }
                c[i * n + j] = s
            }
        }
        return ([m, n], c)
    }

    /// General (numpy) broadcasting of `f` over two operands.
    static func broadcast(
        _ a: [Double], _ aShape: [Int], _ b: [Double], _ bShape: [Int], _ f: (Double, Double) -> Double
    ) -> (shape: [Int], values: [Double]) {
        let rank = max(aShape.count, bShape.count)
        let pa = [Int](repeating: 1, count: rank - aShape.count) + aShape
        let pb = [Int](repeating: 1, count: rank - bShape.count) + bShape
        let out = zip(pa, pb).map { max($0, $1) }
        let sa = strides(pa), sb = strides(pb)
        let n = out.reduce(1, *)
        var values = [Double](repeating: 0, count: n)
        for flat in 0..<n {
            let idx = index(flat, out)
            var ia = 0, ib = 0
            for d in 0..<rank {
                ia += (pa[d] == 1 ? 0 : idx[d]) * sa[d]
                ib += (pb[d] == 1 ? 0 : idx[d]) * sb[d]
            }
            values[flat] = f(a[ia], b[ib])
        }
        return (out, values)
    }

    /// Sum over `axis`, removing it.
    static func sum(_ x: [Double], _ shape: [Int], axis: Int) -> (shape: [Int], values: [Double]) {
        var outShape = shape
        outShape.remove(at: axis)
        let outStrides = strides(outShape)
        var out = [Double](repeating: 0, count: outShape.reduce(1, *))
        for flat in 0..<x.count {
            var idx = index(flat, shape)
            idx.remove(at: axis)
            out[zip(idx, outStrides).reduce(0) { $0 + $1.0 * $1.1 }] += x[flat]
        }
        return (outShape, out)
    }

    /// Concatenation along `axis`.
    static func concat(_ parts: [([Double], [Int])], axis: Int) -> (shape: [Int], values: [Double]) {
        var shape = parts[0].1
        shape[axis] = parts.reduce(0) { $0 + $1.1[axis] }
        let st = strides(shape)
        var out = [Double](repeating: .nan, count: shape.reduce(1, *))
        var offset = 0
        for (values, pShape) in parts {
            for flat in 0..<values.count {
                var idx = index(flat, pShape)
                idx[axis] += offset
                out[zip(idx, st).reduce(0) { $0 + $1.0 * $1.1 }] = values[flat]
            }
            offset += pShape[axis]
        }
        return (shape, out)
    }

    /// Positions `range` along `axis`.
    static func slice(_ x: [Double], _ shape: [Int], _ range: Range<Int>, axis: Int) -> (shape: [Int], values: [Double])
    {
        var outShape = shape
        outShape[axis] = range.count
        var out: [Double] = []
        for flat in 0..<x.count where range.contains(index(flat, shape)[axis]) { out.append(x[flat]) }
        return (outShape, out)
    }

    /// Softmax (or log-softmax) of each row of length `cols`, straight from the definition.
    static func softmax(_ x: [Double], cols: Int, log: Bool) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        for r in 0..<(x.count / cols) {
            let row = x[(r * cols)..<((r + 1) * cols)]
            let m = row.max()!
            let z = row.reduce(0) { $0 + Foundation.exp($1 - m) }
            for (j, v) in row.enumerated() {
                out[r * cols + j] = log ? (v - m) - Foundation.log(z) : Foundation.exp(v - m) / z
            }
        }
        return out
    }
}
