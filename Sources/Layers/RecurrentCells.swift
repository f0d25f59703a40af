public import TowersCore
import Variables

/// The state an LSTM carries between steps.
public struct LSTMState<Scalar: TensorScalar>: Sendable {
    /// The cell state `c`, `[B, units]`.
    public var cell: Tensor<Scalar>
    /// The output `h`, `[B, units]`.
    public var hidden: Tensor<Scalar>

    public init(cell: Tensor<Scalar>, hidden: Tensor<Scalar>) {
        self.cell = cell
        self.hidden = hidden
    }

    /// Zeros for a batch of `batchSize`.
    public static func zeros(batchSize: Int, units: Int) throws(TensorError) -> LSTMState {
        LSTMState(cell: try .zeros([batchSize, units]), hidden: try .zeros([batchSize, units]))
    }
}

/// A recurrent cell: one time step from an input and a state.
public protocol RecurrentCell<Scalar>: AnyObject, Sendable {
    associatedtype Scalar: TensorScalar
    associatedtype State
    var units: Int { get }
    /// The zero state for a batch.
    func zeroState(batchSize: Int) throws -> State
    /// One step: `(output, new state)`.
    func callAsFunction(_ input: Tensor<Scalar>, state: State) throws -> (output: Tensor<Scalar>, state: State)
}

/// TF1's `LSTMCell` (no peepholes, no projection).
///
/// Weights (one set, reused at every step of an unroll):
/// - `kernel`: `[in + units, 4·units]`, Glorot uniform, applied to `[x, h]`;
/// - `bias`: `[4·units]`, zeros.
///
/// Gates in TF1's order `i, j, f, o`: `c′ = σ(f + forgetBias)·c + σ(i)·tanh(j)`,
/// `h′ = σ(o)·tanh(c′)`.
///
/// ```swift
/// let cell = LSTMCell<Float>(units: 256)
/// let (h, state) = try cell(x, state: cell.zeroState(batchSize: 32))
/// ```
public final class LSTMCell<Scalar: TensorScalar>: ScopedLayer, RecurrentCell {
    public static var kind: String { "lstm_cell" }
    public let units: Int
    public let forgetBias: Double
    public let trainable: Bool
    public let name: String?
    public let scopeRecord = ScopeRecord()

    /// A cell; `units` must be positive (checked when it is first called).
    public init(units: Int, forgetBias: Double = 1, trainable: Bool = true, name: String? = nil) {
        self.units = units
        self.forgetBias = forgetBias
        self.trainable = trainable
        self.name = name
    }

    public var configurationError: String? { Self.positive("units", units) }

    public func zeroState(batchSize: Int) throws -> LSTMState<Scalar> {
        try .zeros(batchSize: batchSize, units: units)
    }

    public func callAsFunction(
        _ x: Tensor<Scalar>, state: LSTMState<Scalar>
    ) throws -> (
        output: Tensor<Scalar>, state: LSTMState<Scalar>
    ) {
        try inScope { try step(x, state: state) }
    }

    /// One step, in the cell's scope.
    private func step(
        _ x: Tensor<Scalar>, state: LSTMState<Scalar>
    ) throws -> (
        output: Tensor<Scalar>, state: LSTMState<Scalar>
    ) {
        do {
            guard x.rank == 2, state.hidden.shape == [x.shape[0], units], state.cell.shape == [x.shape[0], units] else {
                throw LayerError(
                    layer: VariableScope.current.name,
                    "expected input of shape [batch, in] with states [batch, \(units)], got input \(x.shape), "
                        + "cell state \(state.cell.shape) and hidden state \(state.hidden.shape)")
            }
            let kernel = try weight("kernel", [x.shape[1] + units, 4 * units])
            let bias = try weight("bias", [4 * units], initializer: .zeros)
            let gates = Tensor.concat([x, state.hidden], axis: 1).matmul(kernel) + bias  // (B, 4u)
            let g = gates.split(count: 4, axis: 1)  // i, j, f, o
            let c = state.cell * (g[2] + Scalar(forgetBias)).sigmoid() + g[0].sigmoid() * g[1].tanh()
            let h = c.tanh() * g[3].sigmoid()
            return (h, LSTMState(cell: c, hidden: h))
        }
    }

