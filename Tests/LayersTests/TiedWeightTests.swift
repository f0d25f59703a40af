import Layers
import TestSupport
import Testing
import TowersCore
import Variables

/// Weights used more than once inside one model: a decoder tied to its encoder,
/// an embedding table used for lookup and as the output projection, and a cell
/// unrolled over time. In each case the store holds ONE variable whose gradient
/// is the sum of the gradients of its uses, each computed separately with the
/// other uses held constant.
@Suite("Tied weights")
struct TiedWeightTests {
    /// Gives `variable` random values (e.g. a bias that starts at zero).
    static func randomize(_ variable: any AnyVariable, seed: UInt64) throws {
        let v = try #require(variable as? Variable<Double>)
        v.value.assign(Fixture.normal(v.shape, standardDeviation: 0.5, seed: seed))
    }

    static func variable(_ store: VariableStore, _ name: String) throws -> Variable<Double> {
        try #require(store.variable(named: name) as? Variable<Double>, "no Double variable \(name)")
    }

    // MARK: TiedDense

    @Test("autoencoder: one kernel; its gradient is the encoder use plus the decoder use")
    func tiedAutoencoder() throws {
        let store = VariableStore(seed: 2)
        let encoder = Dense<Double>(units: 3, activation: .tanh)
        let decoder = TiedDense(tiedTo: encoder, activation: .sigmoid)
        let x: Tensor<Double> = Fixture.normal([5, 4], seed: 50)
        func model() throws -> Tensor<Double> { try store.asDefault { try decoder(try encoder(x)) } }
        _ = try model()
        #expect(store.allVariables.map(\.name) == ["dense/kernel", "dense/bias", "tied_dense/bias"])
        #expect(store.allVariables.map(\.shape) == [[4, 3], [3], [4]])
        try Self.randomize(try Self.variable(store, "dense/bias"), seed: 51)
        try Self.randomize(try Self.variable(store, "tied_dense/bias"), seed: 52)
        let kernel = try Self.variable(store, "dense/kernel")
        let b = try Self.variable(store, "dense/bias").value, c = try Self.variable(store, "tied_dense/bias").value

        // Forward against a naive loop: σ(tanh(x·W + b)·Wᵀ + c).
        let y = try model()
        var expected: [Double] = []
        for r in 0..<5 {
            let code = (0..<3).map { j in tanhD((0..<4).reduce(b[j]) { $0 + x[r, $1] * kernel.value[$1, j] }) }
            expected += (0..<4).map { i in sigmoid((0..<3).reduce(c[i]) { $0 + code[$1] * kernel.value[i, $1] }) }
        }
        expectClose(y, shape: [5, 4], expected, relative: 1e-12, absolute: 1e-14)

        // The layer's gradient.
        weightedSum(y).backward()
        let total = try #require(kernel.gradient)

        // Each use alone, the other holding a constant copy of the kernel.
        let w = kernel.value.copy()
        func loss(encoderKernel: Tensor<Double>, decoderKernel: Tensor<Double>) -> Tensor<Double> {
            let code = (x.matmul(encoderKernel) + b.detached()).tanh()
            return weightedSum((code.matmul(decoderKernel, transposeOther: true) + c.detached()).sigmoid())
        }
        let encoderUse = try #require(gradients(at: [w]) { loss(encoderKernel: $0[0], decoderKernel: w) }[0])
        let decoderUse = try #require(gradients(at: [w]) { loss(encoderKernel: w, decoderKernel: $0[0]) }[0])
        #expect(encoderUse.maxAbsolute > 1e-3 && decoderUse.maxAbsolute > 1e-3)
        expectClose(total, plus(encoderUse, decoderUse), relative: 1e-10, absolute: 1e-13)
        // Neither use alone accounts for it.
        #expect(firstMismatch(total.doubles, decoderUse.doubles, relative: 1e-3, absolute: 1e-6) != nil)
        #expect(firstMismatch(total.doubles, encoderUse.doubles, relative: 1e-3, absolute: 1e-6) != nil)
    }

