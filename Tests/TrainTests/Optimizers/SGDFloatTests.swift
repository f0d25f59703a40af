import TestSupport
import Testing
import TowersCore
import Train
import Variables

/// SGD on `Float` (plain momentum or none) runs eight lanes at a time and checks
/// what it writes for NaN and infinities in the same pass: the same numbers as
/// one element at a time, and the same errors as the engine's scan.
@Suite("SGD on Float")
struct SGDFloatTests {
    @Test(
        "eight lanes at a time: bit-identical to the scalar update, remainders included",
        arguments: [(1, 0.9), (8, 0.9), (19, 0.9), (19, 0.0), (40, 0.5)])
    func lanesEqualScalar(count: Int, momentum: Double) throws {
        let store = VariableStore(seed: 1)
        let start = (0..<count).map { Float($0) * 0.37 - 1.1 }
        let w: Variable<Float> = try store.getVariable("w", initialValue: Tensor(shape: [count], scalars: start))
        let sgd = try SGD(store: store, learningRate: .constant(0.03), momentum: momentum)
        var expected = start, buf = [Float](repeating: 0, count: count)
        let rate = Float(-0.03), mu = Float(momentum)
        for step in 1...3 {
            let grad = (0..<count).map { Float(($0 * 7 + step * 3) % 11) * 0.1 - 0.4 }
            w.value.grad = try Tensor(shape: [count], scalars: grad)
            try sgd.step()
            for i in 0..<count {
                if momentum > 0 {
                    buf[i] = mu * buf[i] + grad[i]
                    expected[i] += rate * buf[i]
                } else {
                    expected[i] += rate * grad[i]
                }
            }
            #expect(w.value.grad?.scalars == [Float](repeating: 0, count: count), "the gradient is zeroed")
        }
        #expect(w.value.scalars.map(\.bitPattern) == expected.map(\.bitPattern))
        if momentum > 0 {
            let slot = try #require(store.variable(named: "w/Momentum")?.tensor(as: Float.self))
            #expect(slot.scalars.map(\.bitPattern) == buf.map(\.bitPattern))
        }
    }

    @Test(
        "a weight made infinite in the lanes or in the remainder stops training, naming it",
        arguments: [(3, 0.9), (17, 0.9), (3, 0.0), (17, 0.0)])
    func nonFinite(index: Int, momentum: Double) throws {
        let store = VariableStore(seed: 1)
        let ok: Variable<Float> = try store.getVariable(
            "ok", initialValue: Tensor(shape: [5], scalars: [1, 2, 3, 4, 5]))
        var start = [Float](repeating: 1, count: 18)
        start[index] = -3e38
        let w: Variable<Float> = try store.getVariable("w", initialValue: Tensor(shape: [18], scalars: start))
        let sgd = try SGD(store: store, learningRate: .constant(3e38), momentum: momentum)
        ok.value.grad = try Tensor(shape: [5], scalars: [Float](repeating: 0, count: 5))
        w.value.grad = try Tensor(shape: [18], scalars: [Float](repeating: 1, count: 18))
        #expect(throws: TrainingError.nonFiniteWeights(step: 0, variable: "w", lastGoodCheckpoint: nil)) {
            try sgd.step()
        }
        #expect(sgd.stepCount == 0)
    }
}
