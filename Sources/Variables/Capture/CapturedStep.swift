public import TowersCore

/// A training (or evaluation) step captured once and replayed with new inputs:
/// TF1's "build the graph once, run it many times", without TF's graph API.
///
/// ``VariableStore/capture(_:parallelTowers:_:)`` runs the step's function once,
/// eagerly, recording every operation with the buffers it uses (scopes entered,
/// variables resolved, names given, all once), and runs its backward pass. Each
/// call of the step copies the new inputs into the captured ones and replays the
/// forward and backward passes over the same buffers: no scope entry, no name
/// look-up, no graph objects or buffers allocated. A replay computes what the
/// function computes eagerly, bit for bit (towers running in parallel add their
/// shared gradients in tower order instead: equal up to that rounding).
///
/// What is replayed is what the function did with tensors. Swift control flow,
/// and tensors the function made from Swift values (`Tensor([...])`, a label
/// array turned into a tensor), are fixed at capture: pass everything that
/// changes from step to step as an input tensor.
///
/// ```swift
/// let step = try store.capture(left, right, same) { l, r, s in
///     let (a, b) = try siamese(l, r)
///     return try contrastiveLoss(a, b, same: s, margin: 1)
/// }
/// for batch in batches {
///     let loss = try step(batch.left, batch.right, batch.same)   // gradients accumulated
///     try optimizer.step()
/// }
/// ```
public final class CapturedStep<Loss: TensorScalar, each Input: TensorElement>: @unchecked Sendable {
    /// The recorded graph.
    package var graph: CapturedGraph<Loss> { recorded! }
    private var recorded: CapturedGraph<Loss>?
    /// The captured inputs: each call copies its inputs into these.
    private let placeholders: (repeat Tensor<each Input>)
    /// The store whose variables the step reads.
    public let store: VariableStore
    /// Names of the captured inputs and of the variables read, by tensor identity (for the graph picture).
    package private(set) var tensorNames: [ObjectIdentifier: String] = [:]
    /// The variables' tensors (and their towers' views), by identity.
    private var variableTensors: Set<ObjectIdentifier> = []

    /// Copies `inputs` as the step's placeholders; ``record(parallelTowers:_:)`` then records the step.
    fileprivate init(store: VariableStore, _ inputs: repeat Tensor<each Input>) {
        self.store = store
        placeholders = (repeat (each inputs).copy())
    }

    fileprivate func record(parallelTowers: Bool, _ body: (repeat Tensor<each Input>) throws -> Tensor<Loss>) throws {
        let namer = OperationNamer(store: store)
        for placeholder in repeat each placeholders {
            tensorNames[ObjectIdentifier(placeholder)] = namer.name("Placeholder")
        }
        let graph = try store.asDefault {
            try CapturedGraph(separateTowers: parallelTowers, namer: { namer.name($0) }) {
                try body(repeat each placeholders)
            }
        }
        for v in store.allVariables {
            func name<T: TensorElement>(_: T.Type) {
                guard let t = v.tensor(as: T.self) else { return }
                tensorNames[ObjectIdentifier(t)] = v.name
                variableTensors.insert(ObjectIdentifier(t))
            }
            name(v.dtype.elementType)
        }
        for alias in graph.aliases {
            if let name = tensorNames[ObjectIdentifier(alias.leaf)] {
                tensorNames[ObjectIdentifier(alias.alias)] = name
                variableTensors.insert(ObjectIdentifier(alias.alias))
            }
        }
        recorded = graph
    }