    @Test("three autoencoder towers share the one kernel")
    func tiedAutoencoderTowers() throws {
        let store = VariableStore()
        let c = layerCase("tied_dense")
        let recorder = VariableRecorder()
        for seed in [1, 2, 3] as [UInt64] {
            _ = try inTower(store, customGetter: recorder.getter) { try c.apply(c.input(seed: seed) as Tensor<Float>) }
        }
        #expect(store.allVariables.map(\.name) == ["tower/dense/kernel", "tower/dense/bias", "tower/tied_dense/bias"])
        let kernel = store.allVariables[0]
        #expect(recorder.variables.filter { $0 === kernel }.count == 6, "3 towers × (encoder + decoder)")
        #expect(distinct(recorder.variables).count == 3)
    }

    // MARK: Embedding

    static let indices = [1, 3, 1, 5]

    @Test("embedding: one table; lookup and attend gradients add up")
    func embeddingLookupAndAttend() throws {
        let store = VariableStore(seed: 2)
        let embedding = Embedding<Double>(
            vocabularySize: 6, dimension: 4, initializer: .randomNormal(standardDeviation: 1))
        let ids = Tensor<Double>(Self.indices.map(Double.init))
        let logits = try store.asDefault { try embedding.attend(try embedding(ids)) }
        #expect(logits.shape == [4, 6])
        #expect(store.allVariables.map(\.name) == ["embedding/embeddings"])
        let table = try Self.variable(store, "embedding/embeddings")

        // Forward: logits[r, v] = ⟨table[ids[r]], table[v]⟩.
        var expected: [Double] = []
        for i in Self.indices {
            expected += (0..<6).map { v in (0..<4).reduce(0) { $0 + table.value[i, $1] * table.value[v, $1] } }
        }
        expectClose(logits, shape: [4, 6], expected, relative: 1e-12, absolute: 1e-14)

        weightedSum(logits).backward()
        let total = try #require(table.gradient)
        let t = table.value.copy()
        func loss(lookup: Tensor<Double>, attend: Tensor<Double>) -> Tensor<Double> {
            weightedSum(lookup.gather(rows: Self.indices).matmul(attend, transposeOther: true))
        }
        let lookupUse = try #require(gradients(at: [t]) { loss(lookup: $0[0], attend: t) }[0])
        let attendUse = try #require(gradients(at: [t]) { loss(lookup: t, attend: $0[0]) }[0])
        #expect(lookupUse.maxAbsolute > 1e-3 && attendUse.maxAbsolute > 1e-3)
        expectClose(total, plus(lookupUse, attendUse), relative: 1e-10, absolute: 1e-13)
        #expect(firstMismatch(total.doubles, attendUse.doubles, relative: 1e-3, absolute: 1e-6) != nil)
    }

    @Test("embedding: repeated indices scatter-add; unused rows get zeros")
    func embeddingScatterAdd() throws {
        let store = VariableStore()
        let embedding = Embedding<Double>(vocabularySize: 6, dimension: 4)
        let vectors = try store.asDefault { try embedding(Tensor<Double>(Self.indices.map(Double.init))) }
        #expect(vectors.shape == [4, 4])
        let w: Tensor<Double> = Fixture.weights([4, 4], seed: 60)
        (vectors * w).sum().backward()
        let g = try #require(try Self.variable(store, "embedding/embeddings").gradient)
        var expected = [Double](repeating: 0, count: 6 * 4)
        for (r, i) in Self.indices.enumerated() {
            for d in 0..<4 { expected[i * 4 + d] += w[r, d] }
        }
        expectClose(g, shape: [6, 4], expected, relative: 1e-15, absolute: 1e-15)
        // Row 1 is read twice: it gets w[0] + w[2], not either alone.
        #expect(abs(g[1, 0] - (w[0, 0] + w[2, 0])) < 1e-15)
    }

