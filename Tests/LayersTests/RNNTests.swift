import Layers
import TestSupport
import Testing
import TowersCore
import Variables

@Suite("RNN, BidirectionalRNN, Reshape")
struct RNNTests {
    static let x: Tensor<Double> = Fixture.normal([3, 5, 2], seed: 31)

    @Test("RNN over [B, T, D] equals unroll over the unstacked steps, with the same weights")
    func rnnMatchesUnroll() throws {
        let store = VariableStore(seed: 2)
        let rnn = RNN(cell: LSTMCell<Double>(units: 4))
        let (outputs, state) = try store.asDefault { try rnn.run(Self.x) }
        #expect(outputs.shape == [3, 5, 4])
        #expect(store.allVariables.map(\.name) == ["rnn/lstm_cell/kernel", "rnn/lstm_cell/bias"])
        // unroll opens the named scope `rnn` and finds the same variables under reuse.
        let cell = LSTMCell<Double>(units: 4)
        let (steps, final) = try store.asDefault {
            try store.variableScope(VariableScope.root, reuse: .reuse) {
                try unroll(cell, over: Self.x.unstack(axis: 1), initialState: cell.zeroState(batchSize: 3))
            }
        }
        #expect(store.allVariables.count == 2)
        expectClose(outputs, Tensor.stack(steps, axis: 1), relative: 1e-14, absolute: 1e-15)
        expectClose(state.hidden, final.hidden, relative: 1e-14, absolute: 1e-15)
        expectClose(state.cell, final.cell, relative: 1e-14, absolute: 1e-15)
        // As a Layer it returns the outputs.
        expectClose(try store.asDefault { try rnn(Self.x) }, outputs, relative: 0, absolute: 0)
    }

    @Test("with sequence lengths, outputs past a row's length are zero and its state stops there")
    func sequenceLengths() throws {
        let store = VariableStore(seed: 3)
        let rnn = RNN(cell: GRUCell<Double>(units: 3))
        let lengths = [5, 2, 0]
        let (outputs, state) = try store.asDefault { try rnn.run(Self.x, sequenceLengths: lengths) }
        let full = try store.asDefault { try rnn.run(Self.x) }
        for (b, length) in lengths.enumerated() {
            for t in 0..<5 {
                let row = (0..<3).map { outputs[b, t, $0] }, reference = (0..<3).map { full.outputs[b, t, $0] }
                if t < length {
                    #expect(row == reference, "row \(b) step \(t) is computed as without lengths")
                } else {
                    #expect(row == [0, 0, 0], "row \(b) step \(t) is past its length")
                }
            }
            // The final state is the output at the row's last step (the zero state for length 0).
            let expected = length == 0 ? [0.0, 0, 0] : (0..<3).map { full.outputs[b, length - 1, $0] }
            #expect((0..<3).map { state[b, $0] } == expected, "final state of row \(b)")
        }
    }

