import TestSupport
import Testing
import TowersCore

@Suite struct BroadcastTests {
    @Test(arguments: BinaryCase.allCases, BroadcastCase.allCases)
    func floatForwardMatchesNaiveBroadcast(_ op: BinaryCase, _ layout: BroadcastCase) {
        let (a, b): (Tensor<Float>, Tensor<Float>) = layout.operands(seed: 31)
        let y = op.apply(a, b)
        let reference = Reference.broadcast(a.doubles, a.shape, b.doubles, b.shape, op.reference)
        #expect(reference.shape == layout.outputShape)
        expectClose(y, shape: layout.outputShape, reference.values)
    }

    @Test(arguments: BinaryCase.allCases, BroadcastCase.allCases)
    func floatGradientsMatchDouble(_ op: BinaryCase, _ layout: BroadcastCase) {
        func loss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> { weightedSum(op.apply(xs[0], xs[1])) }
        let (a, b): (Tensor<Double>, Tensor<Double>) = layout.operands(seed: 32)
        expectFloatGradientsMatchDouble(at: [a, b], float: loss, double: loss)
    }

    @Test(arguments: BroadcastCase.allCases)
    func gradientsHaveTheOperandShapes(_ layout: BroadcastCase) {
        let (a, b): (Tensor<Float>, Tensor<Float>) = layout.operands(seed: 33)
        let g = gradients(at: [a, b]) { xs in weightedSum(xs[0] * xs[1]) }
        #expect(g[0]?.shape == layout.shapes.a)
        #expect(g[1]?.shape == layout.shapes.b)
    }

    /// The bias gradient of `x + b` and `x − b` (one `gemv` with ones) is ± the
    /// column sums of the upstream gradient, checked against a naive loop.
    @Test(arguments: [BinaryCase.add, .subtract], [[5, 7], [64, 129]])
    func biasGradientIsColumnSumOfUpstream(_ op: BinaryCase, _ shape: [Int]) {
        let x: Tensor<Float> = Fixture.normal(shape, seed: 34)
        let bias: Tensor<Float> = Fixture.normal([shape[1]], seed: 35)
        let w: Tensor<Float> = Fixture.weights(shape, seed: 36)
        let g = gradients(at: [x, bias]) { xs in (op.apply(xs[0], xs[1]) * w).sum() }
        var expected = [Double](repeating: 0, count: shape[1])
        for i in 0..<shape[0] {
            for j in 0..<shape[1] { expected[j] += Double(w[i, j]) }
        }
        let sign = op == .add ? 1.0 : -1.0
        expectClose(g[1]!, shape: [shape[1]], expected.map { sign * $0 })
        expectClose(g[0]!, w)
    }

    /// Mixing a row and a column gives their outer combination.
    @Test func rowAndColumnMakeAnOuterSum() throws {
        let column = try Tensor<Double>([[1], [2], [3]]), row = try Tensor<Double>([[10, 20]])
        let y = column + row
        #expect(y.shape == [3, 2])
        #expect(y.scalars == [11, 21, 12, 22, 13, 23])
        #expect((row - column).scalars == [9, 19, 8, 18, 7, 17])
    }
}