    @Test("embedding: forward on an index tensor of any shape equals lookup")
    func embeddingShapes() throws {
        let store = VariableStore(seed: 8)
        let embedding = Embedding<Float>(vocabularySize: 6, dimension: 3)
        let grid = try store.asDefault { try embedding(Tensor<Float>([[0, 5, 2], [2, 2, 4]])) }
        let rows = try store.asDefault { try embedding.lookup([0, 5, 2, 2, 2, 4]) }
        #expect(grid.shape == [2, 3, 3])
        #expect(grid.scalars == rows.scalars)
        let table = try #require(store.variable(named: "embedding/embeddings")?.tensor(as: Float.self))
        #expect(Array(rows.scalars[3..<6]) == (0..<3).map { table[5, $0] })
        #expect(store.allVariables.count == 1)
        let error = thrownError { _ = try store.asDefault { try embedding.lookup([0, 6]) } }
        #expect((error as? LayerError)?.layer == "embedding")
        #expect("\(error.map { "\($0)" } ?? "")".contains("index 6"))
    }

    // MARK: Unrolled cells

    /// An LSTM step written with tensor operations (TF1 gate order i, j, f, o;
    /// forget bias 1).
    static func lstmStep(
        _ x: Tensor<Double>, h: Tensor<Double>, c: Tensor<Double>, kernel: Tensor<Double>, bias: Tensor<Double>
    ) -> (h: Tensor<Double>, c: Tensor<Double>) {
        let g = (Tensor.concat([x, h], axis: 1).matmul(kernel) + bias).split(count: 4, axis: 1)
        let next = c * (g[2] + 1).sigmoid() + g[0].sigmoid() * g[1].tanh()
        return (next.tanh() * g[3].sigmoid(), next)
    }

    @Test("LSTM over 5 steps: one set of weights; gradient = sum of the per-step contributions")
    func unrolledLSTM() throws {
        let store = VariableStore(seed: 6)
        let cell = LSTMCell<Double>(units: 4)
        let xs: [Tensor<Double>] = (0..<5).map { Fixture.normal([3, 2], seed: 70 + UInt64($0)) }
        func run() throws -> [Tensor<Double>] {
            try store.asDefault { try unroll(cell, over: xs, initialState: cell.zeroState(batchSize: 3)).outputs }
        }
        _ = try run()
        #expect(store.allVariables.map(\.name) == ["rnn/lstm_cell/kernel", "rnn/lstm_cell/bias"])
        #expect(store.allVariables.map(\.shape) == [[6, 16], [16]])
        let kernel = try Self.variable(store, "rnn/lstm_cell/kernel"),
            bias = try Self.variable(store, "rnn/lstm_cell/bias")
        try Self.randomize(bias, seed: 71)

        // Forward against scalar loops.
        let outputs = try run()
        var h = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 3), c = h
        for (t, x) in xs.enumerated() {
            for r in 0..<3 {
                let input = (0..<2).map { x[r, $0] } + h[r]
                let z = (0..<16).map { j in (0..<6).reduce(bias.value[j]) { $0 + input[$1] * kernel.value[$1, j] } }
                for u in 0..<4 {
                    c[r][u] = c[r][u] * sigmoid(z[8 + u] + 1) + sigmoid(z[u]) * tanhD(z[4 + u])
                    h[r][u] = tanhD(c[r][u]) * sigmoid(z[12 + u])
                }
            }
            expectClose(outputs[t], shape: [3, 4], h.flatMap { $0 }, relative: 1e-12, absolute: 1e-14, "step \(t)")
        }

        // The layer's gradient.
        func loss(_ outputs: [Tensor<Double>]) -> Tensor<Double> {
            outputs.enumerated().map { weightedSum($1, seed: 80 + UInt64($0)) }.reduce(Tensor(0), +)
        }
        loss(outputs).backward()
        let kernelGradient = try #require(kernel.gradient), biasGradient = try #require(bias.gradient)

