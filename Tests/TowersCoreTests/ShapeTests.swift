import TestSupport
import Testing
import TowersCore

@Suite struct ShapeTests {
    @Test func reshapedKeepsElementsAndInfersMinusOne() throws {
        let x = try Tensor<Float>(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        let y = x.reshaped([4, -1])
        #expect(y.shape == [4, 6])
        #expect(y.scalars == x.scalars)
        #expect(x.reshaped([-1]).shape == [24])
        #expect(x.reshaped([2, -1, 3]).shape == [2, 4, 3])
        #expect(x.reshaped([24, 1]).shape == [24, 1])
        #expect(Tensor<Float>(5).reshaped([1, 1]).shape == [1, 1])
    }

    @Test func reshapedSharesMemory() throws {
        let x = try Tensor<Double>([[1, 2], [3, 4]])
        let flat = x.reshaped([4])
        x[1, 0] = 30
        #expect(flat[2] == 30)
    }

    @Test func reshapedPassesGradientCheck() {
        let x: Tensor<Double> = Fixture.normal([2, 6], seed: 100)
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].reshaped([3, -1]).tanh()) }
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].reshaped([2, 3, 2]).sum(axis: 1)) }
        // A reshape of a reshape, down to a scalar.
        expectGradientsCorrect(at: [x]) { xs in xs[0].reshaped([12, 1]).sum(axis: 0).reshaped([]).tanh() }
    }

    @Test func transposedMatchesNaive() {
        for shape in [[3, 5], [1, 7], [37, 70]] {
            let x: Tensor<Float> = Fixture.normal(shape, seed: 101)
            let y = x.transposed()
            #expect(y.shape == [shape[1], shape[0]])
            var expected: [Float] = []
            for j in 0..<shape[1] {
                for i in 0..<shape[0] { expected.append(x[i, j]) }
            }
            #expect(y.scalars == expected, "shape \(shape)")
        }
    }

    @Test func transposedPassesGradientCheck() {
        let x: Tensor<Double> = Fixture.normal([3, 5], seed: 102)
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].transposed()) }
        let big: Tensor<Double> = Fixture.normal([33, 40], seed: 103)
        let w: Tensor<Double> = Fixture.weights([40, 33], seed: 104)
        let g = gradients(at: [big]) { xs in (xs[0].transposed() * w).sum() }
        #expect(g[0]?.scalars == w.transposed().scalars)
    }

    /// Parts of different sizes along `axis` of `shape`.
    static func parts(_ shape: [Int], axis: Int, sizes: [Int], seed: UInt64) -> [Tensor<Double>] {
        sizes.enumerated().map { i, n in
            var s = shape
            s[axis] = n
            return Fixture.normal(s, seed: seed + UInt64(i))
        }
    }

    @Test(arguments: [([4, 3], 0), ([4, 3], 1), ([2, 3, 4], 1), ([2, 3, 4], 0), ([2, 3, 4], 2)])
    func concatMatchesNaive(shape: [Int], axis: Int) {
        let parts = Self.parts(shape, axis: axis, sizes: [2, 1, 3], seed: 105).map { $0.converted(to: Float.self) }
        let y = Tensor.concat(parts, axis: axis)
        let reference = Reference.concat(parts.map { ($0.doubles, $0.shape) }, axis: axis)
        expectClose(y, shape: reference.shape, reference.values, relative: 0, absolute: 0)
    }

    @Test(arguments: [([4, 3], 0), ([4, 3], 1), ([2, 3, 4], 1), ([2, 3, 4], -1)])
    func concatPassesGradientCheck(shape: [Int], axis: Int) throws {
        let ax = axis < 0 ? axis + shape.count : axis
        let parts = Self.parts(shape, axis: ax, sizes: [2, 1, 3], seed: 106)
        expectGradientsCorrect(at: parts) { xs in weightedSum(Tensor.concat(xs, axis: axis)) }
    }

    @Test func concatWithConstantPartsRoutesGradientsToTheRightPlaces() throws {
        let a = try Tensor<Double>([[1, 2]]), b = try Tensor<Double>([[3, 4], [5, 6]])
        let w = try Tensor<Double>([[1, 2], [3, 4], [5, 6]])
        let gb = gradients(at: [b]) { xs in (Tensor.concat([a, xs[0]], axis: 0) * w).sum() }
        #expect(gb[0]?.scalars == [3, 4, 5, 6])
        let ga = gradients(at: [a]) { xs in (Tensor.concat([xs[0], b], axis: 0) * w).sum() }
        #expect(ga[0]?.scalars == [1, 2])
    }

    @Test(arguments: [([5, 4], 0, 1..<4), ([5, 4], 1, 2..<4), ([2, 5, 3], 1, 1..<3), ([2, 5, 3], -1, 0..<2)])
    func sliceMatchesNaiveAndPassesGradientCheck(shape: [Int], axis: Int, range: Range<Int>) {
        let ax = axis < 0 ? axis + shape.count : axis
        let x: Tensor<Double> = Fixture.normal(shape, seed: 107)
        let reference = Reference.slice(x.doubles, shape, range, axis: ax)
        let xf = x.converted(to: Float.self)
        expectClose(
            xf.slice(range, axis: axis), shape: reference.shape, reference.values.map { Float($0) },
            relative: 0, absolute: 0)
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].slice(range, axis: axis)) }
    }

    @Test func slicedPartsGetGradientOnlyWhereRead() throws {
        let x = try Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        let g = try gradients(at: [x]) { xs in try (xs[0].slice(1..<3, axis: 1) * Tensor([[1, 2], [3, 4]])).sum() }
        #expect(g[0]?.scalars == [0, 1, 2, 0, 3, 4])
    }

    @Test func splitReassemblesAndPassesGradientCheck() {
        let x: Tensor<Double> = Fixture.normal([3, 8], seed: 108)
        let parts = x.split(sizes: [3, 1, 4], axis: 1)
        #expect(parts.map(\.shape) == [[3, 3], [3, 1], [3, 4]])
        #expect(Tensor.concat(parts, axis: 1).scalars == x.scalars)
        let quarters = x.split(count: 4, axis: -1)
        #expect(quarters.map(\.shape) == Array(repeating: [3, 2], count: 4))
        #expect(quarters[2].scalars == Reference.slice(x.doubles, [3, 8], 4..<6, axis: 1).values)
        let rows = x.split(count: 3)
        #expect(rows[1].scalars == Array(x.scalars[8..<16]))
        // Parts used in different ways, like LSTM gates.
        expectGradientsCorrect(at: [x]) { xs in
            let p = xs[0].split(sizes: [3, 1, 4], axis: 1)
            return weightedSum(p[0].tanh(), seed: 1) + weightedSum(p[1].sigmoid(), seed: 2) + weightedSum(p[2], seed: 3)
        }
    }

    @Test func floatGradientsOfConcatAndSliceMatchDouble() {
        func loss<S: TensorScalar>(_ xs: [Tensor<S>]) -> Tensor<S> {
            let joined = Tensor.concat([xs[0], xs[1]], axis: 1)
            return weightedSum(joined.slice(10..<60, axis: 1).transposed().reshaped([-1]))
        }
        let a: Tensor<Double> = Fixture.normal([40, 33], seed: 109)
        let b: Tensor<Double> = Fixture.normal([40, 41], seed: 110)
        expectFloatGradientsMatchDouble(at: [a, b], float: loss, double: loss)
    }
}
