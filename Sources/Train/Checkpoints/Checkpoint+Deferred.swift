import Models
public import Variables

/// One load that left values waiting in a store: what it was asked and what it
/// did at once (kept in the store's deferred restore, see `VariableStore+PendingValues.swift`).
struct LoadRecord: Sendable {
    var file: String
    var options: Checkpoint.Options
    var weightsOnly: Bool
    /// The report of the load itself.
    var report: LoadReport
}

extension Checkpoint {
    /// Adds `values` to the store's deferred restore (a later load's value for a
    /// variable replaces an earlier one's) and opens it.
    static func openDeferredLoad(_ p: inout PendingValues, _ load: LoadRecord, _ values: [String: PendingValue]) {
        var loads = p.isOpen ? (p.loader as? [LoadRecord] ?? []) : []
        if !p.isOpen { p = PendingValues() }
        loads.append(load)
        p.loader = loads
        p.values.merge(values) { _, new in new }
        p.isOpen = true
    }

    /// What a load into `store` that came before the model was built has restored
    /// so far, and what still waits for its variable (``LoadReport/pending``);
    /// `nil` when no load left values waiting (or ``finishLoading(_:)`` closed it).
    /// ``LoadReport/missing`` also lists the variables created since the load that
    /// got no value.
    ///
    /// ```swift
    /// try Checkpoint.load(into: store, from: url)
    /// _ = try towers.embed(x)                           // creates and restores the towers' weights
    /// print(Checkpoint.pendingLoad(in: store)!.pending)  // ["global_step", "tower/dense/bias/Momentum", …]
    /// ```
    public static func pendingLoad(in store: VariableStore) -> LoadReport? {
        (try? store.withPendingValues { p in DeferredStatus(p, store: store) })??.report
    }

    /// The strict check once the model is built (TF's `assert_consumed`): closes the
    /// store's deferred restore and throws ``CheckpointError/incomplete(_:)`` if a
    /// tensor of the file never found its variable (unless that load allowed
    /// `.allowUnused`) or the model created a variable that got no value (unless a
    /// load allowed `.allowMissing`). Values restored stay restored either way;
    /// values still waiting are dropped. Returns the whole restore's report (the
    /// leftovers as ``LoadReport/unused``), or `nil` when no load left values waiting.
    ///
    /// ```swift
    /// try Checkpoint.load(into: store, from: url)
    /// _ = try towers.embed(x)
    /// try Checkpoint.finishLoading(store)   // throws if the file and the model differ
    /// ```
    @discardableResult
    public static func finishLoading(_ store: VariableStore) throws -> LoadReport? {
        let status = try store.withPendingValues { p in
            defer { p = PendingValues() }
            return DeferredStatus(p, store: store)
        }
        guard let status else { return nil }
        var report = status.report
        report.unused = report.pending.compactMap { status.waiting[$0]?.tensor }
        report.pending = []
        let unusedAllowed = Set(status.loads.filter { $0.options.contains(.allowUnused) }.map(\.file))
        let leftovers = status.waiting.values.filter { !unusedAllowed.contains($0.file) }
        let missingAllowed = status.loads.contains { $0.options.contains(.allowMissing) }
        if !leftovers.isEmpty || (!status.createdWithoutValue.isEmpty && !missingAllowed) {
            throw CheckpointError.incomplete(report)
        }
        return report
    }
}

/// A store's open deferred restore, read atomically.
private struct DeferredStatus {
    var report: LoadReport
    var loads: [LoadRecord]
    var waiting: [String: PendingValue]
    /// Model variables created since the load that got no value.
    var createdWithoutValue: [String]

    init?(_ p: PendingValues, store: VariableStore) {
        guard p.isOpen, let loads = p.loader as? [LoadRecord], !loads.isEmpty else { return nil }
        var files: [String] = []
        for load in loads where !files.contains(load.file) { files.append(load.file) }
        // The optimizer's own variables are no one's business after weights-only loads.
        let state = loads.allSatisfy(\.weightsOnly) ? OptimizerState.variables(in: store) : []
        createdWithoutValue = p.createdWithoutValue.filter { !state.contains($0) }
        report = LoadReport(file: files.joined(separator: ", "))
        report.restored = loads.reduce(0) { $0 + $1.report.restored } + p.restored.count
        report.skipped = loads.flatMap(\.report.skipped)
        report.missing = loads.flatMap(\.report.missing) + createdWithoutValue
        report.pending = p.values.keys.sorted()
        self.loads = loads
        waiting = p.values
    }
}
