public import Foundation
import Models
import TowersCore
public import Variables

/// Saves and restores a store's variables by full name, as safetensors files
/// that Python's `safetensors.numpy.load_file` reads.
///
/// Loading is strict by default: every variable of the store must be in the file
/// and every tensor of the file must match a variable, with equal shape and
/// dtype; otherwise it throws a ``CheckpointError`` carrying a ``LoadReport`` and
/// changes nothing. A load may come before the model is built: tensors whose
/// variable does not exist yet wait in the store and are assigned when the model
/// creates the variable; ``finishLoading(_:)`` then checks that every tensor
/// found its variable. ``loadWeights(into:from:options:prefixMap:)`` loads for
/// inference, without the optimizer's state. A prefix map restores under another
/// scope (TF's assignment map): `["tower/": "encoder/"]` loads the file's
/// `tower/dense/kernel` into `encoder/dense/kernel`.
///
/// ```swift
/// try Checkpoint.save(store, to: URL(fileURLWithPath: "siamese.safetensors"))
/// let report = try Checkpoint.load(into: freshStore, from: url)
/// ```
///
/// ## Topics
///
/// ### Saving and loading
/// - ``save(_:to:metadata:variables:)``
/// - ``load(into:from:options:prefixMap:variables:)``
/// - ``loadWeights(into:from:options:prefixMap:)``
/// - ``Options``
///
/// ### Loading before the model is built
/// - ``pendingLoad(in:)``
/// - ``finishLoading(_:)``
public enum Checkpoint {
    /// What is allowed to differ when loading.
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Variables of the store absent from the file keep their values (also those
        /// the model creates after a load that left values waiting).
        public static let allowMissing = Options(rawValue: 1)
        /// Tensors of the file that match no variable are ignored (they still wait
        /// for their variable, but ``Checkpoint/finishLoading(_:)`` accepts leftovers).
        public static let allowUnused = Options(rawValue: 2)
        /// Everything must match.
        public static let strict: Options = []
    }

    /// Writes the global variables of `store` (weights, optimizer slots,
    /// `global_step`: TF's `Saver` default; local variables and variables kept out
    /// of the global collection are not saved unless `variables` lists them), in
    /// their own element types (`F32`, `F64`, `F16`, `BF16`, `I32`, `I64`, `BOOL`),
    /// atomically (temporary file, then rename), with the metadata `format: towers`
    /// and, when the store has one, `global_step` (both unless `metadata` sets them). Temporary files that an earlier,
    /// killed save left in the directory are removed (see ``AtomicFile``).
    ///
    /// - Throws: ``CheckpointError/nonFiniteValue(file:tensor:)`` if a variable holds
    ///   NaN or an infinity (the file on disk is then left as it was), or
    ///   ``SafetensorsError/writeFailed(file:reason:)``.
    public static func save(
        _ store: VariableStore, to url: URL, metadata: [String: String] = [:], variables: [any AnyVariable]? = nil
    ) throws {
        var own = ["format": "towers"]
        if let step = store.variable(named: "global_step")?.tensor(as: Int64.self), step.count == 1 {
            own["global_step"] = "\(step.scalars[0])"
        }
        var file = SafetensorsFile(metadata: metadata.merging(own) { a, _ in a })
        for v in variables ?? store.globalVariables {
            func add<T: TensorElement>(_: T.Type) throws {
                guard let t = v.tensor(as: T.self) else { return }
                if let float = t as? Tensor<Float>, !float.allFinite {
                    throw CheckpointError.nonFiniteValue(file: url.path, tensor: v.name)
                }
                if let double = t as? Tensor<Double>, !double.allFinite {
                    throw CheckpointError.nonFiniteValue(file: url.path, tensor: v.name)
                }
                file.set(v.name, t)
            }
            try add(v.dtype.elementType)
        }
        try file.write(to: url)
    }

