import TestSupport
import Testing
import TowersCore

@Suite struct GatherTests {
    static let indices = [3, 1, 3, 0, 3, 4]

    @Test func gatherCopiesTheRowsRead() {
        let table: Tensor<Float> = Fixture.normal([5, 4], seed: 120)
        let y = table.gather(rows: Self.indices)
        #expect(y.shape == [6, 4])
        var expected: [Float] = []
        for i in Self.indices { expected += (0..<4).map { table[i, $0] } }
        #expect(y.scalars == expected)
        #expect(table.gather(rows: []).shape == [0, 4])
    }

    @Test func repeatedIndicesPassGradientCheck() {
        let table: Tensor<Double> = Fixture.normal([5, 4], seed: 121)
        expectGradientsCorrect(at: [table], requireNonZero: true) { xs in
            weightedSum(xs[0].gather(rows: Self.indices).tanh())
        }
    }

    /// Row 3 is read three times and receives the sum of the three upstream rows;
    /// row 2 is never read and receives zeros.
    @Test func gradientScatterAddsIntoTheRowsRead() {
        let table: Tensor<Double> = Fixture.normal([5, 4], seed: 122)
        let w: Tensor<Double> = Fixture.weights([6, 4], seed: 123)
        let g = gradients(at: [table]) { xs in (xs[0].gather(rows: Self.indices) * w).sum() }[0]!
        var expected = [Double](repeating: 0, count: 20)
        for (r, i) in Self.indices.enumerated() {
            for j in 0..<4 { expected[i * 4 + j] += w[r, j] }
        }
        expectClose(g, shape: [5, 4], expected, relative: 1e-15, absolute: 1e-15)
        #expect(g.scalars[8..<12].allSatisfy { $0 == 0 })
    }

    @Test func floatGradientsMatchDouble() {
        func loss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> {
            weightedSum(xs[0].gather(rows: [7, 0, 7, 63, 7, 12, 0]))
        }
        let table: Tensor<Double> = Fixture.normal([64, 33], seed: 124)
        expectFloatGradientsMatchDouble(at: [table], float: loss, double: loss)
    }
}
