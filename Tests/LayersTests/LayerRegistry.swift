import Layers
import TestSupport
import TowersCore
import Variables

/// Whether a registry entry's layers get their default names or explicit ones.
enum Naming: Sendable, CaseIterable {
    case defaults, explicit

    /// `name` for explicit naming, `nil` (the layer's default) otherwise.
    func callAsFunction(_ name: String) -> String? { self == .explicit ? name : nil }
}

/// An input that a registry entry must reject at call time.
struct InvalidInput: Sendable, CustomStringConvertible {
    /// The input's shape.
    var shape: [Int]
    /// Its elements (row-major); random when `nil`.
    var values: [Double]? = nil
    /// Text the error must contain besides the layer's scope (e.g. the shape).
    var mentions: [String]
    /// Whether an earlier use in the entry creates variables before the failing one.
    var failsAfterBuilding = false

    var description: String { "\(shape)" + (values.map { " \($0)" } ?? "") }
}

/// One entry of the layer registry: a small configuration of one layer (or of the
/// few layers it needs), the input it takes, and what the cross-cutting tests
/// need to know about it. ``build(_:)`` makes fresh layer instances and returns
/// the function that applies them; ``apply(_:names:)`` builds and applies once,
/// which is what a tower function does.
///
/// Adding a layer: add a ``Kind``, its ``build(_:)`` arm and one entry to
/// ``registry``, then generate its golden file (`TOWERS_UPDATE_GOLDEN=1`) and
/// review it.
struct LayerCase: Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case dense, denseWithoutBias, tiedDense, embedding
        case conv2D(padding: Padding, strides: (Int, Int))
        case maxPool, avgPool(padding: Padding), flatten, dropout, layerNorm
        case batchNorm(training: Bool)
        case lstmCell, gruCell, lstmUnrolled(steps: Int), sequential
        case rnnLSTM(lengths: [Int]), rnnGRU, bidirectionalRNN(lengths: [Int]), reshape
    }

    /// The golden file's name and the test argument.
    var id: String
    var inputShape: [Int]
    var kind: Kind
    /// Whether the layers create variables.
    var hasWeights = true
    /// Whether the input is differentiable (not for embedding indices).
    var differentiableInput = true
    /// The scope, below the tower, of the layer that checks the input first.
    var firstScope: String
    /// Inputs rejected with a ``LayerError`` at call time.
    var invalidInputs: [InvalidInput] = []
    /// Another valid-looking input shape whose size clashes with the weights made
    /// for ``inputShape``, rejected on reuse; `nil` when the weights do not depend
    /// on the input size.
    var resizedInputShape: [Int]? = nil
    /// The key and shapes of the ``VariableError/shapeMismatch(key:specified:found:)``
    /// the resized input gives (key below the tower).
    var resizedMismatch: (key: String, specified: [Int], found: [Int])? = nil
    /// Whether the first layer opens a *named* scope (`rnn`), so two towers built in
    /// one entry of a scope share anyway.
    var namedOuterScope = false

    var description: String { id }

    /// Builds fresh layer instances; the returned function applies them (calling it
    /// again reuses the same instances).
    func build<T: TensorScalar>(_ names: Naming = .defaults) -> (Tensor<T>) throws -> Tensor<T> {
        switch kind {
        case .dense:
            let dense = Dense<T>(units: 3, activation: .tanh, name: names("fc"))
            return { x in try dense(x) }
        case .denseWithoutBias:
            let dense = Dense<T>(units: 3, activation: .sigmoid, useBias: false, name: names("fc"))
            return { x in try dense(x) }
        case .tiedDense:
            let encoder = Dense<T>(units: 3, activation: .tanh, name: names("encoder"))
            let decoder = TiedDense(tiedTo: encoder, name: names("decoder"))
            return { x in try decoder(try encoder(x)) }
        case .embedding:
            let embedding = Embedding<T>(vocabularySize: 6, dimension: 4, name: names("words"))
            return { x in try embedding.attend(try embedding(x)) }
        case .conv2D(let padding, let strides):
            let conv = Conv2D<T>(
                filters: 4, kernelSize: (3, 3), strides: strides, padding: padding, activation: .tanh,
                name: names("conv"))
            return { x in try conv(x) }
        case .maxPool:
            let pool = MaxPool2D<T>(poolSize: (2, 2), name: names("pool"))
            return { x in try pool(x) }
        case .avgPool(let padding):
            let pool = AvgPool2D<T>(poolSize: (2, 2), padding: padding, name: names("pool"))
            return { x in try pool(x) }
        case .flatten:
            let flatten = Flatten<T>(name: names("flat"))
            return { x in try flatten(x) }
        case .dropout:
            let dropout = Dropout<T>(rate: 0.5, seed: 7, name: names("drop"))
            return { x in try dropout(x, training: true) }
        case .layerNorm:
            let norm = LayerNorm<T>(name: names("norm"))
            return { x in try norm(x) }
        case .batchNorm(let training):
            let norm = BatchNorm<T>(name: names("bn"))
            return { x in try norm(x, training: training) }
        case .lstmCell:
            let cell = LSTMCell<T>(units: 5, name: names("cell"))
            return { x in
                let batch = x.shape.first ?? 0
                let state = LSTMState<T>(
                    cell: Fixture.normal([batch, 5], standardDeviation: 0.5, seed: 91),
                    hidden: Fixture.normal([batch, 5], standardDeviation: 0.5, seed: 92))
                let step = try cell(x, state: state)
                return Tensor.concat([step.output, step.state.cell], axis: 1)
            }
        case .gruCell:
            let cell = GRUCell<T>(units: 5, name: names("cell"))
            return { x in
                let state: Tensor<T> = Fixture.normal([x.shape.first ?? 0, 5], standardDeviation: 0.5, seed: 93)
                return try cell(x, state: state).output
            }
        case .lstmUnrolled(let steps):
            let cell = LSTMCell<T>(units: 4, name: names("cell"))
            return { x in
                // [B, steps, in] → steps inputs [B, in]; any other rank goes to the cell as is.
                let inputs =
                    x.rank == 3 && x.shape[1] == steps
                    ? (0..<steps).map { x.slice($0..<($0 + 1), axis: 1).reshaped([x.shape[0], x.shape[2]]) } : [x]
                let (outputs, _) = try unroll(cell, over: inputs, initialState: cell.zeroState(batchSize: x.shape[0]))
                return Tensor.concat(outputs, axis: 1)
            }
        case .rnnLSTM(let lengths):
            let rnn = RNN(cell: LSTMCell<T>(units: 4, name: names("cell")), name: names("seq"))
            return { x in
                // The outputs and the final state (both depend on the lengths), when the batch fits them.
                guard x.rank == 3, x.shape[0] == lengths.count else { return try rnn(x) }
                let (outputs, state) = try rnn.run(x, sequenceLengths: lengths)
                return Tensor.concat([outputs.reshaped([x.shape[0], -1]), state.cell, state.hidden], axis: 1)
            }
        case .rnnGRU:
            let rnn = RNN(cell: GRUCell<T>(units: 3, name: names("cell")), name: names("seq"))
            return { x in
                guard x.rank == 3 else { return try rnn(x) }
                let (outputs, state) = try rnn.run(x)
                return Tensor.concat([outputs.reshaped([x.shape[0], -1]), state], axis: 1)
            }
        case .bidirectionalRNN(let lengths):
            let rnn = BidirectionalRNN(
                forward: LSTMCell<T>(units: 3, name: names("forward_cell")),
                backward: GRUCell<T>(units: 2, name: names("backward_cell")), name: names("birnn"))
            return { x in
                guard x.rank == 3, x.shape[0] == lengths.count else { return try rnn(x) }
                let (outputs, states) = try rnn.run(x, sequenceLengths: lengths)
                return Tensor.concat(
                    [
                        outputs.forward.reshaped([x.shape[0], -1]), outputs.backward.reshaped([x.shape[0], -1]),
                        states.forward.hidden, states.backward,
                    ], axis: 1)
            }
        case .reshape:
            let reshape = Reshape<T>([2, -1], name: names("to_pairs"))
            return { x in try reshape(x) }
        case .sequential:
            let model = Sequential<T>([
                Dense<T>(units: 5, activation: .relu, name: names("hidden")),
                LayerNorm<T>(name: names("norm")),
                Dense<T>(units: 2, name: names("out")),
            ])
            return { x in try model(x) }
        }
    }

    /// Builds fresh layers and applies them once (a tower function).
    func apply<T: TensorScalar>(_ x: Tensor<T>, names: Naming = .defaults) throws -> Tensor<T> {
        try build(names)(x)
    }

    /// A reproducible input: N(0, 1) samples, distinct values well apart for max
    /// pooling (no near-ties), or whole-number indices for the embedding.
    func input<T: TensorScalar>(seed: UInt64, shape: [Int]? = nil) throws -> Tensor<T> {
        let shape = shape ?? inputShape
        if case .embedding = kind {
            var rng = SeededRandom(seed: seed)
            return try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in T(rng.nextInt(below: 6)) })
        }
        if case .maxPool = kind { return try spreadValues(shape, seed: seed) }
        return Fixture.normal(shape, seed: seed)
    }

    /// The input rejected by ``invalidInputs`` entry `bad`.
    func input<T: TensorScalar>(_ bad: InvalidInput) throws -> Tensor<T> {
        if let values = bad.values { return try Tensor(shape: bad.shape, scalars: values.map { T($0) }) }
        return Fixture.normal(bad.shape, seed: 77)
    }
}

