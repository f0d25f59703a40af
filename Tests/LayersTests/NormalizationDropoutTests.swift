import Layers
import TestSupport
import Testing
import TowersCore
import Variables

/// Per-channel mean and biased variance over the rows of a `[rows, channels]` array.
func columnMoments(_ x: [Double], channels c: Int) -> (mean: [Double], variance: [Double]) {
    let n = x.count / c
    let mean = (0..<c).map { j in (0..<n).reduce(0) { $0 + x[$1 * c + j] } / Double(n) }
    let variance = (0..<c).map { j in
        (0..<n).reduce(0) { $0 + (x[$1 * c + j] - mean[j]) * (x[$1 * c + j] - mean[j]) } / Double(n)
    }
    return (mean, variance)
}

@Suite("LayerNorm and BatchNorm")
struct NormalizationTests {
    static func variable(_ store: VariableStore, _ name: String) throws -> Variable<Double> {
        try #require(store.variable(named: name) as? Variable<Double>, "no Double variable \(name)")
    }

    @Test("LayerNorm normalises each row over the last dimension, then scales and shifts")
    func layerNorm() throws {
        let store = VariableStore()
        let norm = LayerNorm<Double>(epsilon: 1e-5)
        let x: Tensor<Double> = Fixture.normal([2, 3, 4], mean: 1, standardDeviation: 2, seed: 1)
        _ = try store.asDefault { try norm(x) }
        let gamma = try Self.variable(store, "LayerNorm/gamma"), beta = try Self.variable(store, "LayerNorm/beta")
        #expect(gamma.value.scalars == [1, 1, 1, 1] && beta.value.scalars == [0, 0, 0, 0])
        gamma.value.assign(Fixture.normal([4], seed: 2))
        beta.value.assign(Fixture.normal([4], seed: 3))
        let y = try store.asDefault { try norm(x) }
        var expected: [Double] = []
        let xs = x.doubles
        for r in 0..<6 {
            let row = Array(xs[(r * 4)..<(r * 4 + 4)])
            let m = row.reduce(0, +) / 4, v = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / 4
            expected += (0..<4).map { gamma.value[$0] * (row[$0] - m) / (v + 1e-5).squareRoot() + beta.value[$0] }
        }
        expectClose(y, shape: [2, 3, 4], expected, relative: 1e-12, absolute: 1e-13)
    }

    @Test("BatchNorm in training normalises with the batch's statistics over all but the channel axis")
    func batchNormTrainingOutput() throws {
        let store = VariableStore()
        let bn = BatchNorm<Double>(momentum: 0.9, epsilon: 1e-3)
        let x: Tensor<Double> = Fixture.normal([2, 3, 4], mean: 2, standardDeviation: 3, seed: 4)
        _ = try store.asDefault { try bn(x, training: true) }
        let gamma = try Self.variable(store, "batch_normalization/gamma")
        let beta = try Self.variable(store, "batch_normalization/beta")
        gamma.value.assign(Fixture.normal([4], seed: 5))
        beta.value.assign(Fixture.normal([4], seed: 6))
        let y = try store.asDefault { try bn(x, training: true) }
        let (mean, variance) = columnMoments(x.doubles, channels: 4)
        let expected = x.doubles.enumerated().map { i, v in
            let j = i % 4
            return gamma.value[j] * (v - mean[j]) / (variance[j] + 1e-3).squareRoot() + beta.value[j]
        }
        expectClose(y, shape: [2, 3, 4], expected, relative: 1e-12, absolute: 1e-13)
    }

    @Test("BatchNorm updates the moving statistics in training and uses them in inference")
    func batchNormMovingStatistics() throws {
        let store = VariableStore()
        let bn = BatchNorm<Double>(momentum: 0.9, epsilon: 1e-3)
        let batches: [Tensor<Double>] = (0..<3).map {
            Fixture.normal([5, 3], mean: Double($0) - 1, standardDeviation: 1 + Double($0), seed: 20 + UInt64($0))
        }
        // Before any training: moving mean 0, moving variance 1.
        let first = try store.asDefault { try bn(batches[0]) }
        expectClose(
            first, shape: [5, 3], batches[0].doubles.map { $0 / (1 + 1e-3).squareRoot() }, relative: 1e-12,
            absolute: 1e-14)
        let movingMean = try Self.variable(store, "batch_normalization/moving_mean")
        let movingVariance = try Self.variable(store, "batch_normalization/moving_variance")
        #expect(!movingMean.trainable && !movingVariance.trainable)
        #expect(store.trainableVariables.map(\.name) == ["batch_normalization/gamma", "batch_normalization/beta"])

        var mean = [0.0, 0, 0], variance = [1.0, 1, 1]
        for batch in batches {
            _ = try store.asDefault { try bn(batch, training: true) }
            let m = columnMoments(batch.doubles, channels: 3)
            mean = zip(mean, m.mean).map { 0.9 * $0 + 0.1 * $1 }
            variance = zip(variance, m.variance).map { 0.9 * $0 + 0.1 * $1 }
            expectClose(movingMean.value, shape: [3], mean, relative: 1e-12, absolute: 1e-14, "moving mean")
            expectClose(movingVariance.value, shape: [3], variance, relative: 1e-12, absolute: 1e-14, "moving variance")
        }
        #expect(mean.allSatisfy { abs($0) > 1e-3 }, "the statistics moved away from their start")

        // Inference uses them and leaves them alone.
        let gamma = try Self.variable(store, "batch_normalization/gamma"),
            beta = try Self.variable(store, "batch_normalization/beta")
        gamma.value.assign(Fixture.normal([3], seed: 30))
        beta.value.assign(Fixture.normal([3], seed: 31))
        let x: Tensor<Double> = Fixture.normal([4, 3], seed: 32)
        let y = try store.asDefault { try bn(x, training: false) }
        let expected = x.doubles.enumerated().map { i, v in
            let j = i % 3
            return gamma.value[j] * (v - mean[j]) / (variance[j] + 1e-3).squareRoot() + beta.value[j]
        }
        expectClose(y, shape: [4, 3], expected, relative: 1e-12, absolute: 1e-13)
        expectClose(movingMean.value, shape: [3], mean, relative: 0, absolute: 0, "inference changed the moving mean")

        // The moving statistics receive no gradient, in training or inference.
        weightedSum(try store.asDefault { try bn(x, training: true) }).backward()
        weightedSum(try store.asDefault { try bn(x, training: false) }).backward()
        #expect(movingMean.gradient == nil && movingVariance.gradient == nil)
        #expect(gamma.gradient != nil && beta.gradient != nil)
    }

