public import Foundation
import TowersCore
public import Variables

/// Saves and restores a store's variables by full name, as safetensors files
/// that Python's `safetensors.numpy.load_file` reads.
///
/// Loading is strict by default: every variable of the store must be in the file
/// and every tensor of the file must match a variable, with equal shape and
/// dtype; otherwise it throws a ``CheckpointError`` carrying a ``LoadReport`` and
/// changes nothing. A prefix map restores under another scope (TF's assignment
/// map): `["tower/": "encoder/"]` loads the file's `tower/dense/kernel` into
/// `encoder/dense/kernel`.
///
/// ```swift
/// try Checkpoint.save(store, to: URL(fileURLWithPath: "siamese.safetensors"))
/// let report = try Checkpoint.load(into: freshStore, from: url)
/// ```
public enum Checkpoint {
    /// What is allowed to differ when loading.
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Variables of the store absent from the file keep their values.
        public static let allowMissing = Options(rawValue: 1)
        /// Tensors of the file that match no variable are ignored.
        public static let allowUnused = Options(rawValue: 2)
        /// Everything must match.
        public static let strict: Options = []
    }

    /// Writes every variable of `store` (weights, optimizer slots, `global_step`),
    /// atomically (temporary file, then rename), with the metadata `format: towers`
    /// and, when the store has one, `global_step` (both unless `metadata` sets them). Temporary files that an earlier,
    /// killed save left in the directory are removed (see ``AtomicFile``).
    ///
    /// - Throws: ``CheckpointError/nonFiniteValue(file:tensor:)`` if a variable holds
    ///   NaN or an infinity (the file on disk is then left as it was), or
    ///   ``SafetensorsError/writeFailed(file:reason:)``.
    public static func save(_ store: VariableStore, to url: URL, metadata: [String: String] = [:]) throws {
        var own = ["format": "towers"]
        if let step = store.variable(named: "global_step")?.tensor(as: Int64.self), step.count == 1 {
            own["global_step"] = "\(step.scalars[0])"
        }
        var file = SafetensorsFile(metadata: metadata.merging(own) { a, _ in a })
        for v in store.allVariables {
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

    /// Restores the variables of `store` from `url`; see ``Options``. Nothing is
    /// assigned unless every check passes.
    ///
    /// - Throws: ``SafetensorsError`` for a file that is not valid safetensors;
    ///   ``CheckpointError`` for names, shapes or dtypes that do not fit the store, a
    ///   prefix map that sends two tensors to one variable, a NaN or infinity in a
    ///   tensor, or a `global_step` that is not a whole number in 0...2⁵³.
    @discardableResult
    public static func load(
        into store: VariableStore, from url: URL, options: Options = .strict, prefixMap: [String: String] = [:]
    ) throws -> LoadReport {
        let file = try SafetensorsFile.read(from: url)
        var report = LoadReport(file: url.path)
        var assignments: [(any AnyVariable, AnyTensorData)] = []
        var matched: [String: String] = [:]  // variable → the file tensor restoring it
        for name in file.names where name != SafetensorsFile.metadataKey {
            let target = mapped(name, prefixMap)
            guard let v = store.variable(named: target), let data = file[name] else {
                report.unused.append(name)
                continue
            }
            if let first = matched.updateValue(name, forKey: v.name) {
                throw CheckpointError.prefixMapCollision(file: url.path, variable: v.name, tensors: [first, name])
            }
            try validate(data, name: name, variable: v.name, file: url.path)
            if data.dtype != v.dtype {
                report.dtypeMismatches.append(.init(name: target, variable: "\(v.dtype)", file: "\(data.dtype)"))
            } else if data.shape != v.shape {
                report.shapeMismatches.append(.init(name: target, variable: "\(v.shape)", file: "\(data.shape)"))
            } else {
                assignments.append((v, data))
            }
        }
        try validateMetadata(file, path: url.path)
        report.missing = store.allVariables.map(\.name).filter { matched[$0] == nil }
        if !report.shapeMismatches.isEmpty || !report.dtypeMismatches.isEmpty
            || (!report.missing.isEmpty && !options.contains(.allowMissing))
            || (!report.unused.isEmpty && !options.contains(.allowUnused))
        {
            throw CheckpointError.mismatch(report)
        }
        for (v, data) in assignments {
            func assign<T: TensorElement>(_: T.Type) throws {
                if let t = v.tensor(as: T.self) { t.assign(try data.tensor(as: T.self)) }
            }
            try assign(v.dtype.elementType)
        }
        report.restored = assignments.count
        return report
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

/// What a checkpoint load found.
public struct LoadReport: Sendable, CustomStringConvertible, Equatable {
    public struct Mismatch: Sendable, Equatable {
        public var name: String
        public var variable: String
        public var file: String
    }
    public var file: String
    /// Variables of the store with no tensor in the file.
    public var missing: [String] = []
    /// Tensors of the file (by their name in the file) that match no variable.
    public var unused: [String] = []
    public var shapeMismatches: [Mismatch] = []
    public var dtypeMismatches: [Mismatch] = []
    /// How many variables were assigned.
    public var restored = 0

    public var isClean: Bool {
        missing.isEmpty && unused.isEmpty && shapeMismatches.isEmpty && dtypeMismatches.isEmpty
    }

    public var description: String {
        var lines = ["checkpoint \(file): restored \(restored) variable(s)"]
        if !missing.isEmpty { lines.append("missing from the file: " + missing.joined(separator: ", ")) }
        if !unused.isEmpty { lines.append("in the file but not in the model: " + unused.joined(separator: ", ")) }
        for m in shapeMismatches { lines.append("shape mismatch for \(m.name): model \(m.variable), file \(m.file)") }
        for m in dtypeMismatches { lines.append("dtype mismatch for \(m.name): model \(m.variable), file \(m.file)") }
        return lines.joined(separator: "\n")
    }
}

/// A checkpoint that does not fit the model, or values that no checkpoint may hold.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// Names, shapes or dtypes differ; nothing was restored.
    case mismatch(LoadReport)
    /// A prefix map sends two tensors of the file to one variable; nothing was restored.
    case prefixMapCollision(file: String, variable: String, tensors: [String])
    /// A tensor holds NaN or an infinity: nothing was restored (loading), or the
    /// file was not written (saving).
    case nonFiniteValue(file: String, tensor: String)
    /// The file's `global_step` is not a whole number in 0...2⁵³; nothing was restored.
    case invalidGlobalStep(file: String, tensor: String, value: Double)
    /// A metadata value Towers reads (`global_step`) is malformed; nothing was restored.
    case invalidMetadata(file: String, key: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .mismatch(let report):
            return
                "\(report)\nnothing was restored; pass options: [.allowMissing, .allowUnused] or a prefixMap to load a partial or renamed checkpoint"
        case .prefixMapCollision(let file, let variable, let tensors):
            return "checkpoint \(file): the prefix map sends both '\(tensors[0])' and '\(tensors[1])' to variable "
                + "'\(variable)'; nothing was restored"
        case .nonFiniteValue(let file, let tensor):
            return "checkpoint \(file): '\(tensor)' holds NaN or an infinity; a checkpoint must hold finite values "
                + "(nothing was read or written)"
        case .invalidMetadata(let file, let key, let value, let reason):
            return "checkpoint \(file): metadata \(key) \(String(reflecting: value)) \(reason); nothing was restored"
        case .invalidGlobalStep(let file, let tensor, let value):
            return "checkpoint \(file): '\(tensor)' is \(value), not a step count (a whole number in 0...2^53); "
                + "nothing was restored"
        }
    }
}
