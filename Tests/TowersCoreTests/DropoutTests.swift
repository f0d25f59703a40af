import TestSupport
import Testing
import TowersCore

@Suite("Dropout op")
struct DropoutTests {
    @Test("keeps about 1 − rate of the elements, scaled by 1 / (1 − rate), zeroes the rest")
    func maskStatistics() throws {
        let x = try Tensor<Float>.ones([100, 100])
        let y = x.dropout(rate: 0.3, generator: RandomGenerator(seed: 1))
        let kept = y.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { $0 == Float(1 / 0.7) })
        #expect(Swift.abs(Double(kept.count) / 10_000 - 0.7) < 0.02, "kept \(kept.count) of 10000")
        // The expected value is preserved: the mean stays near 1.
        #expect(Swift.abs(y.scalars.reduce(0, +) / 10_000 - 1) < 0.03)
    }

    @Test("each call draws a new mask; the same seed draws the same masks again")
    func callsDrawNewMasks() throws {
        let x = try Tensor<Double>.ones([64])
        let generator = RandomGenerator(seed: 5)
        let first = x.dropout(rate: 0.5, generator: generator).scalars
        let second = x.dropout(rate: 0.5, generator: generator).scalars
        #expect(first != second)
        let again = RandomGenerator(seed: 5)
        #expect(x.dropout(rate: 0.5, generator: again).scalars == first)
        #expect(x.dropout(rate: 0.5, generator: again).scalars == second)
        again.reseed(5)
        #expect(x.dropout(rate: 0.5, generator: again).scalars == first)
        #expect(x.dropout(rate: 0.5, generator: RandomGenerator(seed: 6)).scalars != first)
    }

    @Test("the backward pass multiplies by the forward's mask")
    func backwardUsesTheSameMask() throws {
        let x: Tensor<Double> = Fixture.normal([5, 7], seed: 2)
        let seed: Tensor<Double> = Fixture.normal([5, 7], seed: 3)
        let w = x.copy().requiringGradient()
        let y = w.dropout(rate: 0.4, generator: RandomGenerator(seed: 9))
        let mask = zip(y.scalars, x.scalars).map { $0 / $1 }
        #expect(Set(mask.map { ($0 * 1e9).rounded() / 1e9 }) == [0, (1 / 0.6 * 1e9).rounded() / 1e9])
        y.backward(seed: seed)
        let expected = zip(seed.scalars, mask).map { $0 * $1 }
        expectClose(try #require(w.grad).scalars, expected, relative: 1e-12, absolute: 1e-15)
    }

    @Test("gradient check in Double (a generator with the same seed in every evaluation)")
    func gradientCheck() {
        let x: Tensor<Double> = Fixture.normal([4, 6], seed: 4)
        expectGradientsCorrect(at: [x]) { xs in
            weightedSum(xs[0].dropout(rate: 0.25, generator: RandomGenerator(seed: 11)).tanh())
        }
        let a: Tensor<Double> = Fixture.normal([3, 4], seed: 5), b: Tensor<Double> = Fixture.normal([4, 2], seed: 6)
        expectGradientsCorrect(at: [a, b]) { xs in
            weightedSum(xs[0].dropout(rate: 0.5, generator: RandomGenerator(seed: 12)).matmul(xs[1]))
        }
    }

    @Test("rate 0 is the identity (the same tensor)")
    func rateZero() throws {
        let x: Tensor<Float> = Fixture.normal([3, 3], seed: 7)
        #expect(x.dropout(rate: 0, generator: RandomGenerator(seed: 1)) === x)
    }

    @Test("Float and Double draw the same mask from the same seed")
    func floatMatchesDouble() throws {
        let f = try Tensor<Float>.ones([50]).dropout(rate: 0.35, generator: RandomGenerator(seed: 3))
        let d = try Tensor<Double>.ones([50]).dropout(rate: 0.35, generator: RandomGenerator(seed: 3))
        #expect(f.scalars.map { $0 == 0 } == d.scalars.map { $0 == 0 })
    }
}
