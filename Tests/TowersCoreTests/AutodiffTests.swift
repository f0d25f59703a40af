import Foundation
import TestSupport
import Testing
import TowersCore

@Suite struct AutodiffTests {
    static func tower<S: TensorScalar>(_ x: Tensor<S>, _ w: Tensor<S>) -> Tensor<S> { x.matmul(w).tanh() }

    /// A weight used by two towers receives the sum of the gradients each tower
    /// gives it on its own.
    @Test func sharedWeightReceivesTheSumOfItsTowersGradients() {
        let w: Tensor<Double> = Fixture.normal([3, 2], standardDeviation: 0.5, seed: 160)
        let x1: Tensor<Double> = Fixture.normal([4, 3], seed: 161)
        let x2: Tensor<Double> = Fixture.normal([4, 3], seed: 162)
        let g1 = gradients(at: [w]) { ws in weightedSum(Self.tower(x1, ws[0]), seed: 1) }[0]!
        let g2 = gradients(at: [w]) { ws in weightedSum(Self.tower(x2, ws[0]), seed: 2) }[0]!
        #expect(firstMismatch(g1.doubles, g2.doubles, relative: 0.1, absolute: 0.01) != nil, "towers must differ")

        let shared = w.copy().requiringGradient()
        let loss = weightedSum(Self.tower(x1, shared), seed: 1) + weightedSum(Self.tower(x2, shared), seed: 2)
        loss.backward()
        expectClose(shared.grad!, g1 + g2, relative: 1e-12, absolute: 1e-14)
    }

    /// Two towers meeting in one loss (a siamese network) check out numerically.
    @Test func siameseTowersPassGradientCheck() {
        let w: Tensor<Double> = Fixture.normal([3, 2], seed: 163)
        let x1: Tensor<Double> = Fixture.normal([4, 3], seed: 164)
        let x2: Tensor<Double> = Fixture.normal([4, 3], seed: 165)
        expectGradientsCorrect(at: [w]) { ws in
            weightedSum(Self.tower(x1, ws[0]).squaredDistance(to: Self.tower(x2, ws[0])))
        }
    }

    /// An intermediate result read by two operations gets both gradients before
    /// its own backward runs (the topological order), over several levels.
    @Test func diamondsPassGradientCheck() {
        let x: Tensor<Double> = Fixture.normal([2, 3], seed: 166)
        expectGradientsCorrect(at: [x]) { xs in
            var h = xs[0]
            for _ in 0..<5 { h = h.tanh() + h.sigmoid() * h }
            return weightedSum(h)
        }
    }

    @Test func gradientsOfLeavesMatchBackwardAndLeaveTheirGradUnchanged() throws {
        let x: Tensor<Double> = Fixture.normal([4, 3], seed: 167)
        let w: Tensor<Double> = Fixture.normal([3, 2], seed: 168).requiringGradient()
        let b: Tensor<Double> = Fixture.normal([2], seed: 169).requiringGradient()
        let previous = try Tensor<Double>.filled([3, 2], with: 7)
        w.grad = previous
        let g = gradients(of: weightedSum((x.matmul(w) + b).sigmoid()), wrt: [w, b])
        #expect(w.grad === previous)
        #expect(w.grad?.scalars == [Double](repeating: 7, count: 6))
        #expect(b.grad == nil)

        let w2 = w.copy().requiringGradient(), b2 = b.copy().requiringGradient()
        weightedSum((x.matmul(w2) + b2).sigmoid()).backward()
        expectClose(g[0]!, w2.grad!, relative: 1e-15, absolute: 0)
        expectClose(g[1]!, b2.grad!, relative: 1e-15, absolute: 0)
        #expect(g[1]!.maxAbsolute > 0.01)
    }

    @Test func gradientsOfIntermediateResults() {
        let x: Tensor<Double> = Fixture.normal([4, 3], seed: 170)
        let w: Tensor<Double> = Fixture.normal([3, 2], seed: 171).requiringGradient()
        let h = x.matmul(w)
        let g = gradients(of: weightedSum(h.tanh()), wrt: [h, w])
        // ∂/∂h Σ c·tanh(h) = c · (1 − tanh²h), and ∂/∂w = xᵀ · that.
        let c: Tensor<Double> = Fixture.weights([4, 2], seed: 0x5EED)
        let t = h.doubles.map { Foundation.tanh($0) }
        let gh = zip(c.doubles, t).map { $0 * (1 - $1 * $1) }
        expectClose(g[0]!, shape: [4, 2], gh, relative: 1e-12, absolute: 1e-14)
        let gw = Reference.matmul(x.doubles, [4, 3], gh, [4, 2], transposeA: true, transposeB: false)
        expectClose(g[1]!, shape: [3, 2], gw.values, relative: 1e-12, absolute: 1e-14)
        #expect(w.grad == nil)
        #expect(!h.requiresGrad)  // the graph was released
    }

