import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Variables

/// Every loss run both ways: eagerly, and as a captured step replayed on new
/// inputs; the replays must compute exactly what eager execution computes.
@Suite("Captured steps of every loss")
struct LossCaptureTests {
    /// A small model (a dense layer) and a loss of its output and a second input.
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        /// The model's output for `x`, then the loss against `y`.
        var loss: @Sendable (_ store: VariableStore, _ x: Tensor<Double>, _ y: Tensor<Double>) throws -> Tensor<Double>
        /// The second input (targets, labels, a second embedding) for `seed`.
        var second: @Sendable (_ seed: UInt64) -> Tensor<Double>
    }

    static func dense(_ store: VariableStore, _ x: Tensor<Double>, units: Int = 3) throws -> Tensor<Double> {
        try store.variableScope("model", reuse: .autoReuse) { try Dense<Double>(units: units, activation: .tanh)(x) }
    }

    static let cases: [Case] = [
        Case(
            description: "contrastive, labels as a tensor",
            loss: { s, x, y in
                try contrastiveLoss(
                    try dense(s, x), try dense(s, y.slice(0..<4, axis: 1)), same: y.slice(4..<5, axis: 1).reshaped([5]),
                    margin: 1)
            },
            second: { seed in
                let z: Tensor<Double> = Fixture.normal([5, 4], seed: seed)
                let same = Tensor<Double>((0..<5).map { Double((Int(seed) + $0) % 2) }).reshaped([5, 1])
                return Tensor.concat([z, same], axis: 1)
            }),
        Case(
            description: "contrastive, PairLabel constants",
            loss: { s, x, y in
                try contrastiveLoss(
                    try dense(s, x), try dense(s, y), labels: [.same, .different, .same, .same, .different])
            },
            second: { Fixture.normal([5, 4], seed: $0) }),
        Case(
            description: "triplet margin",
            loss: { s, x, y in
                try tripletMarginLoss(
                    anchor: try dense(s, x), positive: try dense(s, y.slice(0..<4, axis: 1)),
                    negative: try dense(s, y.slice(4..<8, axis: 1)))
            },
            second: { Fixture.normal([5, 8], seed: $0) }),
        Case(
            description: "mean squared error",
            loss: { s, x, y in try meanSquaredError(try dense(s, x), y) },
            second: { Fixture.normal([5, 3], seed: $0) }),
        Case(
            description: "softmax cross-entropy, constant labels",
            loss: { s, x, _ in try softmaxCrossEntropy(logits: try dense(s, x), labels: [0, 2, 1, 1, 2]) },
            second: { Fixture.normal([5, 3], seed: $0) }),
    ]

    @Test("capture and replays equal eager execution bit for bit", arguments: cases)
    func replayEqualsEager(c: Case) throws {
        let inputs = (0..<3).map {
            (Fixture.normal([5, 4], seed: 50 + UInt64($0)) as Tensor<Double>, c.second(60 + UInt64($0)))
        }
        func snapshot(_ store: VariableStore, _ loss: Double) -> [Double] {
            [loss] + store.trainableVariables.flatMap { ($0 as! Variable<Double>).gradient!.doubles }
        }
        func reset(_ store: VariableStore) {
            for v in store.trainableVariables { (v as! Variable<Double>).value.zeroGrad() }
        }
        let eagerStore = VariableStore(seed: 9)
        var eager: [[Double]] = []
        for (x, y) in inputs {
            let loss = try c.loss(eagerStore, x, y)
            loss.backward()
            eager.append(snapshot(eagerStore, loss.scalar))
            reset(eagerStore)
        }
        let store = VariableStore(seed: 9)
        let step = try store.capture(inputs[0].0, inputs[0].1) { x, y in try c.loss(store, x, y) }
        var captured = [snapshot(store, step.lastLoss)]
        for (x, y) in inputs.dropFirst() {
            reset(store)
            let loss = try step(x, y)
            captured.append(snapshot(store, loss))
        }
        #expect(captured == eager, "\(c)")
    }

    @Test("labels as an integer tensor: each replay's labels are used, and checked before it runs")
    func integerLabels() throws {
        let x: Tensor<Double> = Fixture.normal([4, 4], seed: 1)
        func eager(_ labels: [Int32]) throws -> Double {
            let store = VariableStore(seed: 2)
            return try softmaxCrossEntropy(logits: try Self.dense(store, x), labels: Tensor<Int32>(labels)).scalar
        }
        let store = VariableStore(seed: 2)
        let step = try store.capture(x, Tensor<Int32>([0, 1, 2, 0])) { x, labels in
            try softmaxCrossEntropy(logits: try Self.dense(store, x), labels: labels)
        }
        #expect(step.lastLoss == (try eager([0, 1, 2, 0])))
        let kernel = try #require(store.variable(named: "model/dense/kernel") as? Variable<Double>)
        kernel.value.zeroGrad()
        #expect(try step(x, Tensor<Int32>([2, 2, 1, 0])) == (try eager([2, 2, 1, 0])))
        let gradient = kernel.gradient!.scalars
        #expect(throws: CaptureError.invalidInput("label 3.0 of row 1 is not a class in 0..<3")) {
            try step(x, Tensor<Int32>([0, 3, 1, 0]))
        }
        #expect(kernel.gradient!.scalars == gradient, "a rejected replay computes nothing")
        #expect(throws: LossError.self) { try softmaxCrossEntropy(logits: x, labels: Tensor<Int32>([0, 9, 1, 0])) }
    }

    @Test("an embedding replayed with an index out of range is an error, not a trap")
    func embeddingIndices() throws {
        let store = VariableStore(seed: 3)
        let embedding = Embedding<Double>(vocabularySize: 5, dimension: 2)
        let ids = Tensor<Double>([0, 4, 2])
        let step = try store.capture(ids) { ids in try store.asDefault { try embedding(ids) }.sum() }
        _ = try step(Tensor<Double>([1, 1, 3]))
        #expect(throws: CaptureError.invalidInput("index 5.0 (element 1) is not a row of the 5-row table")) {
            try step(Tensor<Double>([1, 5, 3]))
        }
    }
}