    /// Replays the step on `inputs` (each of the shape captured) and returns the
    /// loss. Gradients accumulate into the variables' gradients, as after
    /// `loss.backward()`; an optimizer step then updates and zeroes them.
    ///
    /// - Throws: `CaptureError.inputShape(input:captured:given:)` when an input's
    ///   shape differs from the captured one (capture again for new shapes), and
    ///   `CaptureError.invalidInput(_:)` when an input holds a value an operation
    ///   cannot use (an embedding index or a class label out of range); nothing is
    ///   computed then.
    @discardableResult
    public func callAsFunction(_ inputs: repeat Tensor<each Input>) throws -> Loss {
        var index = 0
        func bind<E: TensorElement>(_ placeholder: Tensor<E>, _ input: Tensor<E>) throws(CaptureError) {
            defer { index += 1 }
            guard placeholder.shape == input.shape else {
                throw .inputShape(input: index, captured: placeholder.shape, given: input.shape)
            }
            placeholder.storage.base.copyElements(from: input.storage.base, count: placeholder.count)
        }
        repeat try bind(each placeholders, each inputs)
        return try graph.run()
    }

    /// The loss of the last run (the capture's, or the last replay's).
    public var lastLoss: Loss { graph.loss.storage.base[0] }

    /// Whether the step's towers run at the same time, one per core (see
    /// ``serialTowersReason`` when they do not).
    public var towersRunInParallel: Bool { graph.towersRunInParallel }

    /// Why towers marked in the step run one after another, if they do.
    public var serialTowersReason: String? { graph.serialReason }

    /// The number of recorded operations.
    public var operationCount: Int { graph.instructions.count }

    /// The recorded operations' unique names, in the order they run
    /// (`tower/dense/MatMul`, `tower_1/dense/BiasAdd`, …).
    public var operationNames: [String] { graph.instructions.map(\.name) }

    /// The step's graph as a picture, TensorBoard's graph view for a TF1 user:
    /// operations grouped by name scope, each variable drawn once with an edge to
    /// every tower that reads it (in red when several do).
    ///
    /// ```swift
    /// try AtomicFile.write(Data(step.graph(as: .svg).utf8), to: URL(fileURLWithPath: "graph.svg"))
    /// print(step.graph(as: .dot))   // for Graphviz: dot -Tpng
    /// ```
    public func graph(as format: GraphFormat) -> String {
        let variables = variableTensors
        let picture = GraphPicture(instructions: graph.instructions, names: tensorNames) { variables.contains($0) }
        switch format {
        case .dot: return picture.dot
        case .svg: return picture.svg
        }
    }
}

/// How ``CapturedStep/graph(as:)`` writes a graph.
public enum GraphFormat: Sendable {
    /// Graphviz's DOT language (`dot -Tsvg graph.dot`).
    case dot
    /// An SVG picture laid out by Towers.
    case svg
}

extension VariableStore {
    /// Captures a step: runs `body` once on copies of `inputs`, recording its
    /// operations, and runs its backward pass; returns the step, which replays
    /// both on new inputs of the same shapes. See ``CapturedStep``.
    ///
    /// - `parallelTowers`: towers marked by `SharedTowers` (or
    ///   `Capture.tower(_:_:)`) run at the same time, one per core, each with its
    ///   own gradient buffers for the variables they share. `false` runs them one
    ///   after another, exactly as eager execution does.
    ///
    /// ```swift
    /// let step = try store.capture(x, y) { x, y in try meanSquaredError(model(x), y) }
    /// let loss = try step(nextX, nextY)
    /// ```
    /// - Throws: what `body` throws; `CaptureError` when captures are nested or
    ///   a differentiated result is not a scalar.
    public func capture<Loss: TensorScalar, each Input: TensorElement>(
        _ inputs: repeat Tensor<each Input>, parallelTowers: Bool = true,
        _ body: (repeat Tensor<each Input>) throws -> Tensor<Loss>
    ) throws -> CapturedStep<Loss, repeat each Input> {
        let step = CapturedStep<Loss, repeat each Input>(store: self, repeat each inputs)
        try step.record(parallelTowers: parallelTowers, body)
        return step
    }
}

/// Gives captured operations TF1's names, `unique(name scope + "/" + type)`,
/// from the store's name table (rules 21–23): the towers of a siamese step are
/// `tower/dense/MatMul` and `tower_1/dense/MatMul`, and an operation never takes
/// a name a variable or name scope already holds.
struct OperationNamer: Sendable {
    let store: VariableStore

    func name(_ type: StaticString) -> String { store.uniqueName("\(type)") }
}
