import Foundation
import TestSupport
import Testing
import TowersCore

@Suite struct SoftmaxTests {
    @Test(arguments: [[4, 7], [2, 3, 5], [6]])
    func forwardMatchesDefinition(shape: [Int]) {
        let x: Tensor<Float> = Fixture.normal(shape, standardDeviation: 3, seed: 130)
        let cols = shape.last!
        expectClose(x.softmax(), shape: shape, Reference.softmax(x.doubles, cols: cols, log: false))
        expectClose(x.logSoftmax(), shape: shape, Reference.softmax(x.doubles, cols: cols, log: true))
        let rows = x.softmax().sum(axis: -1)
        expectClose(rows.scalars, [Double](repeating: 1, count: rows.count))
    }

    @Test func largeLogitsDoNotOverflow() throws {
        let x = try Tensor<Float>([[1000, 1001, 999], [-1000, -1000, -1000]])
        let p = x.softmax()
        let e = 1.0 + 2.718281828459045 + 1 / 2.718281828459045
        expectClose(
            p, shape: [2, 3], [1 / e, 2.718281828459045 / e, 1 / 2.718281828459045 / e, 1.0 / 3, 1.0 / 3, 1.0 / 3])
        let logP = x.logSoftmax()
        #expect(logP.scalars.allSatisfy { $0.isFinite })
        let z = 1 + 1 / 2.718281828459045 + 1 / (2.718281828459045 * 2.718281828459045)  // Σ e^(x − max), row 0
        expectClose(logP, shape: [2, 3], [-1 - log(z), -log(z), -2 - log(z), -log(3), -log(3), -log(3)])
    }

    @Test func softmaxPassesGradientCheck() {
        let x: Tensor<Double> = Fixture.normal([3, 5], seed: 131)
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].softmax()) }
        let cube: Tensor<Double> = Fixture.normal([2, 2, 4], seed: 132)
        expectGradientsCorrect(at: [cube]) { xs in weightedSum(xs[0].softmax()) }
    }

    @Test func logSoftmaxPassesGradientCheck() {
        let x: Tensor<Double> = Fixture.normal([3, 5], seed: 133)
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].logSoftmax()) }
        let cube: Tensor<Double> = Fixture.normal([2, 2, 4], seed: 134)
        expectGradientsCorrect(at: [cube]) { xs in weightedSum(xs[0].logSoftmax()) }
    }

    @Test func floatGradientsMatchDouble() {
        func loss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> {
            weightedSum(xs[0].softmax(), seed: 1) + weightedSum(xs[0].logSoftmax(), seed: 2)
        }
        let x: Tensor<Double> = Fixture.normal([17, 10], seed: 135)
        expectFloatGradientsMatchDouble(at: [x], float: loss, double: loss)
    }

    /// Cross-entropy through log-softmax: the gradient is `softmax − onehot`.
    @Test func crossEntropyGradientIsSoftmaxMinusOneHot() throws {
        let logits: Tensor<Double> = Fixture.normal([2, 4], seed: 136)
        let onehot = try Tensor<Double>([[0, 0, 1, 0], [1, 0, 0, 0]])
        let g = gradients(at: [logits]) { xs in -(xs[0].logSoftmax() * onehot).sum() }[0]!
        let p = logits.softmax()
        expectClose(g, p - onehot, relative: 1e-12, absolute: 1e-14)
    }
}

@Suite("Softmax cross-entropy with integer labels")
struct SparseCrossEntropyTests {
    @Test("value: the mean of −log softmax at each row's label; gradient against finite differences")
    func valueAndGradient() throws {
        let logits: Tensor<Double> = Fixture.normal([4, 5], seed: 11)
        let labels = Tensor<Int64>([4, 0, 2, 2])
        let lp = logits.logSoftmax().scalars
        let picked: [Double] = [lp[0 * 5 + 4], lp[1 * 5 + 0], lp[2 * 5 + 2], lp[3 * 5 + 2]]
        let expected = -picked.reduce(0, +) / 4
        expectClose(logits.softmaxCrossEntropy(labels: labels).scalar, expected, relative: 1e-14)
        expectGradientsCorrect(at: [logits]) { xs in xs[0].softmaxCrossEntropy(labels: labels) }
        expectFloatGradientsMatchDouble(
            at: [logits], float: { $0[0].softmaxCrossEntropy(labels: Tensor<Int32>([4, 0, 2, 2])) },
            double: { $0[0].softmaxCrossEntropy(labels: Tensor<Int32>([4, 0, 2, 2])) })
    }
}
