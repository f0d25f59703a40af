import TestSupport
import Testing
import TowersCore

@Suite struct RandomTests {
    /// xoshiro256** seeded through SplitMix64, computed independently: the
    /// sequence must never change, or every seeded initializer changes with it.
    @Test func generatorMatchesReferenceSequence() {
        var rng = SeededRandom(seed: 42)
        let first = (0..<4).map { _ in rng.next() }
        #expect(first == Self.seed42)
        var zero = SeededRandom(seed: 0)
        #expect(zero.next() == Self.seed0First)
    }

    // From the reference C code of SplitMix64 and xoshiro256** (Blackman & Vigna).
    static let seed42: [UInt64] = [
        1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009, 17_057_574_109_182_124_193,
    ]
    static let seed0First: UInt64 = 11_091_344_671_253_066_420

    /// Box–Muller on the generator's uniforms, both values of each pair, in order.
    @Test func normalsMatchReferenceSequence() throws {
        var rng = SeededRandom(seed: 42)
        let z = (0..<4).map { _ in rng.nextNormal() }
        let expected = [-1.6132237513849161, 1.5344873235334195, 0.7816920450573489, -0.40019349432348483]
        expectClose(z, expected, relative: 1e-14, absolute: 0)
        var u = SeededRandom(seed: 7)
        #expect(u.nextUniform() == 0.7005764821796896)
        #expect(u.nextUniform() == 0.2787512294737843)
    }

    /// Successive normals are independent: no lag-1 correlation (a cached pair
    /// value reused wrongly would show here).
    @Test func successiveNormalsAreUncorrelated() throws {
        var rng = SeededRandom(seed: 16)
        let z = (0..<100_000).map { _ in rng.nextNormal() }
        let lag1 = zip(z, z.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 } / Double(z.count - 1)
        #expect(Swift.abs(lag1) < 0.02, "lag-1 correlation \(lag1)")
        let pairs = stride(from: 0, to: z.count, by: 2).map { z[$0] * z[$0 + 1] }
        #expect(Swift.abs(pairs.reduce(0, +) / Double(pairs.count)) < 0.02)
    }

    @Test func sameSeedSameValuesDifferentSeedDifferent() throws {
        for shape in [[3, 4], [1000]] {
            #expect(
                try Tensor<Float>.randomNormal(shape, seed: 1).scalars
                    == Tensor<Float>.randomNormal(shape, seed: 1).scalars
            )
            #expect(
                try Tensor<Float>.randomNormal(shape, seed: 1).scalars
                    != Tensor<Float>.randomNormal(shape, seed: 2).scalars
            )
            #expect(
                try Tensor<Double>.randomUniform(shape, seed: 3).scalars
                    == Tensor<Double>.randomUniform(shape, seed: 3).scalars)
            #expect(
                try Tensor<Double>.randomUniform(shape, seed: 3).scalars
                    != Tensor<Double>.randomUniform(shape, seed: 4).scalars)
            #expect(
                try Tensor<Double>.truncatedNormal(shape, seed: 5).scalars
                    == Tensor<Double>.truncatedNormal(shape, seed: 5).scalars)
            #expect(
                try Tensor<Double>.truncatedNormal(shape, seed: 5).scalars
                    != Tensor<Double>.truncatedNormal(shape, seed: 6).scalars)
        }
        // Float and Double draw the same numbers.
        let f = try Tensor<Float>.randomNormal([50], seed: 7), d = try Tensor<Double>.randomNormal([50], seed: 7)
        #expect(f.scalars == d.scalars.map { Float($0) })
    }

    @Test func sharedGeneratorAdvances() throws {
        var rng = SeededRandom(seed: 8)
        let a = try Tensor<Double>.randomNormal([20], using: &rng)
        let b = try Tensor<Double>.randomNormal([20], using: &rng)
        #expect(a.scalars != b.scalars)
        var replay = SeededRandom(seed: 8)
        #expect(try Tensor<Double>.randomNormal([20], using: &replay).scalars == a.scalars)
        #expect(try Tensor<Double>.randomNormal([20], using: &replay).scalars == b.scalars)
    }

    @Test func uniformStaysInRange() throws {
        let u = try Tensor<Double>.randomUniform([100_000], lower: -3, upper: 5, seed: 9).scalars
        #expect(u.allSatisfy { $0 >= -3 && $0 < 5 })
        #expect(u.min()! < -2.99 && u.max()! > 4.99)
        let mean = u.reduce(0, +) / Double(u.count)
        #expect(Swift.abs(mean - 1) < 0.05)  // sd of the mean: 8/√12/√N ≈ 0.007
    }

    @Test func truncatedNormalStaysWithinTwoStandardDeviations() throws {
        let t = try Tensor<Double>.truncatedNormal([100_000], mean: 3, standardDeviation: 0.5, seed: 10).scalars
        #expect(t.allSatisfy { $0 >= 2 && $0 <= 4 })
        // ...and still spreads out to near the bounds (it is not squeezed).
        #expect(t.min()! < 2.05 && t.max()! > 3.95)
        let mean = t.reduce(0, +) / Double(t.count)
        #expect(Swift.abs(mean - 3) < 0.01)
        // The standard deviation of N(0,1) truncated to ±2 is 0.8796.
        let sd = (t.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(t.count)).squareRoot()
        #expect(Swift.abs(sd - 0.5 * 0.8796) < 0.01)
        let f = try Tensor<Float>.truncatedNormal([10_000], standardDeviation: 0.1, seed: 11).scalars
        #expect(f.allSatisfy { Swift.abs($0) <= 0.2 })
    }

    @Test func normalHasTheRequestedMeanAndStandardDeviation() throws {
        let n = 200_000
        let x = try Tensor<Double>.randomNormal([n], mean: -2, standardDeviation: 3, seed: 12).scalars
        let mean = x.reduce(0, +) / Double(n)
        let sd = (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
        // Standard errors: 3/√N ≈ 0.0067 for the mean, 3/√(2N) ≈ 0.0047 for the sd.
        #expect(Swift.abs(mean + 2) < 0.04)
        #expect(Swift.abs(sd - 3) < 0.03)
        // About 68.3% within one standard deviation (error ≈ 0.001).
        let within = Double(x.filter { Swift.abs($0 + 2) < 3 }.count) / Double(n)
        #expect(Swift.abs(within - 0.6827) < 0.01)
    }

    @Test func nextIntCoversTheRangeWithoutBias() {
        var rng = SeededRandom(seed: 13)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[rng.nextInt(below: 7)] += 1 }
        #expect(counts.allSatisfy { Swift.abs($0 - 10_000) < 500 }, "\(counts)")
        var one = SeededRandom(seed: 14)
        #expect((0..<100).allSatisfy { _ in one.nextInt(below: 1) == 0 })
    }

    @Test func uniformDoublesAreInUnitInterval() {
        var rng = SeededRandom(seed: 15)
        let u = (0..<10_000).map { _ in rng.nextUniform() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(Set(u).count == u.count)
    }
}
