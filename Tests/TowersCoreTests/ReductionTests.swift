import TestSupport
import Testing
import TowersCore

@Suite struct ReductionTests {
    static let shape = [3, 4, 5]

    @Test func sumAndMeanMatchNaive() throws {
        let x: Tensor<Float> = Fixture.normal([7, 13], seed: 90)
        let total = x.doubles.reduce(0, +)
        let s = x.sum(), m = x.mean()
        #expect(s.shape == [] && m.shape == [])
        expectClose(s.scalar, total)
        expectClose(m.scalar, total / 91)
        let big: Tensor<Float> = Fixture.uniform([1000, 3], in: 0...1, seed: 91)
        expectClose(big.sum().scalar, big.doubles.reduce(0, +), relative: 1e-5)
    }

    @Test func sumOfEmptyTensorIsZero() throws {
        #expect(try Tensor<Float>.zeros([0, 3]).sum().scalar == 0)
        #expect(try Tensor<Double>.zeros([0]).mean().scalar == 0)
    }

    @Test func sumAndMeanPassGradientCheck() {
        let x: Tensor<Double> = Fixture.normal([3, 4], seed: 92)
        // Multiplied by a scalar tensor so the check also sees the upstream gradient.
        let c = Tensor<Double>(-1.3)
        expectGradientsCorrect(at: [x]) { xs in xs[0].sum() * c }
        expectGradientsCorrect(at: [x]) { xs in xs[0].mean() * c }
        expectGradientsCorrect(at: [x]) { xs in xs[0].squared().mean().sqrt() }
        let g = gradients(at: [x]) { xs in xs[0].mean() }
        #expect(g[0]?.scalars.allSatisfy { Swift.abs($0 - 1.0 / 12) < 1e-15 } == true)
    }

    @Test(arguments: [0, 1, 2, -1, -3])
    func sumAndMeanOverAxisMatchNaive(axis: Int) {
        let x: Tensor<Float> = Fixture.normal(Self.shape, seed: 93)
        let ax = axis < 0 ? axis + 3 : axis
        let reference = Reference.sum(x.doubles, Self.shape, axis: ax)
        expectClose(x.sum(axis: axis), shape: reference.shape, reference.values)
        let d = Double(Self.shape[ax])
        expectClose(x.mean(axis: axis), shape: reference.shape, reference.values.map { $0 / d })
    }

    @Test(arguments: [0, 1, 2, -1])
    func sumAndMeanOverAxisPassGradientCheck(axis: Int) {
        let x: Tensor<Double> = Fixture.normal(Self.shape, seed: 94)
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].sum(axis: axis)) }
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].mean(axis: axis)) }
    }

    /// `sum(axis:)` is a `gemv` forward and a `ger` backward.
    @Test(arguments: [0, 1, 2])
    func floatGradientsOverAxisMatchDouble(axis: Int) {
        func loss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> { weightedSum(xs[0].sum(axis: axis).tanh()) }
        func meanLoss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> { weightedSum(xs[0].mean(axis: axis)) }
        let x: Tensor<Double> = Fixture.normal([9, 70, 33], seed: 95)
        expectFloatGradientsMatchDouble(at: [x], float: loss, double: loss)
        expectFloatGradientsMatchDouble(at: [x], float: meanLoss, double: meanLoss)
    }

    @Test func floatGradientsOfSumMatchDouble() {
        func loss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> { xs[0].sum().tanh() + xs[0].mean() }
        let x: Tensor<Double> = Fixture.uniform([300, 7], in: -0.01...0.01, seed: 96)
        expectFloatGradientsMatchDouble(at: [x], float: loss, double: loss)
    }

    @Test func sumOverAxisOfMatrixIsRowsOrColumns() throws {
        let x = try Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(x.sum(axis: 0).scalars == [5, 7, 9])
        #expect(x.sum(axis: 1).scalars == [6, 15])
        #expect(x.sum(axis: 1).shape == [2])
        #expect(x.mean(axis: 0).scalars == [2.5, 3.5, 4.5])
    }
}