    /// Restores the global variables of `store` (or `variables`) from `url`,
    /// training state included (optimizer slots and `global_step`, to resume
    /// training); see ``Options``.
    ///
    /// Variables that exist are checked and assigned now; nothing is assigned unless
    /// every check passes. Tensors whose variable does not exist yet (the model has
    /// not run: layers create their weights on their first call, optimizers their
    /// slots on their first step) wait in the store and are assigned when
    /// `getVariable` creates their variable, shape and dtype checked then
    /// (`PendingValueError`). ``pendingLoad(in:)`` reports what still
    /// waits; ``finishLoading(_:)`` is the strict check once the model is built.
    ///
    /// ```swift
    /// let store = VariableStore()
    /// try Checkpoint.load(into: store, from: url)      // before the model is built
    /// let embeddings = try towers.embed(x)              // its variables get the file's values
    /// try Checkpoint.finishLoading(store)               // every tensor used, every variable restored
    /// ```
    ///
    /// - Throws: ``SafetensorsError`` for a file that is not valid safetensors;
    ///   ``CheckpointError`` for variables of the store absent from the file (unless
    ///   `.allowMissing`), shapes or dtypes that do not fit, a prefix map that sends
    ///   two tensors to one variable, a NaN or infinity in a tensor, or a
    ///   `global_step` that is not a whole number in 0...2⁵³.
    ///
    /// With `variables`, only those are restored and expected, and tensors of the
    /// file that match none of them are unused (they do not wait).
    @discardableResult
    public static func load(
        into store: VariableStore, from url: URL, options: Options = .strict, prefixMap: [String: String] = [:],
        variables: [any AnyVariable]? = nil
    ) throws -> LoadReport {
        try load(
            into: store, from: url, options: options, prefixMap: prefixMap, variables: variables, weightsOnly: false)
    }

    /// Restores the model's weights from `url` for inference or fine-tuning, as
    /// Keras's `load_weights` does: optimizer state is left out on both sides, so a
    /// checkpoint written during training loads into a model without an optimizer.
    /// The file's optimizer slots (`<variable>/Momentum`, `…/Adam`, `…/Adam_1`,
    /// `…/RMSProp`, `…/Adagrad`) and counters (`global_step`, `beta1_power`,
    /// `beta2_power`) are skipped (listed in ``LoadReport/skipped``), and the store's
    /// own optimizer variables, if any, are neither required nor changed. Everything
    /// else is as in ``load(into:from:options:prefixMap:variables:)``, deferred values included.
    ///
    /// ```swift
    /// let store = VariableStore()
    /// let towers = SharedTowers<Float>(store: store, scope: "tower") { x in try Dense<Float>(units: 32)(x) }
    /// try Checkpoint.loadWeights(into: store, from: URL(fileURLWithPath: "runs/siamese.safetensors"))
    /// let embeddings = try towers.embed(x)
    /// try Checkpoint.finishLoading(store)
    /// ```
    @discardableResult
    public static func loadWeights(
        into store: VariableStore, from url: URL, options: Options = .strict, prefixMap: [String: String] = [:]
    ) throws -> LoadReport {
        try load(into: store, from: url, options: options, prefixMap: prefixMap, variables: nil, weightsOnly: true)
    }

