import TestSupport
import Testing
import TowersCore

/// The comparison helpers every other test relies on must reject what is not close.
@Suite struct ToleranceTests {
    @Test func isCloseCombinesRelativeAndAbsolute() {
        #expect(isClose(1.0, 1.0, relative: 0, absolute: 0))
        #expect(isClose(100.0001, 100, relative: 1e-5, absolute: 0))
        #expect(!isClose(100.01, 100, relative: 1e-5, absolute: 0))
        #expect(isClose(1e-7, 0, relative: 1e-5, absolute: 1e-6))
        #expect(!isClose(1e-5, 0, relative: 1e-5, absolute: 1e-6))
        #expect(!isClose(.nan, .nan, relative: 1, absolute: 1))
        #expect(!isClose(1, .nan, relative: 1, absolute: 1))
        #expect(isClose(.infinity, .infinity, relative: 0, absolute: 0))
        #expect(!isClose(.infinity, -.infinity, relative: 1, absolute: 1))
        #expect(!isClose(1e308, .infinity, relative: 1, absolute: 1))
    }

    @Test func firstMismatchFindsTheFirstAndCountsAll() {
        let m = firstMismatch([1, 2, 3, 4], [1, 2.5, 3, 5], relative: 1e-5, absolute: 1e-6)
        #expect(m?.index == 1 && m?.mismatches == 2 && m?.actual == 2 && m?.expected == 2.5)
        #expect(firstMismatch([1, 2], [1, 2], relative: 0, absolute: 0) == nil)
    }

    @Test func expectCloseRecordsIssues() {
        withKnownIssue { expectClose(1.0, 1.1) }
        withKnownIssue { expectClose([1.0, 2.0], [1.0]) }
        withKnownIssue { expectClose([Float(1), 2], [1.0, 2.1]) }
        withKnownIssue { expectClose(Tensor<Float>([1, 2]), try Tensor<Double>([[1, 2]])) }
        withKnownIssue { expectClose(Tensor<Float>([1, 2]), shape: [2], [1.0, 3.0]) }
        #expect(expectClose(Tensor<Float>([1, 2]), Tensor<Double>([1, 2.00001])))
        #expect(expectClose(Float(0.1), 0.1))
    }

    @Test func fixturesAreReproducibleAndInTheirRanges() {
        let a: Tensor<Double> = Fixture.awayFromZero([1000], magnitude: 0.5...1.5, seed: 1)
        #expect(a.scalars.allSatisfy { Swift.abs($0) >= 0.5 && Swift.abs($0) <= 1.5 })
        #expect(a.scalars.contains { $0 < 0 } && a.scalars.contains { $0 > 0 })
        let f: Tensor<Float> = Fixture.awayFromZero([1000], magnitude: 0.5...1.5, seed: 1)
        #expect(f.scalars == a.scalars.map { Float($0) })
        let p: Tensor<Double> = Fixture.positive([1000], seed: 2)
        #expect(p.scalars.allSatisfy { $0 >= 0.5 && $0 <= 2 })
        let u: Tensor<Double> = Fixture.uniform([1000], in: -1...3, seed: 3)
        #expect(u.scalars.allSatisfy { $0 >= -1 && $0 <= 3 })
        let n1: Tensor<Double> = Fixture.normal([10], seed: 4), n2: Tensor<Double> = Fixture.normal([10], seed: 4)
        #expect(n1.scalars == n2.scalars)
        let n3: Tensor<Double> = Fixture.normal([10], seed: 5)
        #expect(n1.scalars != n3.scalars)
    }
}
