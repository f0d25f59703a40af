import TestSupport
import Testing
import TowersCore

@Suite struct MatMulTests {
    /// Stored operand shapes for `op(A) · op(B)` of size `m × k · k × n`.
    static func shapes(m: Int, k: Int, n: Int, ta: Bool, tb: Bool) -> ([Int], [Int]) {
        (ta ? [k, m] : [m, k], tb ? [n, k] : [k, n])
    }

    /// Sizes from 1×1×1 to ones large enough for OpenBLAS's blocked and threaded
    /// paths; odd sizes exercise the edge kernels.
    static let sizes: [[Int]] = [[1, 1, 1], [7, 5, 3], [1, 9, 17], [37, 23, 29], [130, 67, 97]]

    @Test(arguments: [false, true], [false, true])
    func floatForwardMatchesTripleLoop(transposeA ta: Bool, transposeB tb: Bool) {
        for (i, size) in Self.sizes.enumerated() {
            let (m, k, n) = (size[0], size[1], size[2])
            let (sa, sb) = Self.shapes(m: m, k: k, n: n, ta: ta, tb: tb)
            let a: Tensor<Float> = Fixture.normal(sa, seed: 40 + UInt64(i))
            let b: Tensor<Float> = Fixture.normal(sb, seed: 50 + UInt64(i))
            let c = a.matmul(b, transposeSelf: ta, transposeOther: tb)
            let reference = Reference.matmul(a.doubles, sa, b.doubles, sb, transposeA: ta, transposeB: tb)
            // Float sums of k products of N(0,1) values: error grows like √k.
            expectClose(
                c, shape: [m, n], reference.values, relative: 1e-5, absolute: 1e-5 * Double(k).squareRoot(),
                "m=\(m) k=\(k) n=\(n)")
        }
    }

    @Test(arguments: [false, true], [false, true])
    func doubleForwardMatchesTripleLoop(transposeA ta: Bool, transposeB tb: Bool) {
        let (sa, sb) = Self.shapes(m: 37, k: 23, n: 29, ta: ta, tb: tb)
        let a: Tensor<Double> = Fixture.normal(sa, seed: 60)
        let b: Tensor<Double> = Fixture.normal(sb, seed: 61)
        let reference = Reference.matmul(a.doubles, sa, b.doubles, sb, transposeA: ta, transposeB: tb)
        expectClose(
            a.matmul(b, transposeSelf: ta, transposeOther: tb), shape: [37, 29], reference.values,
            relative: 1e-12, absolute: 1e-12)
    }

    @Test(arguments: [false, true], [false, true])
    func passesGradientCheck(transposeA ta: Bool, transposeB tb: Bool) {
        let (sa, sb) = Self.shapes(m: 4, k: 3, n: 5, ta: ta, tb: tb)
        let a: Tensor<Double> = Fixture.normal(sa, seed: 62)
        let b: Tensor<Double> = Fixture.normal(sb, seed: 63)
        expectGradientsCorrect(at: [a, b]) { xs in
            weightedSum(xs[0].matmul(xs[1], transposeSelf: ta, transposeOther: tb))
        }
    }

    /// The backward `gemm` calls in `Float` against the same in `Double`.
    @Test(arguments: [false, true], [false, true])
    func floatGradientsMatchDouble(transposeA ta: Bool, transposeB tb: Bool) {
        func loss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> {
            weightedSum(xs[0].matmul(xs[1], transposeSelf: ta, transposeOther: tb))
        }
        for (i, size) in [[7, 5, 3], [37, 23, 29], [96, 65, 70]].enumerated() {
            let (sa, sb) = Self.shapes(m: size[0], k: size[1], n: size[2], ta: ta, tb: tb)
            let a: Tensor<Double> = Fixture.normal(sa, seed: 64 + UInt64(i))
            let b: Tensor<Double> = Fixture.normal(sb, seed: 74 + UInt64(i))
            expectFloatGradientsMatchDouble(
                at: [a, b], absolute: 1e-5 * Double(size.max()!).squareRoot(),
                "size \(size)", float: loss, double: loss)
        }
    }

    /// `dA = dC · Bᵀ` and `dB = Aᵀ · dC`, against triple loops.
    @Test func gradientsAreTheTransposedProducts() {
        let a: Tensor<Float> = Fixture.normal([6, 4], seed: 80)
        let b: Tensor<Float> = Fixture.normal([4, 5], seed: 81)
        let w: Tensor<Float> = Fixture.weights([6, 5], seed: 82)
        let g = gradients(at: [a, b]) { xs in (xs[0].matmul(xs[1]) * w).sum() }
        let da = Reference.matmul(w.doubles, [6, 5], b.doubles, [4, 5], transposeA: false, transposeB: true)
        let db = Reference.matmul(a.doubles, [6, 4], w.doubles, [6, 5], transposeA: true, transposeB: false)
        expectClose(g[0]!, shape: [6, 4], da.values)
        expectClose(g[1]!, shape: [4, 5], db.values)
    }

    @Test func freeFunctionMatchesMethod() {
        let a: Tensor<Double> = Fixture.normal([3, 4], seed: 83)
        let b: Tensor<Double> = Fixture.normal([5, 4], seed: 84)
        let viaFunction = matmul(a, b, transposeB: true)
        #expect(viaFunction.shape == [3, 5])
        #expect(viaFunction.scalars == a.matmul(b, transposeOther: true).scalars)
        let gram = matmul(a, a, transposeA: true)
        #expect(gram.shape == [4, 4])
        #expect(gram.scalars == a.matmul(a, transposeSelf: true).scalars)
    }

    /// A tensor on both sides (a Gram matrix) receives both gradients.
    @Test func gramMatrixPassesGradientCheck() throws {
        let x: Tensor<Double> = Fixture.normal([3, 4], seed: 85)
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].matmul(xs[0], transposeOther: true)) }
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].matmul(xs[0], transposeSelf: true)) }
    }

    @Test func emptyInnerDimensionGivesZeros() throws {
        let a = try Tensor<Float>.zeros([3, 0]), b = try Tensor<Float>.zeros([0, 2])
        let c = a.matmul(b)
        #expect(c.shape == [3, 2])
        #expect(c.scalars == [0, 0, 0, 0, 0, 0])
        let empty = try Tensor<Float>.zeros([0, 4]).matmul(try Tensor<Float>.ones([4, 2]))
        #expect(empty.shape == [0, 2])
        #expect(empty.scalars.isEmpty)
    }

    @Test func identityLeavesMatrixUnchanged() throws {
        let a: Tensor<Float> = Fixture.normal([5, 5], seed: 86)
        let eye = try Tensor<Float>.generate([5, 5]) { $0 / 5 == $0 % 5 ? 1 : 0 }
        #expect(a.matmul(eye).scalars == a.scalars)
        #expect(eye.matmul(a).scalars == a.scalars)
    }
}
