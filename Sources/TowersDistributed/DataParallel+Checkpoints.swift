public import Foundation
import TowersCore
public import Train
import Variables

extension DataParallel {
    /// Checks that every rank holds bit-identical values of every variable
    /// (weights, optimizer slots, counters), by comparing a 64-bit hash of each
    /// variable's bytes.
    ///
    /// ```swift
    /// try parallel.checkIdenticalWeights(step: training.stepCount)
    /// ```
    /// - Throws: ``DistributedError/diverged(step:variable:ranks:)`` on every rank,
    ///   naming the first variable (in name order) that differs.
    public func checkIdenticalWeights(step: Int) throws {
        let variables = store.allVariables.sorted { $0.name < $1.name }
        var mine: [UInt8] = []
        mine.reserveCapacity(variables.count * 8)
        for v in variables {
            withUnsafeBytes(of: Self.hash(v).littleEndian) { mine.append(contentsOf: $0) }
        }
        let all = try world.allgather(mine, what: .weightCheck, step: step)
        for (i, v) in variables.enumerated() {
            let range = i * 8..<(i + 1) * 8
            let ranks = all.indices.filter { all[$0].count != mine.count || all[$0][range] != all[0][range] }
            if !ranks.isEmpty { throw DistributedError.diverged(step: step, variable: v.name, ranks: ranks) }
        }
    }

    /// Writes a checkpoint of the store from rank 0 (atomically, as
    /// `Checkpoint.save(_:to:metadata:)`), after checking that every rank
    /// holds the same weights. Call it on every rank: the others wait for rank 0
    /// and learn whether it succeeded.
    ///
    /// ```swift
    /// if step % 500 == 0 { try parallel.saveCheckpoint(to: url) }
    /// ```
    /// - Throws: ``DistributedError/diverged(step:variable:ranks:)``, or
    ///   ``DistributedError/rootFailed(operation:message:)`` on every rank when
    ///   rank 0 could not write the file (the previous file is then kept).
    public func saveCheckpoint(to url: URL, metadata: [String: String] = [:]) throws {
        let step = Self.globalStep(store)
        try checkIdenticalWeights(step: step)
        var failure = ""
        if world.isRoot {
            do {
                try Checkpoint.save(store, to: url, metadata: metadata)
            } catch {
                failure = "\(error)"
            }
        }
        if let message = try broadcastStatus(failure, step: step) {
            throw DistributedError.rootFailed(operation: "write the checkpoint \(url.path)", message: message)
        }
        lastCheckpoint = url
    }

    /// Restores the store from a checkpoint read by rank 0 alone, then copies the
    /// values to every rank (`--resume`). Returns rank 0's `LoadReport`
    /// (`nil` on the other ranks). Call it on every rank after ``start()``.
    ///
    /// ```swift
    /// try parallel.start()
    /// try parallel.restoreCheckpoint(from: url)   // every rank now holds the file's values
    /// ```
    /// - Throws: ``DistributedError/rootFailed(operation:message:)`` on every rank
    ///   when rank 0 could not load the file (nothing is restored on any rank).
    @discardableResult
    public func restoreCheckpoint(from url: URL, options: Checkpoint.Options = .strict) throws -> LoadReport? {
        var report: LoadReport?
        var failure = ""
        if world.isRoot {
            do {
                report = try Checkpoint.load(into: store, from: url, options: options)
            } catch {
                failure = "\(error)"
            }
        }
        if let message = try broadcastStatus(failure, step: -1) {
            throw DistributedError.rootFailed(operation: "read the checkpoint \(url.path)", message: message)
        }
        try broadcastVariables()
        lastCheckpoint = url
        return report
    }

    /// Sends rank 0's status (empty for success) to every rank; the failure
    /// message, if any.
    private func broadcastStatus(_ message: String, step: Int) throws -> String? {
        var length = Int64(message.utf8.count)
        try withUnsafeMutableBytes(of: &length) {
            try world.broadcast($0.baseAddress!, bytes: 8, what: .checkpointStatus, step: step)
        }
        guard length > 0 else { return nil }
        var bytes = world.isRoot ? Array(message.utf8) : [UInt8](repeating: 0, count: Int(length))
        try bytes.withUnsafeMutableBytes {
            try world.broadcast($0.baseAddress!, bytes: Int(length), what: .checkpointStatus, step: step)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The store's `global_step`, or -1.
    static func globalStep(_ store: VariableStore) -> Int {
        guard let t = store.variable(named: "global_step")?.tensor(as: Int64.self), t.count == 1 else { return -1 }
        return Int(t.storage.base[0])
    }

    /// A 64-bit hash of a variable's bytes (FNV-1a over 8-byte words, then the tail).
    static func hash(_ v: any AnyVariable) -> UInt64 {
        func bytes<T: TensorElement>(_: T.Type) -> UInt64 {
            guard let t = v.tensor(as: T.self) else { return 0 }
            let raw = UnsafeRawBufferPointer(start: t.storage.base, count: t.count * MemoryLayout<T>.stride)
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            let words = raw.count / 8
            for i in 0..<words {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x0000_0100_0000_01B3
                h ^= h >> 29
            }
            for i in words * 8..<raw.count { h = (h ^ UInt64(raw[i])) &* 0x0000_0100_0000_01B3 }
            return h ^ UInt64(raw.count)
        }
        return bytes(v.dtype.elementType)
    }
}
