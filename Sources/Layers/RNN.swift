public import TowersCore
import Variables

/// A recurrent state that can keep some rows and take others from another
/// state: what ``RNN`` needs to stop each row's state at its sequence length.
/// ``LSTMState`` and `Tensor` (the state of ``GRUCell``) conform.
public protocol RecurrentState<Scalar> {
    associatedtype Scalar: TensorScalar
    /// Row `b` of `self` where `keep[b] == 1`, else row `b` of `other`; `keep` is `[B, 1]` of 0 and 1.
    func selecting(rows keep: Tensor<Scalar>, otherwise other: Self) -> Self
}

extension Tensor: RecurrentState where Scalar: TensorScalar {
    public func selecting(rows keep: Tensor<Scalar>, otherwise other: Tensor<Scalar>) -> Tensor<Scalar> {
        keep * self + (1 - keep) * other
    }
}

extension LSTMState: RecurrentState {
    public func selecting(rows keep: Tensor<Scalar>, otherwise other: LSTMState<Scalar>) -> LSTMState<Scalar> {
        LSTMState(
            cell: cell.selecting(rows: keep, otherwise: other.cell),
            hidden: hidden.selecting(rows: keep, otherwise: other.hidden))
    }
}

/// Runs a recurrent cell over `[batch, time, features]` inputs with one set of
/// weights for every step (TF1's `dynamic_rnn`, Keras' `RNN`), returning the
/// outputs `[batch, time, units]` and the final state.
///
/// With `sequenceLengths`, row `b` is read for its first `sequenceLengths[b]`
/// steps only: its outputs after that are zeros and its final state is the state
/// after its last step (TF1's `sequence_length`). Weights live in the layer's
/// scope, `rnn` (`rnn_1` for a second RNN in the same scope entry, as layers are
/// named), and below it the cell's: `rnn/lstm_cell/kernel`, as TF1's
/// `dynamic_rnn` names them.
///
/// ```swift
/// let rnn = RNN(cell: LSTMCell<Float>(units: 64))
/// let (outputs, state) = try rnn.run(tokens, sequenceLengths: [7, 3, 5])   // [3, T, 64], state.hidden [3, 64]
/// let last = try rnn(tokens)                                              // as a Layer: the outputs
/// ```
public final class RNN<Cell: RecurrentCell>: ScopedLayer where Cell.State: RecurrentState<Cell.Scalar> {
    public typealias Scalar = Cell.Scalar
    public static var kind: String { "rnn" }
    public let cell: Cell
    public let name: String?
    public let scopeRecord = ScopeRecord()

    public init(cell: Cell, name: String? = nil) {
        self.cell = cell
        self.name = name
    }

    /// The outputs `[B, T, units]` and the final state.
    ///
    /// - Throws: ``LayerError`` for an input that is not `[batch, time, features]`
    ///   with at least one step, or lengths that do not fit it; the cell's errors.
    public func run(
        _ input: Tensor<Scalar>, sequenceLengths: [Int]? = nil, initialState: Cell.State? = nil
    ) throws -> (outputs: Tensor<Scalar>, state: Cell.State) {
        try inScope { try runCell(cell, input, sequenceLengths: sequenceLengths, initialState: initialState) }
    }

    /// The outputs `[B, T, units]`, from the zero state, every row read in full.
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try runCell(cell, input, sequenceLengths: nil, initialState: nil).outputs
    }
}