/// Every layer, once (with its interesting configurations).
let registry: [LayerCase] = [
    LayerCase(
        id: "dense", inputShape: [3, 4], kind: .dense, firstScope: "dense",
        invalidInputs: [
            InvalidInput(shape: [4], mentions: ["[4]", "[batch, in]"]),
            // A zero-sized last dimension has no weights to build (it trapped before).
            InvalidInput(shape: [2, 0], mentions: ["[2, 0]", "in > 0"]),
            InvalidInput(shape: [2, 3, 0], mentions: ["[2, 3, 0]"]),
        ],
        resizedInputShape: [3, 5], resizedMismatch: ("dense/kernel", [5, 3], [4, 3])),
    LayerCase(
        id: "dense_without_bias", inputShape: [3, 4], kind: .denseWithoutBias, firstScope: "dense",
        invalidInputs: [InvalidInput(shape: [4], mentions: ["[4]"])],
        resizedInputShape: [3, 2], resizedMismatch: ("dense/kernel", [2, 3], [4, 3])),
    LayerCase(
        id: "tied_dense", inputShape: [3, 4], kind: .tiedDense, firstScope: "dense",
        invalidInputs: [InvalidInput(shape: [4], mentions: ["[4]"])],
        resizedInputShape: [3, 5], resizedMismatch: ("dense/kernel", [5, 3], [4, 3])),
    LayerCase(
        id: "embedding", inputShape: [3], kind: .embedding, differentiableInput: false, firstScope: "embedding",
        invalidInputs: [
            InvalidInput(shape: [3], values: [1, 2.5, 0], mentions: ["whole numbers", "2.5"]),
            InvalidInput(shape: [3], values: [1, 6, 0], mentions: ["index 6", "0..<6"]),
            InvalidInput(shape: [2], values: [-1, 0], mentions: ["index -1"]),
            InvalidInput(shape: [1], values: [.nan], mentions: ["whole numbers"]),
            InvalidInput(shape: [1], values: [1e20], mentions: ["whole numbers"]),
            InvalidInput(shape: [1], values: [-.infinity], mentions: ["whole numbers"]),
            // A [3, 2] index tensor gives [3, 2, 4] vectors, which `attend` rejects.
            InvalidInput(
                shape: [3, 2], values: [0, 1, 2, 3, 4, 5], mentions: ["[3, 2, 4]", "[batch, 4]"],
                failsAfterBuilding: true),
        ]),
    LayerCase(
        id: "conv2d_valid", inputShape: [3, 5, 5, 2], kind: .conv2D(padding: .valid, strides: (1, 1)),
        firstScope: "conv2d",
        invalidInputs: [
            InvalidInput(shape: [3, 5, 5], mentions: ["[3, 5, 5]"]),
            InvalidInput(shape: [3, 2, 5, 2], mentions: ["[3, 2, 5, 2]", "3×3"]),
        ],
        resizedInputShape: [3, 5, 5, 3], resizedMismatch: ("conv2d/kernel", [3, 3, 3, 4], [3, 3, 2, 4])),
    LayerCase(
        id: "conv2d_same", inputShape: [3, 5, 5, 2], kind: .conv2D(padding: .same, strides: (1, 1)),
        firstScope: "conv2d",
        invalidInputs: [InvalidInput(shape: [3, 25, 2], mentions: ["[3, 25, 2]"])],
        resizedInputShape: [3, 5, 5, 1], resizedMismatch: ("conv2d/kernel", [3, 3, 1, 4], [3, 3, 2, 4])),
    LayerCase(
        id: "conv2d_same_stride2", inputShape: [3, 5, 5, 2], kind: .conv2D(padding: .same, strides: (2, 2)),
        firstScope: "conv2d",
        invalidInputs: [InvalidInput(shape: [3, 5, 5, 2, 1], mentions: ["[3, 5, 5, 2, 1]"])],
        resizedInputShape: [3, 6, 6, 3], resizedMismatch: ("conv2d/kernel", [3, 3, 3, 4], [3, 3, 2, 4])),
    LayerCase(
        id: "max_pool2d", inputShape: [3, 4, 4, 2], kind: .maxPool, hasWeights: false, firstScope: "max_pooling2d",
        invalidInputs: [
            InvalidInput(shape: [3, 4, 4], mentions: ["[3, 4, 4]"]),
            InvalidInput(shape: [3, 1, 4, 2], mentions: ["[3, 1, 4, 2]", "2×2"]),
        ]),
    LayerCase(
        id: "avg_pool2d", inputShape: [3, 4, 4, 2], kind: .avgPool(padding: .valid), hasWeights: false,
        firstScope: "average_pooling2d",
        invalidInputs: [InvalidInput(shape: [16, 2], mentions: ["[16, 2]"])]),
    LayerCase(
        id: "avg_pool2d_same", inputShape: [3, 5, 5, 2], kind: .avgPool(padding: .same), hasWeights: false,
        firstScope: "average_pooling2d",
        invalidInputs: [InvalidInput(shape: [5, 5, 2], mentions: ["[5, 5, 2]"])]),
    LayerCase(
        id: "flatten", inputShape: [3, 2, 3, 2], kind: .flatten, hasWeights: false, firstScope: "flatten",
        invalidInputs: [InvalidInput(shape: [], values: [1], mentions: ["[]"])]),
    LayerCase(id: "dropout", inputShape: [3, 6], kind: .dropout, hasWeights: false, firstScope: "dropout"),
    LayerCase(
        id: "layer_norm", inputShape: [3, 5], kind: .layerNorm, firstScope: "LayerNorm",
        invalidInputs: [InvalidInput(shape: [5], mentions: ["[5]"])],
        resizedInputShape: [3, 6], resizedMismatch: ("LayerNorm/beta", [6], [5])),
    LayerCase(
        id: "batch_norm_training", inputShape: [3, 2, 4], kind: .batchNorm(training: true),
        firstScope: "batch_normalization",
        invalidInputs: [InvalidInput(shape: [4], mentions: ["[4]"])],
        resizedInputShape: [3, 2, 3], resizedMismatch: ("batch_normalization/gamma", [3], [4])),
    LayerCase(
        id: "batch_norm_inference", inputShape: [3, 4], kind: .batchNorm(training: false),
        firstScope: "batch_normalization",
        invalidInputs: [InvalidInput(shape: [4], mentions: ["[4]"])],
        resizedInputShape: [3, 5], resizedMismatch: ("batch_normalization/gamma", [5], [4])),
    LayerCase(
        id: "lstm_cell", inputShape: [3, 4], kind: .lstmCell, firstScope: "lstm_cell",
        invalidInputs: [InvalidInput(shape: [3, 4, 1], mentions: ["[3, 4, 1]", "[3, 5]"])],
        resizedInputShape: [3, 6], resizedMismatch: ("lstm_cell/kernel", [11, 20], [9, 20])),
    LayerCase(
        id: "gru_cell", inputShape: [3, 4], kind: .gruCell, firstScope: "gru_cell",
        invalidInputs: [InvalidInput(shape: [3, 4, 1], mentions: ["[3, 4, 1]", "[3, 5]"])],
        resizedInputShape: [3, 2], resizedMismatch: ("gru_cell/gates/kernel", [7, 10], [9, 10])),
    LayerCase(
        id: "lstm_unrolled", inputShape: [3, 5, 2], kind: .lstmUnrolled(steps: 5), firstScope: "rnn/lstm_cell",
        invalidInputs: [InvalidInput(shape: [3, 5, 2, 1], mentions: ["[3, 5, 2, 1]", "[3, 4]"])],
        resizedInputShape: [3, 5, 3], resizedMismatch: ("rnn/lstm_cell/kernel", [7, 16], [6, 16]),
        namedOuterScope: true),
    LayerCase(
        id: "rnn_lstm", inputShape: [3, 5, 2], kind: .rnnLSTM(lengths: [5, 2, 4]), firstScope: "rnn",
        invalidInputs: [
            InvalidInput(shape: [3, 5], mentions: ["[3, 5]", "[batch, time, features]"]),
            InvalidInput(shape: [3, 0, 2], mentions: ["[3, 0, 2]", "at least one step"]),
        ],
        resizedInputShape: [3, 5, 3], resizedMismatch: ("rnn/lstm_cell/kernel", [7, 16], [6, 16])),
    LayerCase(
        id: "rnn_gru", inputShape: [3, 4, 2], kind: .rnnGRU, firstScope: "rnn",
        invalidInputs: [InvalidInput(shape: [3, 4, 2, 1], mentions: ["[3, 4, 2, 1]"])],
        resizedInputShape: [3, 4, 1], resizedMismatch: ("rnn/gru_cell/gates/kernel", [4, 6], [5, 6])),
    LayerCase(
        id: "bidirectional_rnn", inputShape: [3, 4, 2], kind: .bidirectionalRNN(lengths: [4, 1, 3]),
        firstScope: "bidirectional_rnn",
        invalidInputs: [InvalidInput(shape: [12, 2], mentions: ["[12, 2]", "[batch, time, features]"])],
        resizedInputShape: [3, 4, 3],
        resizedMismatch: ("bidirectional_rnn/fw/lstm_cell/kernel", [6, 12], [5, 12])),
    LayerCase(
        id: "reshape", inputShape: [3, 4, 2], kind: .reshape, hasWeights: false, firstScope: "reshape",
        invalidInputs: [InvalidInput(shape: [3, 5], mentions: ["[3, 5]", "5 elements per example"])]),
    LayerCase(
        id: "sequential", inputShape: [3, 4], kind: .sequential, firstScope: "dense",
        invalidInputs: [InvalidInput(shape: [4], mentions: ["[4]"])],
        resizedInputShape: [3, 6], resizedMismatch: ("dense/kernel", [6, 5], [4, 5])),
]

/// The registry entry with this id.
func layerCase(_ id: String) -> LayerCase {
    guard let c = registry.first(where: { $0.id == id }) else { preconditionFailure("no registry entry \(id)") }
    return c
}

/// The ids of the entries whose layers have weights.
let weightedIDs = registry.filter(\.hasWeights).map(\.id)