    @Test("BidirectionalRNN: forward is an RNN; backward reads each row's steps in reverse, aligned by step")
    func bidirectional() throws {
        let store = VariableStore(seed: 4)
        let birnn = BidirectionalRNN(forward: LSTMCell<Double>(units: 2), backward: LSTMCell<Double>(units: 2))
        let lengths = [5, 3, 1]
        let (outputs, states) = try store.asDefault { try birnn.run(Self.x, sequenceLengths: lengths) }
        #expect(
            store.allVariables.map(\.name) == [
                "bidirectional_rnn/fw/lstm_cell/kernel", "bidirectional_rnn/fw/lstm_cell/bias",
                "bidirectional_rnn/bw/lstm_cell/kernel", "bidirectional_rnn/bw/lstm_cell/bias",
            ])
        // Each direction again, with a plain RNN reading the same variables.
        func direction(_ scope: String, _ input: Tensor<Double>) throws -> (Tensor<Double>, LSTMState<Double>) {
            let cell = LSTMCell<Double>(units: 2)
            return try store.asDefault {
                try store.variableScope("bidirectional_rnn/\(scope)", reuse: .reuse) {
                    try runViaUnroll(cell, input)
                }
            }
        }
        for (b, length) in lengths.enumerated() {
            let row = Self.x.slice(b..<(b + 1), axis: 0).slice(0..<length, axis: 1)
            let (fw, fwState) = try direction("fw", row)
            let (bw, bwState) = try direction("bw", row.reversedSequences(lengths: [length]))
            for t in 0..<5 {
                let f = (0..<2).map { outputs.forward[b, t, $0] }, k = (0..<2).map { outputs.backward[b, t, $0] }
                if t < length {
                    expectClose(f, (0..<2).map { fw[0, t, $0] }, relative: 1e-13, absolute: 1e-15)
                    expectClose(k, (0..<2).map { bw[0, length - 1 - t, $0] }, relative: 1e-13, absolute: 1e-15)
                } else {
                    #expect(f == [0, 0] && k == [0, 0])
                }
            }
            expectClose((0..<2).map { states.forward.hidden[b, $0] }, fwState.hidden.scalars, relative: 1e-13)
            expectClose((0..<2).map { states.backward.cell[b, $0] }, bwState.cell.scalars, relative: 1e-13)
        }
        // As a Layer: both outputs concatenated.
        let joined = try store.asDefault { try birnn(Self.x) }
        #expect(joined.shape == [3, 5, 4])
    }

    @Test("bad sequence lengths throw a LayerError naming the layer and the shapes")
    func badLengths() throws {
        let store = VariableStore()
        let rnn = RNN(cell: LSTMCell<Double>(units: 2))
        let count = thrownError { _ = try store.asDefault { try rnn.run(Self.x, sequenceLengths: [1, 2]) } }
        #expect("\(count.map { "\($0)" } ?? "")" == "rnn: got 2 sequence lengths for a batch of 3 (input [3, 5, 2])")
        let fresh = VariableStore()
        let range = thrownError { _ = try fresh.asDefault { try rnn.run(Self.x, sequenceLengths: [1, 6, 2]) } }
        #expect("\(range.map { "\($0)" } ?? "")" == "rnn: sequence length 6 is outside 0...5 (input [3, 5, 2])")
        #expect(store.allVariables.isEmpty)
    }

    @Test("Reshape keeps the batch and infers -1; bad shapes are LayerErrors")
    func reshape() throws {
        let store = VariableStore()
        let x: Tensor<Float> = Fixture.normal([2, 12], seed: 1)
        let y = try store.asDefault { try Reshape<Float>([3, -1])(x) }
        #expect(y.shape == [2, 3, 4] && y.scalars == x.scalars)
        #expect(try store.asDefault { try Reshape<Float>([4, 3])(x) }.shape == [2, 4, 3])
        let bad = thrownError { _ = try store.asDefault { try Reshape<Float>([5, -1])(x) } }
        #expect(
            "\(bad.map { "\($0)" } ?? "")"
                == "reshape_2: cannot reshape input [2, 12] to [batch] + [5, -1]: 12 elements per example")
        let twoUnknown = thrownError { _ = try store.asDefault { try Reshape<Float>([-1, -1])(x) } }
        #expect("\(twoUnknown.map { "\($0)" } ?? "")".contains("may have one -1"))
    }
}

/// The cell over every step of `input` (`[1, T, D]`), step by step in the current scope.
private func runViaUnroll(
    _ cell: LSTMCell<Double>, _ input: Tensor<Double>
) throws -> (Tensor<Double>, LSTMState<Double>) {
    var state = try cell.zeroState(batchSize: 1)
    var outputs: [Tensor<Double>] = []
    for x in input.unstack(axis: 1) {
        let step = try cell(x, state: state)
        outputs.append(step.output)
        state = step.state
    }
    return (Tensor.stack(outputs, axis: 1), state)
}