/// Two RNNs over the same sequences, one forwards and one backwards (TF1's
/// `bidirectional_dynamic_rnn`): the backward cell reads each row's first
/// `sequenceLengths[b]` steps in reverse, and its outputs are reversed back, so
/// both outputs at step `t` describe step `t`.
///
/// Weights: `bidirectional_rnn/fw/<cell>/…` and `bidirectional_rnn/bw/<cell>/…`
/// (`bidirectional_rnn/fw/lstm_cell/kernel`). Pass two cell objects: one cell
/// object used for both directions would share its weights. As a ``Layer`` it
/// returns both outputs concatenated on the last axis, `[B, T, fw + bw units]`.
///
/// ```swift
/// let birnn = BidirectionalRNN(forward: LSTMCell<Float>(units: 32), backward: LSTMCell<Float>(units: 32))
/// let (outputs, states) = try birnn.run(x, sequenceLengths: lengths)
/// let features = try birnn(x)   // [B, T, 64]
/// ```
public final class BidirectionalRNN<Forward: RecurrentCell, Backward: RecurrentCell>: ScopedLayer
where
    Forward.State: RecurrentState<Forward.Scalar>, Backward.State: RecurrentState<Forward.Scalar>,
    Backward.Scalar == Forward.Scalar
{
    public typealias Scalar = Forward.Scalar
    public static var kind: String { "bidirectional_rnn" }
    public let forwardCell: Forward
    public let backwardCell: Backward
    public let name: String?
    public let scopeRecord = ScopeRecord()

    public init(forward: Forward, backward: Backward, name: String? = nil) {
        forwardCell = forward
        backwardCell = backward
        self.name = name
    }

    /// Both directions' outputs (`[B, T, units]` each, aligned by step) and final states.
    ///
    /// - Throws: as ``RNN/run(_:sequenceLengths:initialState:)``.
    public func run(
        _ input: Tensor<Scalar>, sequenceLengths: [Int]? = nil
    ) throws -> (
        outputs: (forward: Tensor<Scalar>, backward: Tensor<Scalar>),
        states: (forward: Forward.State, backward: Backward.State)
    ) {
        try inScope { try bidirectional(input, sequenceLengths) }
    }

    /// Both outputs concatenated on the last axis.
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        let (outputs, _) = try bidirectional(input, nil)
        return Tensor.concat([outputs.forward, outputs.backward], axis: 2)
    }

    private func bidirectional(
        _ input: Tensor<Scalar>, _ lengths: [Int]?
    ) throws -> (
        outputs: (forward: Tensor<Scalar>, backward: Tensor<Scalar>),
        states: (forward: Forward.State, backward: Backward.State)
    ) {
        try checkSequence(input, lengths)
        let fw = try variableScope("fw") {
            try runCell(forwardCell, input, sequenceLengths: lengths, initialState: nil)
        }
        let all = lengths ?? Array(repeating: input.shape[1], count: input.shape[0])
        let bw = try variableScope("bw") {
            try runCell(
                backwardCell, input.reversedSequences(lengths: all), sequenceLengths: lengths, initialState: nil)
        }
        return ((fw.outputs, bw.outputs.reversedSequences(lengths: all)), (fw.state, bw.state))
    }
}

/// Throws a ``LayerError`` unless `input` is `[batch, time, features]` with at
/// least one step and `lengths` (if any) has one length in `0...time` per row.
func checkSequence<Scalar: TensorScalar>(_ input: Tensor<Scalar>, _ lengths: [Int]?) throws {
    guard input.rank == 3, input.shape[1] > 0 else {
        throw LayerError.shape("[batch, time, features] with at least one step", got: input.shape)
    }
    let batch = input.shape[0], steps = input.shape[1]
    guard let lengths else { return }
    guard lengths.count == batch else {
        throw LayerError(
            layer: VariableScope.current.name,
            "got \(lengths.count) sequence lengths for a batch of \(batch) (input \(input.shape))")
    }
    if let bad = lengths.first(where: { $0 < 0 || $0 > steps }) {
        throw LayerError(
            layer: VariableScope.current.name, "sequence length \(bad) is outside 0...\(steps) (input \(input.shape))")
    }
}

/// The loop of ``RNN``, in the current scope: checks the input and lengths, then
/// runs `cell` step by step (up to the longest length), masking rows past their
/// length.
func runCell<Cell: RecurrentCell>(
    _ cell: Cell, _ input: Tensor<Cell.Scalar>, sequenceLengths lengths: [Int]?, initialState: Cell.State?
) throws -> (outputs: Tensor<Cell.Scalar>, state: Cell.State) where Cell.State: RecurrentState<Cell.Scalar> {
    try checkSequence(input, lengths)
    let batch = input.shape[0], steps = input.shape[1]
    var state = try initialState ?? cell.zeroState(batchSize: batch)
    let active = lengths.map { $0.max() ?? 0 } ?? steps
    let inputs = input.unstack(axis: 1)
    var outputs: [Tensor<Cell.Scalar>] = []
    outputs.reserveCapacity(steps)
    for t in 0..<active {
        let step = try cell(inputs[t], state: state)
        if let lengths, lengths.contains(where: { $0 <= t }) {
            let keep = Tensor<Cell.Scalar>(validShape: [batch, 1], scalars: lengths.map { t < $0 ? 1 : 0 })
            outputs.append(step.output * keep)
            state = step.state.selecting(rows: keep, otherwise: state)
        } else {
            outputs.append(step.output)
            state = step.state
        }
    }
    if active < steps {
        let zeros = try Tensor<Cell.Scalar>.zeros(outputs.first.map(\.shape) ?? [batch, cell.units])
        outputs += Array(repeating: zeros, count: steps - active)
    }
    return (Tensor.stack(outputs, axis: 1), state)
}
