/// One recorded operation of a captured step: how to run it forward again over
/// the same buffers, how to push its output's gradient back, and what it read
/// and wrote (for scheduling and the graph picture).
package struct Instruction {
    /// TF1's operation type (`MatMul`, `BiasAdd`, `Relu`, …).
    package let type: StaticString
    /// The unique operation name (`tower/dense/MatMul`), from the capture's namer.
    package let name: String
    /// The tower the operation belongs to (`nil` outside towers).
    package let tower: Int?
    /// The output tensor (kept alive by the capture).
    package let output: AnyObject
    /// The tensors read, by identity.
    package let inputs: [ObjectIdentifier]
    /// The inputs whose gradients the backward pass writes.
    package let gradientInputs: [ObjectIdentifier]
    /// Recomputes the output from the inputs' current values.
    package let forward: () -> Void
    /// Accumulates the output's gradient into the inputs' gradients; `nil` when
    /// the output needs no gradient.
    package let backward: (() -> Void)?
    /// Writes to a tensor that is not its output (an assignment): always replayed.
    package let hasSideEffect: Bool
    /// Extra words for the graph picture (the fused activation of a `BiasAdd`).
    package let detail: String
    /// The output, when it needs a gradient (which the step keeps between replays).
    package let gradientHolder: (any GradientHolder)?

    package var outputID: ObjectIdentifier { ObjectIdentifier(output) }
}

/// Records the operations run by the current task while a step is captured
/// (see ``CapturedGraph``). Operations ask ``current`` once each; outside a
/// capture it is `nil` and recording costs nothing else.
package final class Recorder: @unchecked Sendable {
    /// The recorder of the current task, if it is inside a capture.
    @TaskLocal package static var current: Recorder?

    package private(set) var instructions: [Instruction] = []
    /// The tower being built (`nil` outside towers; see ``Capture/tower(_:_:)``).
    package var tower: Int?
    /// Whether towers get their own gradient buffers for shared leaves, so that
    /// they can run in parallel.
    package let separateTowers: Bool
    /// Names operations: TF1's `unique(name scope + "/" + type)`.
    private let namer: (StaticString) -> String

    /// The most multiply-adds of one BLAS product in a tower (see ``noteWork(_:)``).
    package private(set) var largestTowerProduct = 0

    /// Records the size of a matrix product run in the current tower: towers
    /// whose products are large enough for OpenBLAS's own threads run one after
    /// another, each product on every core.
    package func noteWork(_ multiplyAdds: Int) {
        if tower != nil { largestTowerProduct = max(largestTowerProduct, multiplyAdds) }
    }

    /// Checks of the values a replay reads (indices in range), each returning a
    /// message for a bad value or `nil`; run before every replay.
    package private(set) var validations: [() -> String?] = []

    /// Adds a check that runs before every replay (see ``validations``).
    package func validate(_ check: @escaping () -> String?) { validations.append(check) }

    /// Tower aliases of shared leaves: `(leaf, tower) → alias`.
    private var aliases: [AliasKey: AnyObject] = [:]
    package private(set) var aliasRecords: [AliasRecord] = []

    package init(separateTowers: Bool, namer: @escaping (StaticString) -> String) {
        self.separateTowers = separateTowers
        self.namer = namer
    }

    package func append(
        _ type: StaticString, output: AnyObject, inputs: [ObjectIdentifier], forward: @escaping () -> Void,
        backward: (() -> Void)?, gradientInputs: [ObjectIdentifier] = [],
        gradientHolder: (any GradientHolder)? = nil, hasSideEffect: Bool = false,
        detail: String = ""
    ) {
        instructions.append(
            Instruction(
                type: type, name: namer(type), tower: tower, output: output, inputs: inputs,
                gradientInputs: gradientInputs, forward: forward, backward: backward, hasSideEffect: hasSideEffect,
                detail: detail, gradientHolder: gradientHolder))
    }

    struct AliasKey: Hashable {
        let leaf: ObjectIdentifier
        let tower: Int
    }

    /// A leaf read by a tower other than the first: the tower's own view of it
    /// (same storage, its own gradient), added into the leaf's gradient after the
    /// towers' backward passes.
    package struct AliasRecord {
        package let leaf: AnyObject
        package let alias: AnyObject
        package let tower: Int
        /// `leaf.grad += alias.grad` (nothing when no gradient reached the alias this pass).
        package let accumulate: () -> Void
        /// Makes the alias write its gradient straight into the leaf's (for towers
        /// that run one after another: no buffer of its own, nothing to add).
        package let shareLeafGradient: () -> Void
    }

    func alias<Scalar: TensorScalar>(of leaf: Tensor<Scalar>, tower: Int) -> Tensor<Scalar> {
        let key = AliasKey(leaf: ObjectIdentifier(leaf), tower: tower)
        if let existing = aliases[key] as? Tensor<Scalar> { return existing }
        let alias = Tensor<Scalar>(shape: leaf.shape, storage: leaf.storage, requiresGrad: true)
        aliases[key] = alias
        let count = leaf.count
        aliasRecords.append(
            AliasRecord(leaf: leaf, alias: alias, tower: tower) {
                guard count > 0, let g = alias.grad, !alias.gradIsStale else { return }
                Scalar.axpy(n: count, alpha: 1, x: g.storage.base, incX: 1, y: leaf.gradPointer(), incY: 1)
                alias.gradIsStale = true
            } shareLeafGradient: {
                alias.grad = nil
                alias.gradientOwner = leaf
            })
        return alias
    }
}

extension Tensor {
    /// The tensor an operation should read: itself, or, inside a capture with
    /// separate towers, a tower's own view of a shared leaf (a variable's value)
    /// when the tower is not the first, so towers accumulate gradients apart.
    ///
    /// `Variable.value` goes through here.
    package func readInCurrentTower() -> Tensor {
        guard requiresGrad, node == nil, let recorder = Recorder.current, recorder.separateTowers,
            let tower = recorder.tower, tower > 0
        else { return self }
        if let float = self as? Tensor<Float> { return recorder.alias(of: float, tower: tower) as! Tensor<Scalar> }
        if let double = self as? Tensor<Double> { return recorder.alias(of: double, tower: tower) as! Tensor<Scalar> }
        return self
    }
}

/// Marks parts of a captured step.
public enum Capture {
    /// Runs `body` as tower `index` (0 for the first tower, 1 for the second, …):
    /// inside a capture with parallel towers, the towers' forward and backward
    /// passes run at the same time, one per core. Outside a capture it only runs
    /// `body`. `SharedTowers` marks its towers this way.
    ///
    /// ```swift
    /// let embeddings = try inputs.enumerated().map { i, x in try Capture.tower(i) { try tower(x) } }
    /// ```
    public static func tower<R>(_ index: Int, _ body: () throws -> R) rethrows -> R {
        guard let recorder = Recorder.current else { return try body() }
        let outer = recorder.tower
        recorder.tower = index
        defer { recorder.tower = outer }
        return try body()
    }

    /// Whether the current task is recording a captured step.
    public static var isRecording: Bool { Recorder.current != nil }
}
