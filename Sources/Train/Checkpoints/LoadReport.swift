/// What a checkpoint load found, or (from ``Checkpoint/pendingLoad(in:)`` and
/// ``Checkpoint/finishLoading(_:)``) what a load that left values waiting has
/// restored so far.
///
/// ```swift
/// let report = try Checkpoint.load(into: store, from: url)
/// print(report.restored, report.pending)   // assigned now; waiting for their variables
/// ```
public struct LoadReport: Sendable, CustomStringConvertible, Equatable {
    /// A variable and a tensor that do not fit: their names, and the variable's and
    /// the file's shape (or dtype) as text.
    public struct Mismatch: Sendable, Equatable {
        public var name: String
        public var variable: String
        public var file: String
    }
    /// The checkpoint's path (the paths, comma-separated, after several loads).
    public var file: String
    /// Variables of the store with no tensor in the file.
    public var missing: [String] = []
    /// Tensors of the file (by their name in the file) that match no variable.
    public var unused: [String] = []
    /// Variables (by name, after the prefix map) whose value waits in the store
    /// because the model has not created them yet.
    public var pending: [String] = []
    /// Tensors of the file left out on purpose: the optimizer state that
    /// ``Checkpoint/loadWeights(into:from:options:prefixMap:)`` skips.
    public var skipped: [String] = []
    public var shapeMismatches: [Mismatch] = []
    public var dtypeMismatches: [Mismatch] = []
    /// How many variables were assigned.
    public var restored = 0

    /// Whether the file and the store matched exactly: nothing missing, unused,
    /// mismatched or still waiting.
    public var isClean: Bool {
        missing.isEmpty && unused.isEmpty && pending.isEmpty && shapeMismatches.isEmpty && dtypeMismatches.isEmpty
    }

    public var description: String {
        var lines = ["checkpoint \(file): restored \(restored) variable(s)"]
        if !pending.isEmpty {
            lines.append(
                "waiting for the model to create them (assigned then): \(pending.count) variable(s): "
                    + Self.list(pending))
        }
        if !skipped.isEmpty { lines.append("optimizer state skipped: " + Self.list(skipped)) }
        if !missing.isEmpty { lines.append("missing from the file: " + missing.joined(separator: ", ")) }
        if !unused.isEmpty { lines.append("in the file but not in the model: " + unused.joined(separator: ", ")) }
        for m in shapeMismatches { lines.append("shape mismatch for \(m.name): model \(m.variable), file \(m.file)") }
        for m in dtypeMismatches { lines.append("dtype mismatch for \(m.name): model \(m.variable), file \(m.file)") }
        return lines.joined(separator: "\n")
    }

    /// The first names of a long list, then how many more.
    private static func list(_ names: [String]) -> String {
        let shown = names.prefix(8).joined(separator: ", ")
        return names.count > 8 ? shown + ", … (\(names.count - 8) more)" : shown
    }
}
