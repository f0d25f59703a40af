import Models
import TestSupport
import Testing
import TowersCore

@Suite("Distance heads")
struct HeadsTests {
    // Rows: a 3-4-5 triangle offset, equal rows, and a perpendicular pair.
    let a = Tensor<Double>([1, 2, 3, 0.5, -1, 2, 1, 0, 0, 1, 1, 0]).reshaped([4, 3])
    let b = Tensor<Double>([4, 6, 3, 0.5, -1, 2, 0, 2, 0, -2, -2, 0]).reshaped([4, 3])

    @Test("squaredDistance is Σ(a − b)² per row")
    func squaredDistanceValues() {
        let d2 = squaredDistance(a, b)
        #expect(d2.shape == [4])
        #expect(d2.scalars == [25, 0, 5, 18])
    }

    @Test("euclideanDistance is √(Σ(a − b)²) per row, ε-regularised at zero")
    func euclideanDistanceValues() {
        let d = euclideanDistance(a, b)
        #expect(d.shape == [4])
        expectClose(d.scalars, [5, 0, 5.0.squareRoot(), 18.0.squareRoot()], relative: 1e-9, absolute: 1e-4)
        // At a = b the distance is √ε, small but positive, and its gradient finite.
        #expect(d.scalars[1] > 0 && d.scalars[1] < 1e-4)
        let g = TestSupport.gradients(at: [a, b]) { xs in euclideanDistance(xs[0], xs[1]).sum() }
        #expect(g.allSatisfy { $0?.scalars.allSatisfy(\.isFinite) ?? false })
        let exact = euclideanDistance(a.slice(0..<1), b.slice(0..<1), epsilon: 0)
        #expect(exact.scalars == [5])
    }

    @Test("cosineSimilarity is ⟨a, b⟩ / (‖a‖‖b‖) per row")
    func cosineSimilarityValues() {
        let c = cosineSimilarity(a, b)
        #expect(c.shape == [4])
        let row0 = 25 / (14.0.squareRoot() * 61.0.squareRoot())
        expectClose(c.scalars, [row0, 1, 0, -1], relative: 1e-12, absolute: 1e-12)
    }

    @Test("random batch, Float and Double: the heads match a naive loop")
    func randomBatchMatchesLoop() {
        func check<S: TensorScalar>(_: S.Type) {
            let x: Tensor<S> = Fixture.normal([7, 5], seed: 1)
            let y: Tensor<S> = Fixture.normal([7, 5], seed: 2)
            let xs = x.scalars.map { Double($0) }, ys = y.scalars.map { Double($0) }
            var d2: [Double] = [], cos: [Double] = []
            for r in 0..<7 {
                let u = xs[(r * 5)..<(r * 5 + 5)], v = ys[(r * 5)..<(r * 5 + 5)]
                d2.append(zip(u, v).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) })
                let dot = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
                let nu = u.reduce(0) { $0 + $1 * $1 }.squareRoot(), nv = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                cos.append(dot / (nu * nv))
            }
            let tolerance = S.self == Float.self ? 1e-5 : 1e-12
            expectClose(squaredDistance(x, y).scalars, d2, relative: tolerance, absolute: tolerance)
            expectClose(
                euclideanDistance(x, y).scalars, d2.map { $0.squareRoot() }, relative: tolerance, absolute: 1e-6)
            expectClose(cosineSimilarity(x, y).scalars, cos, relative: tolerance, absolute: tolerance)
        }
        check(Float.self)
        check(Double.self)
    }

    @Test("the heads' gradients match finite differences")
    func headGradients() {
        let x: Tensor<Double> = Fixture.normal([4, 3], seed: 3)
        let y: Tensor<Double> = Fixture.normal([4, 3], seed: 4)
        expectGradientsCorrect(at: [x, y], "euclideanDistance") { xs in weightedSum(euclideanDistance(xs[0], xs[1])) }
        expectGradientsCorrect(at: [x, y], "squaredDistance") { xs in weightedSum(squaredDistance(xs[0], xs[1])) }
        expectGradientsCorrect(at: [x, y], "cosineSimilarity") { xs in weightedSum(cosineSimilarity(xs[0], xs[1])) }
    }
}