    @Test func gradientsAreNilForTensorsTheLossDoesNotReadAndOtherLeavesAccumulate() {
        let x: Tensor<Double> = Fixture.normal([2, 3], seed: 172)
        let w: Tensor<Double> = Fixture.normal([3, 3], seed: 173).requiringGradient()
        let b: Tensor<Double> = Fixture.normal([3], seed: 174).requiringGradient()
        let unused: Tensor<Double> = Fixture.normal([3], seed: 175).requiringGradient()
        let g = gradients(of: weightedSum(x.matmul(w) + b), wrt: [w, unused])
        #expect(g[0] != nil)
        #expect(g[1] == nil)
        #expect(unused.grad == nil)
        // `b` is a leaf of the graph not asked about: it accumulates as with backward().
        #expect(b.grad?.shape == [3])
        #expect(w.grad == nil)
    }

    @Test func withoutGradientsRecordsNothing() {
        let x: Tensor<Double> = Fixture.normal([2, 3], seed: 176)
        let w: Tensor<Double> = Fixture.normal([3, 2], seed: 177).requiringGradient()
        #expect(GradientMode.isEnabled)
        let y = withoutGradients { () -> Tensor<Double> in
            #expect(!GradientMode.isEnabled)
            return x.matmul(w).tanh() + w.sum()
        }
        #expect(GradientMode.isEnabled)
        #expect(!y.requiresGrad)
        #expect(y.node == nil)
        #expect(w.requiresGrad)
        expectClose(y, Self.tower(x, w) + w.sum(), relative: 0, absolute: 0)
        // Recording resumes afterwards.
        let z = x.matmul(w)
        #expect(z.requiresGrad)
        #expect(z.node != nil)
    }

    @Test func withoutGradientsRethrows() throws {
        struct Failure: Error {}
        #expect(throws: Failure.self) { try withoutGradients { throw Failure() } }
        #expect(GradientMode.isEnabled)
    }

    @Test func backwardTwiceAccumulatesAndZeroGradResets() throws {
        let x: Tensor<Double> = Fixture.normal([4, 3], seed: 178)
        let w: Tensor<Double> = Fixture.normal([3, 2], seed: 179).requiringGradient()
        func loss() -> Tensor<Double> { weightedSum(x.matmul(w).sigmoid()) }
        loss().backward()
        let once = w.grad!.scalars
        #expect(once.contains { $0 != 0 })
        loss().backward()
        expectClose(w.grad!.scalars, once.map { 2 * $0 }, relative: 1e-15, absolute: 0)
        w.zeroGrad()
        #expect(w.grad == nil)
        loss().backward()
        #expect(w.grad!.scalars == once)
    }

    @Test func backwardWithSeedOfNonScalarOutput() throws {
        let x = try Tensor<Double>([[1, 2, 3], [4, 5, 6]]).requiringGradient()
        let w = try Tensor<Double>([[2, -1, 0.5], [1, 3, -2]])
        let seed = try Tensor<Double>([[1, 0, 2], [-1, 1, 0.5]])
        (x * w).backward(seed: seed)
        #expect(x.grad?.scalars == [2, 0, 1, -1, 3, -1])
    }

    @Test func backwardOfALeafSeedsItsOwnGradient() {
        let s = Tensor<Double>(3).requiringGradient()
        s.backward()
        #expect(s.grad?.scalars == [1])
        #expect(s.grad?.shape == [])
    }

    @Test func requiresGradPropagatesFromInputs() throws {
        let a = Tensor<Float>([1, 2]), b = Tensor<Float>([3, 4])
        #expect(!(a + b).requiresGrad)
        #expect((a + b).node == nil)
        b.requiringGradient()
        #expect((a * b).requiresGrad)
        #expect((a * b).node != nil)
        #expect((a.relu() + b.sum()).requiresGrad)
        b.requiringGradient(false)
        #expect(!(a * b).requiresGrad)
    }

    /// A detached tensor is a constant: `Σ h·detach(h)` has gradient `detach(h)`, not `2h`.
    @Test func detachedTensorsStopGradients() throws {
        let x = try Tensor<Double>([[1, 2]])
        let w = try Tensor<Double>([[3], [4]]).requiringGradient()
        let h = x.matmul(w)  // [[11]]
        let d = h.detached()
        #expect(!d.requiresGrad)
        #expect(d.scalars == [11])
        (h * d).sum().backward()
        #expect(w.grad?.scalars == [11, 22])
    }

    /// The graph is walked without recursion: a very deep chain back-propagates.
    @Test func deepChainBackpropagates() {
        let x = Tensor<Double>([1, 2]).requiringGradient()
        var y = x
        let depth = 20_000
        for _ in 0..<depth { y = y.scaled(by: 1.0001) }
        y.sum().backward()
        let expected = Foundation.pow(1.0001, Double(depth))
        expectClose(x.grad!.scalars, [expected, expected], relative: 1e-10)
    }
}
