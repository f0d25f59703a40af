import Foundation
import TestSupport
import Testing
import TowersCore
import Train
import Variables

/// Adam on `Float` runs sixteen lanes at a time (AVX-512, where the CPU has it),
/// then four, and checks what it writes for NaN and infinities in the same pass:
/// the same numbers as one element at a time, and the same errors as the
/// engine's scan.
@Suite("Adam on Float")
struct AdamFloatTests {
    /// Float Adam on `count` elements equals the scalar update computed here, bit for bit.
    @Test(
        "sixteen and four lanes at a time: bit-identical to the scalar update, remainders included",
        arguments: [1, 4, 9, 18, 37, 53])
    func lanesEqualScalar(count: Int) throws {
        let store = VariableStore(seed: 1)
        let start = (0..<count).map { Float($0) * 0.37 - 1.1 }
        let w: Variable<Float> = try store.getVariable("w", initialValue: Tensor(shape: [count], scalars: start))
        let adam = try Adam(store: store, learningRate: .constant(0.01))
        var expected = start, m = [Float](repeating: 0, count: count), v = m
        for step in 1...4 {
            // Gradients whose products round differently with and without fused
            // multiply-adds (a fused kernel would fail this test).
            let grad = (0..<count).map { Float(sin(Double($0 * 7 + step * 3)) * 0.9) }
            w.value.grad = try Tensor(shape: [count], scalars: grad)
            // PyTorch's update, in Float, as the scalar loop computes it, from the
            // beta powers before the step (Float variables, β itself at first).
            func power(_ name: String, _ beta: Float) -> Double {
                Double(store.variable(named: name)?.tensor(as: Float.self)?.scalars[0] ?? beta)
            }
            let bc1 = 1 - power("beta1_power", 0.9), bc2 = 1 - power("beta2_power", 0.999)
            let stepSize = Float(0.01 / bc1), scale = Float(1 / bc2.squareRoot())
            try adam.step()
            #expect(w.value.grad?.scalars == [Float](repeating: 0, count: count), "the gradient is zeroed")
            for i in 0..<count {
                m[i] += Float(1 - 0.9) * (grad[i] - m[i])
                v[i] = Float(0.999) * v[i] + Float(1 - 0.999) * grad[i] * grad[i]
                expected[i] -= stepSize * (m[i] / (v[i].squareRoot() * scale + Float(1e-8)))
            }
        }
        #expect(w.value.scalars.map(\.bitPattern) == expected.map(\.bitPattern))
        let slots = try ["w/Adam", "w/Adam_1"].map { try #require(store.variable(named: $0)?.tensor(as: Float.self)) }
        #expect(slots[0].scalars.map(\.bitPattern) == m.map(\.bitPattern))
        #expect(slots[1].scalars.map(\.bitPattern) == v.map(\.bitPattern))
    }

    @Test(
        "a weight made infinite in any kind of lane or in the remainder stops training, naming it",
        arguments: [2, 20, 35, 41])
    func nonFinite(index: Int) throws {
        let store = VariableStore(seed: 1)
        // 42 elements: two blocks of sixteen, two of four, two alone.
        var start = [Float](repeating: 1, count: 42)
        start[index] = -3e38
        let w: Variable<Float> = try store.getVariable("w", initialValue: Tensor(shape: [42], scalars: start))
        let ok: Variable<Float> = try store.getVariable(
            "ok", initialValue: Tensor(shape: [5], scalars: [1, 2, 3, 4, 5]))
        let adam = try Adam(store: store, learningRate: .constant(3e38))
        w.value.grad = try Tensor(shape: [42], scalars: [Float](repeating: 1, count: 42))
        ok.value.grad = try Tensor(shape: [5], scalars: [Float](repeating: 0, count: 5))
        #expect(throws: TrainingError.nonFiniteWeights(step: 0, variable: "w", lastGoodCheckpoint: nil)) {
            try adam.step()
        }
        #expect(adam.stepCount == 0)
    }
}
