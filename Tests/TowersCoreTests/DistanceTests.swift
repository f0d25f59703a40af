import Foundation
import TestSupport
import Testing
import TowersCore

@Suite struct DistanceTests {
    @Test func squaredDistanceMatchesNaive() {
        let a: Tensor<Float> = Fixture.normal([6, 9], seed: 140)
        let b: Tensor<Float> = Fixture.normal([6, 9], seed: 141)
        let d = a.squaredDistance(to: b)
        var expected = [Double](repeating: 0, count: 6)
        for i in 0..<6 {
            for j in 0..<9 { expected[i] += Foundation.pow(Double(a[i, j]) - Double(b[i, j]), 2) }
        }
        expectClose(d, shape: [6], expected)
        #expect(a.squaredDistance(to: a).scalars == [Float](repeating: 0, count: 6))
    }

    @Test func cosineSimilarityMatchesNaive() {
        let a: Tensor<Float> = Fixture.normal([6, 9], seed: 142)
        let b: Tensor<Float> = Fixture.normal([6, 9], seed: 143)
        var expected = [Double](repeating: 0, count: 6)
        for i in 0..<6 {
            var ab = 0.0, aa = 0.0, bb = 0.0
            for j in 0..<9 {
                let x = Double(a[i, j]), y = Double(b[i, j])
                ab += x * y
                aa += x * x
                bb += y * y
            }
            expected[i] = ab / (aa.squareRoot() * bb.squareRoot())
        }
        expectClose(a.cosineSimilarity(to: b), shape: [6], expected)
        expectClose(a.cosineSimilarity(to: a.scaled(by: 2.5)).scalars, [Double](repeating: 1, count: 6))
        expectClose(a.cosineSimilarity(to: -a).scalars, [Double](repeating: -1, count: 6))
    }

    @Test func cosineSimilarityOfZeroRowIsZeroNotNaN() throws {
        let a = try Tensor<Double>([[0, 0, 0], [1, 0, 0]]), b = try Tensor<Double>([[1, 2, 3], [0, 1, 0]])
        #expect(a.cosineSimilarity(to: b).scalars == [0, 0])
    }

    @Test func squaredDistancePassesGradientCheck() {
        let a: Tensor<Double> = Fixture.normal([4, 5], seed: 144)
        let b: Tensor<Double> = Fixture.normal([4, 5], seed: 145)
        expectGradientsCorrect(at: [a, b]) { xs in weightedSum(xs[0].squaredDistance(to: xs[1])) }
    }

    @Test func cosineSimilarityPassesGradientCheck() {
        let a: Tensor<Double> = Fixture.normal([4, 5], seed: 146)
        let b: Tensor<Double> = Fixture.normal([4, 5], seed: 147)
        expectGradientsCorrect(at: [a, b]) { xs in weightedSum(xs[0].cosineSimilarity(to: xs[1])) }
    }

    /// A siamese contrastive loss: both towers' outputs meet in one distance.
    @Test func contrastiveLossPassesGradientCheck() {
        let a: Tensor<Double> = Fixture.normal([4, 3], seed: 148)
        let b: Tensor<Double> = Fixture.normal([4, 3], seed: 149)
        let same = Tensor<Double>([1, 0, 1, 0])
        expectGradientsCorrect(at: [a, b]) { xs in
            let d2 = xs[0].squaredDistance(to: xs[1])
            let d = (d2 + 1e-3).sqrt()
            let far = (3.0 - d).hinge().squared()
            return (same * d2 + (1.0 - same) * far).mean()
        }
    }

    @Test func floatGradientsMatchDouble() {
        func loss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> {
            weightedSum(xs[0].squaredDistance(to: xs[1]), seed: 1)
                + weightedSum(xs[0].cosineSimilarity(to: xs[1]), seed: 2)
        }
        let a: Tensor<Double> = Fixture.normal([20, 33], seed: 150)
        let b: Tensor<Double> = Fixture.normal([20, 33], seed: 151)
        expectFloatGradientsMatchDouble(at: [a, b], float: loss, double: loss)
    }
}
