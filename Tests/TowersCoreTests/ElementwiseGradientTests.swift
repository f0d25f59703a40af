import TestSupport
import Testing
import TowersCore

@Suite struct ElementwiseGradientTests {
    @Test(arguments: UnaryCase.allCases)
    func unaryPassesGradientCheck(_ op: UnaryCase) {
        let x: Tensor<Double> = op.input([3, 4], seed: 21)
        expectGradientsCorrect(at: [x]) { xs in weightedSum(op.apply(xs[0])) }
    }

    @Test(arguments: UnaryCase.allCases)
    func unaryFloatGradientsMatchDouble(_ op: UnaryCase) {
        func loss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> { weightedSum(op.apply(xs[0])) }
        let x: Tensor<Double> = op.input([13, 9], seed: 26)
        expectFloatGradientsMatchDouble(at: [x], float: loss, double: loss)
        func scaledLoss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> {
            weightedSum(op.apply(xs[0]).scaled(by: -0.7))
        }
        expectFloatGradientsMatchDouble(at: [x], float: scaledLoss, double: scaledLoss)
    }

    @Test(arguments: BinaryCase.allCases, BroadcastCase.allCases.filter(\.isSmall))
    func binaryPassesGradientCheck(_ op: BinaryCase, _ layout: BroadcastCase) {
        let (a, b): (Tensor<Double>, Tensor<Double>) = layout.operands(seed: 22)
        expectGradientsCorrect(at: [a, b]) { xs in weightedSum(op.apply(xs[0], xs[1])) }
    }

    @Test(arguments: ScalarConstantCase.allCases)
    func scalarConstantPassesGradientCheck(_ op: ScalarConstantCase) {
        let x: Tensor<Double> = Fixture.awayFromZero([3, 4], magnitude: 0.5...2, seed: 23)
        expectGradientsCorrect(at: [x]) { xs in weightedSum(op.apply(xs[0])) }
    }

    @Test func scaledPassesGradientCheck() {
        let x: Tensor<Double> = Fixture.normal([3, 5], seed: 24)
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].scaled(by: -1.7)) }
    }

    @Test(arguments: BinaryCase.allCases)
    func sameTensorOnBothSidesPassesGradientCheck(_ op: BinaryCase) throws {
        // Both operands are one tensor: its gradient is the sum of both partials
        // (zero for x − x and x / x, so no non-zero gradient is required there).
        let x: Tensor<Double> = Fixture.awayFromZero([2, 3], magnitude: 0.5...2, seed: 25)
        let nonZero = op == .add || op == .multiply
        expectGradientsCorrect(at: [x], requireNonZero: nonZero) { xs in weightedSum(op.apply(xs[0], xs[0])) }
    }

    @Test func productGradientsAreTheOtherOperand() throws {
        // d/da Σ w·a·b = w·b and d/db = w·a, exactly.
        let a = try Tensor<Double>([[1, 2], [3, 4]]), b = try Tensor<Double>([[5, -6], [7, 8]])
        let w = try Tensor<Double>([[1, -1], [2, 0.5]])
        let g = gradients(at: [a, b]) { xs in (xs[0] * xs[1] * w).sum() }
        #expect(g[0]?.scalars == [5, 6, 14, 4])
        #expect(g[1]?.scalars == [1, -2, 6, 2])
    }
}
