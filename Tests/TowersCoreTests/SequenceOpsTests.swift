import TestSupport
import Testing
import TowersCore

@Suite("stack, unstack, reversedSequences")
struct SequenceOpsTests {
    @Test("stack inserts a new axis; unstack takes it apart again", arguments: [0, 1, 2, -1])
    func stackUnstackRoundTrip(axis: Int) throws {
        let parts: [Tensor<Double>] = (0..<4).map { Fixture.normal([2, 3], seed: UInt64(10 + $0)) }
        let stacked = Tensor.stack(parts, axis: axis)
        let ax = axis < 0 ? axis + 3 : axis
        var shape = [2, 3]
        shape.insert(4, at: ax)
        #expect(stacked.shape == shape)
        // Element (i, j) of part k sits at index k of the new axis.
        for (k, p) in parts.enumerated() {
            for i in 0..<2 {
                for j in 0..<3 {
                    var index = [i, j]
                    index.insert(k, at: ax)
                    #expect(stacked[index[0], index[1], index[2]] == p[i, j])
                }
            }
        }
        let back = stacked.unstack(axis: axis)
        #expect(back.count == 4)
        for (a, b) in zip(back, parts) { #expect(a.shape == [2, 3] && a.scalars == b.scalars) }
    }

    @Test("gradient checks in Double")
    func gradients() {
        let a: Tensor<Double> = Fixture.normal([2, 3], seed: 1), b: Tensor<Double> = Fixture.normal([2, 3], seed: 2)
        expectGradientsCorrect(at: [a, b]) { xs in weightedSum(Tensor.stack(xs, axis: 1).tanh()) }
        expectGradientsCorrect(at: [a, b]) { xs in weightedSum(Tensor.stack([xs[0], xs[1], xs[0]], axis: 0)) }
        let x: Tensor<Double> = Fixture.normal([3, 4, 2], seed: 3)
        expectGradientsCorrect(at: [x]) { xs in
            let steps = xs[0].unstack(axis: 1)
            return weightedSum(steps[0] * steps[2] + steps[3].tanh())
        }
        expectGradientsCorrect(at: [x]) { xs in weightedSum(xs[0].reversedSequences(lengths: [4, 1, 3]).tanh()) }
        expectGradientsCorrect(at: [x]) { xs in
            weightedSum(xs[0].reversedSequences(lengths: [0, 2, 1], timeAxis: 2).squared())
        }
    }

    @Test("reversedSequences reverses each row's first lengths[b] steps and keeps the rest")
    func reverseSequence() throws {
        let x = try Tensor<Float>(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
        let y = x.reversedSequences(lengths: [3, 2])
        // Row 0: steps [0,1], [2,3], [4,5] reversed; row 1: [6,7], [8,9] swapped, [10,11] kept.
        #expect(y.scalars == [4, 5, 2, 3, 0, 1, 8, 9, 6, 7, 10, 11])
        #expect(y.reversedSequences(lengths: [3, 2]).scalars == x.scalars)
        #expect(x.reversedSequences(lengths: [0, 1]).scalars == x.scalars)
        // Time on the last axis.
        let m = try Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(m.reversedSequences(lengths: [3, 2]).scalars == [3, 2, 1, 5, 4, 6])
    }
}
