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
    /// atomically (temporary file, then rename).
    public static func save(_ store: VariableStore, to url: URL, metadata: [String: String] = [:]) throws {
        var file = SafetensorsFile(metadata: metadata.merging(["format": "towers"]) { a, _ in a })
        for v in store.allVariables {
            if let t = v.tensor(as: Float.self) { file.set(v.name, t) }
            if let t = v.tensor(as: Double.self) { file.set(v.name, t) }
            if let t = v.tensor(as: Int64.self) { file[v.name] = AnyTensorData(t) }  // global_step
        }
        try file.write(to: url)
    }

    /// Restores the variables of `store` from `url`; see ``Options``. Nothing is
    /// assigned unless every check passes.
    @discardableResult
    public static func load(
        into store: VariableStore, from url: URL, options: Options = .strict, prefixMap: [String: String] = [:]
    ) throws -> LoadReport {
        let file = try SafetensorsFile.read(from: url)
        var report = LoadReport(file: url.path)
        var assignments: [(any AnyVariable, AnyTensorData)] = []
        var matched = Set<String>()
        for name in file.names where name != SafetensorsFile.metadataKey {
            let target = mapped(name, prefixMap)
            guard let v = store.variable(named: target), let data = file[name] else {
                report.unused.append(name)
                continue
            }
            matched.insert(v.name)
            if data.dtype != v.dtype {
                report.dtypeMismatches.append(.init(name: target, variable: "\(v.dtype)", file: "\(data.dtype)"))
            } else if data.shape != v.shape {
                report.shapeMismatches.append(.init(name: target, variable: "\(v.shape)", file: "\(data.shape)"))
            } else {
                assignments.append((v, data))
            }
        }
        report.missing = store.allVariables.map(\.name).filter { !matched.contains($0) }
        if !report.shapeMismatches.isEmpty || !report.dtypeMismatches.isEmpty
            || (!report.missing.isEmpty && !options.contains(.allowMissing))
            || (!report.unused.isEmpty && !options.contains(.allowUnused))
        {
            throw CheckpointError.mismatch(report)
        }
        for (v, data) in assignments {
            if let t = v.tensor(as: Float.self) { t.assign(try data.tensor(as: Float.self)) }
            if let t = v.tensor(as: Double.self) { t.assign(try data.tensor(as: Double.self)) }
            if let t = v.tensor(as: Int64.self) { t.assign(try data.tensor(as: Int64.self)) }
        }
        report.restored = assignments.count
        return report
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

/// A checkpoint that does not fit the model.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// Names, shapes or dtypes differ; nothing was restored.
    case mismatch(LoadReport)

    public var description: String {
        switch self {
        case .mismatch(let report):
            return
                "\(report)\nnothing was restored; pass options: [.allowMissing, .allowUnused] or a prefixMap to load a partial or renamed checkpoint"
        }
    }
}