    private static func load(
        into store: VariableStore, from url: URL, options: Options, prefixMap: [String: String],
        variables: [any AnyVariable]?, weightsOnly: Bool
    ) throws -> LoadReport {
        let file = try SafetensorsFile.read(from: url)
        let targets = variables ?? store.globalVariables
        let byName = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var report = LoadReport(file: url.path)
        let skippedTensors = weightsOnly ? OptimizerState.tensors(in: file) : []
        let storeState = weightsOnly ? OptimizerState.variables(in: store) : []
        var assignments: [(any AnyVariable, AnyTensorData)] = []
        var pending: [String: PendingValue] = [:]
        var matched: [String: String] = [:]  // variable → the file tensor restoring it
        for name in file.names where name != SafetensorsFile.metadataKey {
            guard let data = file[name] else {
                report.unused.append(name)
                continue
            }
            if skippedTensors.contains(name) {
                report.skipped.append(name)
                continue
            }
            let target = mapped(name, prefixMap)
            if let first = matched.updateValue(name, forKey: target) {
                throw CheckpointError.prefixMapCollision(file: url.path, variable: target, tensors: [first, name])
            }
            try validate(data, name: name, variable: target, file: url.path)
            guard let v = byName[target] else {
                // A variable that exists but is not restored (local, or not listed):
                // unused. No variable yet: the value waits for it, unless a list was given.
                if variables != nil || store.variable(named: target) != nil {
                    report.unused.append(name)
                    continue
                }
                pending[target] = PendingValue(
                    shape: data.shape, dtype: data.dtype, file: url.path, tensor: name,
                    assign: { v in try assign(data, to: v) })
                continue
            }
            if data.dtype != v.dtype {
                report.dtypeMismatches.append(.init(name: target, variable: "\(v.dtype)", file: "\(data.dtype)"))
            } else if data.shape != v.shape {
                report.shapeMismatches.append(.init(name: target, variable: "\(v.shape)", file: "\(data.shape)"))
            } else {
                assignments.append((v, data))
            }
        }
        try validateMetadata(file, path: url.path)
        report.missing = targets.map(\.name).filter { matched[$0] == nil && !storeState.contains($0) }
        if !report.shapeMismatches.isEmpty || !report.dtypeMismatches.isEmpty
            || (!report.missing.isEmpty && !options.contains(.allowMissing))
            || (!report.unused.isEmpty && !options.contains(.allowUnused))
        {
            // Nothing waits either: the tensors without a variable are reported as unused.
            report.unused += pending.values.map(\.tensor).sorted()
            throw CheckpointError.mismatch(report)
        }
        for (v, data) in assignments { try assign(data, to: v) }
        report.restored = assignments.count
        report.pending = pending.keys.sorted()
        if !pending.isEmpty {
            let load = LoadRecord(file: url.path, options: options, weightsOnly: weightsOnly, report: report)
            try store.withPendingValues { p in openDeferredLoad(&p, load, pending) }
        }
        return report
    }

    /// Copies `data` into `v`, whose dtype and shape it has.
    static func assign(_ data: AnyTensorData, to v: any AnyVariable) throws {
        func assign<T: TensorElement>(_: T.Type) throws {
            if let t = v.tensor(as: T.self) { t.assign(try data.tensor(as: T.self)) }
        }
        try assign(v.dtype.elementType)
    }

    /// The `global_step` metadata, when present: a step count equal to the tensor's.
    private static func validateMetadata(_ file: SafetensorsFile, path: String) throws {
        guard let text = file.metadata["global_step"] else { return }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let step = Int64(text) else {
            throw CheckpointError.invalidMetadata(
                file: path, key: "global_step", value: text, reason: "is not a whole number in 0...\(Int64.max)")
        }
        if let tensor = file["global_step"], tensor.count == 1,
            tensor.dtype == .int64, try tensor.scalars(as: Int64.self)[0] != step
        {
            throw CheckpointError.invalidMetadata(
                file: path, key: "global_step", value: text,
                reason: "differs from the global_step tensor (\(try tensor.scalars(as: Int64.self)[0]))")
        }
    }

    /// No NaN or infinity; `global_step` a step count (not negative).
    private static func validate(_ data: AnyTensorData, name: String, variable: String, file: String) throws {
        let finite: Bool
        switch data.dtype {
        case .float32: finite = try data.tensor(as: Float.self).allFinite
        case .float64: finite = try data.tensor(as: Double.self).allFinite
        default: finite = true
        }
        guard finite else { throw CheckpointError.nonFiniteValue(file: file, tensor: name) }
        if variable == "global_step", data.count == 1, data.dtype == .int64 {
            let value = try data.scalars(as: Int64.self)[0]
            guard value >= 0 else {
                throw CheckpointError.invalidGlobalStep(file: file, tensor: name, value: Double(value))
            }
        }
    }

    private static func mapped(_ name: String, _ map: [String: String]) -> String {
        // The longest matching prefix wins.
        guard let (from, to) = map.filter({ name.hasPrefix($0.key) }).max(by: { $0.key.count < $1.key.count }) else {
            return name
        }
        return to + name.dropFirst(from.count)
    }
}