    @Test("BatchNorm towers share the moving statistics too")
    func batchNormSharedStatistics() throws {
        let store = VariableStore()
        let inputs: [Tensor<Double>] = [
            Fixture.normal([4, 2], mean: 3, seed: 1), Fixture.normal([4, 2], mean: -1, seed: 2),
        ]
        for x in inputs {
            _ = try inTower(store) { try BatchNorm<Double>(momentum: 0.5)(x, training: true) }
        }
        #expect(store.allVariables.count == 4)
        let mean = try Self.variable(store, "tower/batch_normalization/moving_mean")
        // Both towers updated the one moving mean: 0.25·m₁ + 0.5·m₂ from 0.
        let m1 = columnMoments(inputs[0].doubles, channels: 2).mean,
            m2 = columnMoments(inputs[1].doubles, channels: 2).mean
        expectClose(mean.value, shape: [2], zip(m1, m2).map { 0.25 * $0 + 0.5 * $1 }, relative: 1e-12, absolute: 1e-14)
    }
}

@Suite("Dropout")
struct DropoutTests {
    @Test(
        "training: zeroes about `rate` of the inputs and scales the rest by 1 / (1 − rate)",
        arguments: [0.1, 0.3, 0.5, 0.8])
    func trainingMask(rate: Double) throws {
        let dropout = Dropout<Float>(rate: rate, seed: 3)
        let x = try Tensor<Float>.ones([100, 100])
        let y = try VariableStore().asDefault { try dropout(x, training: true) }
        let zeros = y.scalars.filter { $0 == 0 }.count
        let fraction = Double(zeros) / 10_000
        // 10 000 Bernoulli draws: the standard deviation is at most 0.005.
        #expect(abs(fraction - rate) < 0.025, "zeroed \(fraction), rate \(rate)")
        let scale = Float(1 / (1 - rate))
        #expect(y.scalars.allSatisfy { $0 == 0 || $0 == scale }, "kept values are scaled by \(scale)")
        // The scaling keeps the mean.
        #expect(abs(y.scalars.reduce(0, +) / 10_000 - 1) < 0.1)
    }

    @Test("inference (and rate 0) is the identity")
    func inference() throws {
        let x: Tensor<Float> = Fixture.normal([4, 5], seed: 1)
        let store = VariableStore()
        let y = try store.asDefault { try Dropout<Float>(rate: 0.5, seed: 1)(x) }
        #expect(y.scalars == x.scalars)
        let z = try store.asDefault { try Dropout<Float>(rate: 0, seed: 1)(x, training: true) }
        #expect(z.scalars == x.scalars)
        #expect(store.allVariables.isEmpty)
    }

    @Test("masks are reproducible by seed, differ across seeds and across calls")
    func seeds() throws {
        let x: Tensor<Double> = Fixture.awayFromZero([8, 8], seed: 2)
        func mask(_ d: Dropout<Double>) throws -> [Bool] {
            try VariableStore().asDefault { try d(x, training: true) }.scalars.map { $0 != 0 }
        }
        let a = Dropout<Double>(rate: 0.5, seed: 11), b = Dropout<Double>(rate: 0.5, seed: 11)
        let first = try mask(a)
        #expect(first == (try mask(b)), "same seed, same first mask")
        #expect(first != (try mask(Dropout<Double>(rate: 0.5, seed: 12))), "another seed, another mask")
        #expect(first != (try mask(a)), "the next call draws a new mask")
        // Float and Double draw the same mask from the same seed.
        let f = try VariableStore().asDefault {
            try Dropout<Float>(rate: 0.5, seed: 11)(x.converted(to: Float.self), training: true)
        }
        #expect(f.scalars.map { $0 != 0 } == first)
    }

    @Test("the gradient passes through the kept inputs, scaled, and not the dropped ones")
    func gradient() throws {
        let x = try Tensor<Double>.ones([6, 7]).requiringGradient()
        let y = try VariableStore().asDefault { try Dropout<Double>(rate: 0.4, seed: 5)(x, training: true) }
        y.sum().backward()
        let g = try #require(x.grad)
        #expect(g.scalars == y.scalars, "∂Σy/∂x is the mask, which is y for x = 1")
        #expect(g.scalars.contains(0) && g.scalars.contains { abs($0 - 1 / 0.6) < 1e-12 })
    }
}