    /// One step from a zero state (so the cell fits the ``Layer`` registry): the output `h`.
    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try step(x, state: try zeroState(batchSize: x.shape.first ?? 0)).output
    }
}

/// TF1's `GRUCell`.
///
/// Weights (one set, reused at every step):
/// - `gates/kernel`: `[in + units, 2·units]`, Glorot uniform; `gates/bias`: `[2·units]`, ones;
/// - `candidate/kernel`: `[in + units, units]`, Glorot uniform; `candidate/bias`: `[units]`, zeros.
///
/// `r, u = σ([x, h]·Wg + bg)`, `c = tanh([x, r·h]·Wc + bc)`, `h′ = u·h + (1 − u)·c`.
public final class GRUCell<Scalar: TensorScalar>: ScopedLayer, RecurrentCell {
    public static var kind: String { "gru_cell" }
    public let units: Int
    public let trainable: Bool
    public let name: String?
    public let scopeRecord = ScopeRecord()

    /// A cell; `units` must be positive (checked when it is first called).
    public init(units: Int, trainable: Bool = true, name: String? = nil) {
        self.units = units
        self.trainable = trainable
        self.name = name
    }

    public var configurationError: String? { Self.positive("units", units) }

    public func zeroState(batchSize: Int) throws -> Tensor<Scalar> { try .zeros([batchSize, units]) }

    public func callAsFunction(
        _ x: Tensor<Scalar>, state h: Tensor<Scalar>
    ) throws -> (
        output: Tensor<Scalar>, state: Tensor<Scalar>
    ) {
        try inScope { try step(x, state: h) }
    }

    /// One step, in the cell's scope.
    private func step(
        _ x: Tensor<Scalar>, state h: Tensor<Scalar>
    ) throws -> (
        output: Tensor<Scalar>, state: Tensor<Scalar>
    ) {
        do {
            guard x.rank == 2, h.shape == [x.shape[0], units] else {
                throw LayerError(
                    layer: VariableScope.current.name,
                    "expected input of shape [batch, in] with state [batch, \(units)], got input \(x.shape) "
                        + "and state \(h.shape)")
            }
            let inputs = x.shape[1] + units
            let (wg, bg) = try variableScope("gates") {
                (try weight("kernel", [inputs, 2 * units]), try weight("bias", [2 * units], initializer: .ones))
            }
            let (wc, bc) = try variableScope("candidate") {
                (try weight("kernel", [inputs, units]), try weight("bias", [units], initializer: .zeros))
            }
            let ru = (Tensor.concat([x, h], axis: 1).matmul(wg) + bg).sigmoid().split(count: 2, axis: 1)
            let c = (Tensor.concat([x, ru[0] * h], axis: 1).matmul(wc) + bc).tanh()
            let next = ru[1] * h + (1 - ru[1]) * c
            return (next, next)
        }
    }

    /// One step from a zero state: the new `h`.
    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try step(x, state: try zeroState(batchSize: x.shape.first ?? 0)).output
    }
}

/// Runs `cell` over a sequence of inputs (each `[B, in]`) with **one** set of
/// weights shared by every step (the classic TF1 reuse case: the first step
/// creates the cell's variables, the others reuse them). The steps run in the
/// scope `rnn` unless `scope` names another.
///
/// ```swift
/// let cell = LSTMCell<Float>(units: 256)
/// let (outputs, final) = try unroll(cell, over: steps, initialState: cell.zeroState(batchSize: 32))
/// // variables: rnn/lstm_cell/kernel, rnn/lstm_cell/bias
/// ```
public func unroll<Cell: RecurrentCell>(
    _ cell: Cell, over inputs: [Tensor<Cell.Scalar>], initialState: Cell.State, scope: String = "rnn"
) throws -> (outputs: [Tensor<Cell.Scalar>], state: Cell.State) {
    try variableScope(scope) {
        var state = initialState
        var outputs: [Tensor<Cell.Scalar>] = []
        outputs.reserveCapacity(inputs.count)
        for x in inputs {
            let step = try cell(x, state: state)
            outputs.append(step.output)
            state = step.state
        }
        return (outputs, state)
    }
}
