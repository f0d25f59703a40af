import Foundation
import TestSupport
import Testing
import TowersCore

@Suite struct ElementwiseForwardTests {
    @Test(arguments: UnaryCase.allCases)
    func unaryFloatMatchesFoundation(_ op: UnaryCase) {
        let x: Tensor<Float> = op.input([5, 7], seed: 11)
        let y = op.apply(x)
        expectClose(y, shape: [5, 7], x.doubles.map(op.reference), relative: 1e-5, absolute: 1e-6)
    }

    @Test(arguments: UnaryCase.allCases)
    func unaryDoubleMatchesFoundation(_ op: UnaryCase) {
        let x: Tensor<Double> = op.input([4, 6], seed: 12)
        expectClose(op.apply(x), shape: [4, 6], x.doubles.map(op.reference), relative: 1e-12, absolute: 1e-14)
    }

    @Test func leakyReluDefaultSlopeIsZeroPointTwo() {
        #expect(Tensor<Double>([-1, 0.5, -3]).leakyRelu().scalars == [-0.2, 0.5, -0.6000000000000001])
        #expect(Tensor<Float>([-2, 4]).relu().scalars == [0, 4])
        #expect(Tensor<Float>([-2, 4]).hinge().scalars == [0, 4])
    }

    @Test func sigmoidIsStableForLargeInputs() {
        let y = Tensor<Float>([-200, -100, -30, 30, 100, 200]).sigmoid().scalars
        #expect(y.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 }, "\(y)")
        #expect(y[0] < .leastNormalMagnitude && y[1] < .leastNormalMagnitude)
        #expect(y[4] == 1 && y[5] == 1)
        expectClose(y[2], Foundation.exp(-30.0), relative: 1e-5, absolute: 0)
        let d = Tensor<Double>([-800, 800]).sigmoid().scalars
        #expect(d == [0, 1])
    }

    @Test func softplusIsStableForLargeInputs() {
        let f = Tensor<Float>([-200, -100, 100, 200]).softplus().scalars
        #expect(f.allSatisfy { $0.isFinite && $0 >= 0 }, "\(f)")
        #expect(f[0] < .leastNormalMagnitude && f[1] < .leastNormalMagnitude)
        #expect(f[2] == 100 && f[3] == 200)
        let d = Tensor<Double>([-800, -40, 800]).softplus().scalars
        #expect(d[0] == 0 && d[2] == 800)
        expectClose(d[1], Foundation.log1p(Foundation.exp(-40.0)), relative: 1e-12, absolute: 0)
    }

    @Test(arguments: ScalarConstantCase.allCases)
    func scalarConstantFloatMatchesFormula(_ op: ScalarConstantCase) {
        let x: Tensor<Float> = Fixture.awayFromZero([3, 5], magnitude: 0.5...2, seed: 13)
        expectClose(op.apply(x), shape: [3, 5], x.doubles.map(op.reference))
    }

    @Test func scaledMultipliesEveryElement() {
        let x: Tensor<Float> = Fixture.normal([4, 9], seed: 14)
        expectClose(x.scaled(by: -2.5), shape: [4, 9], x.doubles.map { -2.5 * $0 })
        expectClose(x.scaled(by: 0), shape: [4, 9], [Double](repeating: 0, count: 36), absolute: 0)
    }

    @Test func resultsAreNewTensorsAndInputsAreUnchanged() {
        let x = Tensor<Float>([1, -2, 3])
        let y = x.relu()
        y[1] = 42
        #expect(x.scalars == [1, -2, 3])
        #expect((x + x).scalars == [2, -4, 6])
        #expect(x.scalars == [1, -2, 3])
    }
}
