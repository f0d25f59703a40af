import Layers
import TestSupport
import Testing
import TowersCore
import Variables

/// Every layer run both ways: eagerly, and as a captured step replayed on a new
/// input. The replay must compute exactly what eager execution computes.
@Suite("Captured steps of every layer")
struct LayerCaptureTests {
    /// Dropout draws a new mask per call; its replay is tested with the dropout operation.
    static let deterministic = registry.filter { $0.id != "dropout" }.map(\.id)

    @Test("capture and replays equal eager execution bit for bit: loss, gradients, variables", arguments: deterministic)
    func replayEqualsEager(id: String) throws {
        let c = layerCase(id)
        let inputs: [Tensor<Double>] = [try c.input(seed: 21), try c.input(seed: 22), try c.input(seed: 23)]
        func loss(_ store: VariableStore, _ x: Tensor<Double>) throws -> Tensor<Double> {
            weightedSum(try inTower(store) { try c.apply(x) })
        }
        /// The loss, the gradients and every variable's value after a run.
        func snapshot(_ store: VariableStore, _ loss: Double) throws -> [[Double]] {
            let grads = try gradientCopies(doubleVariables(store)).map(\.doubles)
            return [[loss]] + grads + doubleVariables(store, trainableOnly: false).map(\.value.doubles)
        }

        let eagerStore = VariableStore(seed: 3)
        var eager: [[[Double]]] = []
        for x in inputs {
            let l = try loss(eagerStore, x)
            if l.requiresGrad { l.backward() }
            eager.append(try snapshot(eagerStore, l.scalar))
            zeroGradients(doubleVariables(eagerStore))
        }

        let capturedStore = VariableStore(seed: 3)
        let step = try capturedStore.capture(inputs[0]) { x in try loss(capturedStore, x) }
        var captured = [try snapshot(capturedStore, step.lastLoss)]
        for x in inputs.dropFirst() {
            zeroGradients(doubleVariables(capturedStore))
            let l = try step(x)
            captured.append(try snapshot(capturedStore, l))
        }
        #expect(captured == eager, "\(id)")
        #expect(step.operationCount > 0)
    }

    @Test("a replay with an input of another shape is an error that says to capture again")
    func replayChecksShapes() throws {
        let store = VariableStore(seed: 1)
        let dense = Dense<Double>(units: 2)
        let step = try store.capture(try Tensor<Double>.ones([3, 4])) { x in try store.asDefault { try dense(x) }.sum()
        }
        #expect(throws: CaptureError.inputShape(input: 0, captured: [3, 4], given: [5, 4])) {
            try step(try Tensor<Double>.ones([5, 4]))
        }
        let message = "\(CaptureError.inputShape(input: 0, captured: [3, 4], given: [5, 4]))"
        #expect(message.contains("capture the step again"))
    }

    @Test("captured operations get TF1's names, unique per capture")
    func operationNames() throws {
        let store = VariableStore(seed: 1)
        let step = try store.capture(try Tensor<Double>.ones([3, 4])) { x in
            try store.variableScope("tower") {
                let h = try Dense<Double>(units: 5, activation: .relu)(x)
                return try Dense<Double>(units: 2)(h)
            }.sum()
        }
        #expect(
            step.operationNames == [
                "tower/dense/MatMul", "tower/dense/BiasAdd", "tower/dense_1/MatMul", "tower/dense_1/BiasAdd", "Sum",
            ])
    }

    @Test("capturing inside a capture is an error")
    func nestedCapture() throws {
        let store = VariableStore()
        let x = try Tensor<Double>.ones([2])
        #expect(throws: CaptureError.nested) {
            try store.capture(x) { x in
                _ = try store.capture(x) { $0.sum() }
                return x.sum()
            }
        }
    }
}