        // A manual unroll in which each step has its own copy of the weights.
        let kernels = (0..<5).map { _ in kernel.value.copy().requiringGradient() }
        let biases = (0..<5).map { _ in bias.value.copy().requiringGradient() }
        var state = (h: try Tensor<Double>.zeros([3, 4]), c: try Tensor<Double>.zeros([3, 4]))
        var manual: [Tensor<Double>] = []
        for t in 0..<5 {
            state = Self.lstmStep(xs[t], h: state.h, c: state.c, kernel: kernels[t], bias: biases[t])
            manual.append(state.h)
        }
        loss(manual).backward()
        let perStepKernel = try kernels.map { try #require($0.grad) }
        let perStepBias = try biases.map { try #require($0.grad) }
        #expect(perStepKernel.allSatisfy { $0.maxAbsolute > 1e-3 }, "every step contributes")
        #expect(
            firstMismatch(perStepKernel[0].doubles, perStepKernel[4].doubles, relative: 1e-3, absolute: 1e-6) != nil)
        expectClose(
            kernelGradient, perStepKernel.dropFirst().reduce(perStepKernel[0], plus), relative: 1e-10, absolute: 1e-13)
        expectClose(
            biasGradient, perStepBias.dropFirst().reduce(perStepBias[0], plus), relative: 1e-10, absolute: 1e-13)
        // Not just the last step's.
        #expect(firstMismatch(kernelGradient.doubles, perStepKernel[4].doubles, relative: 1e-3, absolute: 1e-6) != nil)
    }

    @Test("GRU over 4 steps: one set of weights; gradient = sum of the per-step contributions")
    func unrolledGRU() throws {
        let store = VariableStore(seed: 6)
        let cell = GRUCell<Double>(units: 3)
        let xs: [Tensor<Double>] = (0..<4).map { Fixture.normal([2, 2], seed: 90 + UInt64($0)) }
        let outputs = try store.asDefault {
            try unroll(cell, over: xs, initialState: cell.zeroState(batchSize: 2)).outputs
        }
        #expect(
            store.allVariables.map(\.name) == [
                "rnn/gru_cell/gates/kernel", "rnn/gru_cell/gates/bias", "rnn/gru_cell/candidate/kernel",
                "rnn/gru_cell/candidate/bias",
            ])
        let weights = try store.allVariables.map { try #require($0 as? Variable<Double>) }
        #expect(weights.map(\.shape) == [[5, 6], [6], [5, 3], [3]])
        #expect(weights[1].value.scalars.allSatisfy { $0 == 1 }, "TF1's GRU gate bias starts at 1")
        func loss(_ outputs: [Tensor<Double>]) -> Tensor<Double> {
            outputs.enumerated().map { weightedSum($1, seed: 95 + UInt64($0)) }.reduce(Tensor(0), +)
        }
        loss(outputs).backward()

        let copies = (0..<4).map { _ in weights.map { $0.value.copy().requiringGradient() } }
        var h = try Tensor<Double>.zeros([2, 3])
        var manual: [Tensor<Double>] = []
        for t in 0..<4 {
            let (wg, bg, wc, bc) = (copies[t][0], copies[t][1], copies[t][2], copies[t][3])
            let ru = (Tensor.concat([xs[t], h], axis: 1).matmul(wg) + bg).sigmoid().split(count: 2, axis: 1)
            let candidate = (Tensor.concat([xs[t], ru[0] * h], axis: 1).matmul(wc) + bc).tanh()
            h = ru[1] * h + (1 - ru[1]) * candidate
            manual.append(h)
        }
        for (t, (a, b)) in zip(outputs, manual).enumerated() {
            expectClose(a, b, relative: 1e-12, absolute: 1e-14, "step \(t)")
        }
        loss(manual).backward()
        for (i, w) in weights.enumerated() {
            let perStep = try copies.map { try #require($0[i].grad) }
            expectClose(
                try #require(w.gradient), perStep.dropFirst().reduce(perStep[0], plus), relative: 1e-10,
                absolute: 1e-13,
                "\(w.name)")
        }
    }

    @Test("unroll: a named scope; the cell keeps its scope when called again")
    func unrollScopes() throws {
        let store = VariableStore()
        let cell = LSTMCell<Float>(units: 2)
        let xs: [Tensor<Float>] = (0..<3).map { Fixture.normal([1, 2], seed: UInt64($0)) }
        _ = try store.asDefault {
            try unroll(cell, over: xs, initialState: cell.zeroState(batchSize: 1), scope: "decoder")
        }
        _ = try store.asDefault { try cell(xs[0], state: cell.zeroState(batchSize: 1)) }
        _ = try store.asDefault { try unroll(cell, over: xs, initialState: cell.zeroState(batchSize: 1)) }
        #expect(store.allVariables.map(\.name) == ["decoder/lstm_cell/kernel", "decoder/lstm_cell/bias"])
    }
}
