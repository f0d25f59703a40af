import Foundation
import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Train
import Variables

/// Loads that come before the model is built: values wait in the store and are
/// assigned when `getVariable` creates their variables.
@Suite("Deferred restore")
struct DeferredRestoreTests {
    typealias F = TrainingFixtures

    static let weights = CheckpointTests.weights
    static let state = ["global_step"] + weights.map { $0 + "/Momentum" }

    /// A trained model's checkpoint (slots non-zero, global_step 3), its snapshot,
    /// and the trained model's embedding of a fixed input.
    func trained(_ dir: F.Scratch) throws -> (url: URL, saved: [String: [UInt64]], embedding: [Float]) {
        let (store, _) = try F.model(seed: 1, steps: 3)
        let url = dir.file("trained.safetensors")
        try Checkpoint.save(store, to: url)
        let embedding = try F.towers(store, Float.self).embed(Fixture.normal([2, 4], seed: 77)).scalars
        return (url, F.snapshot(store), embedding)
    }

    @Test("a load into an empty store waits; building the model and its optimizer restores every value")
    func loadBeforeBuild() throws {
        let dir = try F.Scratch("deferred")
        defer { dir.remove() }
        let (url, saved, embedding) = try trained(dir)
        let store = VariableStore(seed: 42)
        let report = try Checkpoint.load(into: store, from: url)
        #expect(report.restored == 0)
        #expect(report.pending == CheckpointTests.allNames.sorted())
        #expect("\(report)".contains("waiting for the model to create them (assigned then): 9 variable(s)"))
        #expect(store.allVariables.isEmpty)

        // The first call creates the weights with the file's values: its output is the trained model's.
        let towers = F.towers(store, Float.self)
        #expect(try towers.embed(Fixture.normal([2, 4], seed: 77)).scalars == embedding)
        let halfway = try #require(Checkpoint.pendingLoad(in: store))
        #expect(halfway.restored == 4)
        #expect(halfway.pending == Self.state.sorted())

        let sgd = try SGD(store: store, learningRate: .constant(0.1), momentum: 0.9)
        #expect(sgd.stepCount == 3, "global_step is restored when the optimizer creates it")
        try sgd.createSlots()
        #expect(F.differences(F.snapshot(store), saved) == [])
        let final = try #require(try Checkpoint.finishLoading(store))
        #expect(final.isClean && final.restored == 9)
        #expect(Checkpoint.pendingLoad(in: store) == nil, "finishLoading closes the restore")
    }

    @Test("a waiting value that does not fit: getVariable throws naming the variable and creates nothing")
    func mismatchAtCreation() throws {
        let dir = try F.Scratch("deferred")
        defer { dir.remove() }
        let (url, _, _) = try trained(dir)
        let store = VariableStore(seed: 42)
        try Checkpoint.load(into: store, from: url)
        let wider = F.towers(store, Float.self, hidden: 6)
        let expected = PendingValueError.mismatch(
            variable: "tower/dense/kernel", file: url.path, tensor: "tower/dense/kernel", found: [4, 5],
            foundDType: .float32, requested: [4, 6], requestedDType: .float32)
        #expect(throws: expected) { _ = try wider.embed(.zeros([1, 4])) }
        #expect(store.variable(named: "tower/dense/kernel") == nil)
        #expect(
            "\(expected)".contains(
                "Variable tower/dense/kernel: the model creates it with shape [4, 6] Float32, but the checkpoint"))
        // The value still waits: the right model gets it.
        #expect(Checkpoint.pendingLoad(in: store)?.pending.contains("tower/dense/kernel") == true)
    }

    @Test("finishLoading is strict: leftovers and variables created without a value throw, unless allowed")
    func finishIsStrict() throws {
        let dir = try F.Scratch("deferred")
        defer { dir.remove() }
        let (url, _, _) = try trained(dir)
        // Towers only, no optimizer: its slots and global_step never find a variable.
        let store = VariableStore(seed: 42)
        try Checkpoint.load(into: store, from: url)
        _ = try F.towers(store, Float.self).embed(.zeros([1, 4]))
        #expect(Checkpoint.pendingLoad(in: store)?.pending == Self.state.sorted())
        guard case .incomplete(let report)? = caughtError({ try Checkpoint.finishLoading(store) }) as? CheckpointError
        else { return }
        #expect(report.unused == Self.state.sorted())
        #expect(report.restored == 4)
        #expect("\(CheckpointError.incomplete(report))".contains("the model is built but the checkpoint did not fit"))

        // A file without one bias: the variable the model creates gets no value.
        var file = try SafetensorsFile.read(from: url)
        file["tower/dense_1/bias"] = nil
        let partial = dir.file("partial.safetensors")
        try file.write(to: partial)
        for options: Checkpoint.Options in [.strict, .allowMissing] {
            let fresh = VariableStore(seed: 42)
            try Checkpoint.load(into: fresh, from: partial, options: options)
            let model = F.towers(fresh, Float.self)
            _ = try model.embed(.zeros([1, 4]))
            try SGD(store: fresh, learningRate: .constant(0.1), momentum: 0.9).createSlots()
            if options == .strict {
                let error = caughtError { try Checkpoint.finishLoading(fresh) }
                guard case .incomplete(let r)? = error as? CheckpointError else { continue }
                #expect(r.missing == ["tower/dense_1/bias"] && r.unused.isEmpty)
            } else {
                #expect(try Checkpoint.finishLoading(fresh)?.missing == ["tower/dense_1/bias"])
            }
        }
    }

    @Test("loadWeights skips optimizer slots and global_step, before or after the model is built")
    func weightsOnly() throws {
        let dir = try F.Scratch("deferred")
        defer { dir.remove() }
        let (url, saved, embedding) = try trained(dir)

        // Built model, no optimizer: a plain load leaves the optimizer's tensors waiting forever.
        let built = VariableStore(seed: 42)
        _ = try F.towers(built, Float.self).embed(.zeros([1, 4]))
        #expect(try Checkpoint.load(into: built, from: url).pending == Self.state.sorted())
        #expect(caughtError { try Checkpoint.finishLoading(built) } is CheckpointError)
        let report = try Checkpoint.loadWeights(into: built, from: url)
        #expect(report.skipped.sorted() == Self.state.sorted())
        #expect(report.restored == 4 && report.isClean)
        #expect(Checkpoint.pendingLoad(in: built) == nil)

        // Before the model is built, with an optimizer made afterwards: its state is
        // neither restored nor required.
        let empty = VariableStore(seed: 42)
        #expect(try Checkpoint.loadWeights(into: empty, from: url).pending == Self.weights.sorted())
        #expect(try F.towers(empty, Float.self).embed(Fixture.normal([2, 4], seed: 77)).scalars == embedding)
        let sgd = try SGD(store: empty, learningRate: .constant(0.1), momentum: 0.9)
        try sgd.createSlots()
        #expect(sgd.stepCount == 0)
        let final = try #require(try Checkpoint.finishLoading(empty))
        #expect(final.missing.isEmpty && final.unused.isEmpty && final.restored == 4)
        let values = F.snapshot(empty)
        for name in Self.weights { #expect(values[name] == saved[name], "\(name)") }
        for name in Self.state.dropFirst() { #expect(values[name]?.allSatisfy { $0 == 0 } == true, "\(name)") }
    }

    @Test("a prefix map applies to waiting values")
    func prefixMapDeferred() throws {
        let dir = try F.Scratch("deferred")
        defer { dir.remove() }
        let (url, saved, _) = try trained(dir)
        let store = VariableStore(seed: 42)
        let report = try Checkpoint.loadWeights(into: store, from: url, prefixMap: ["tower/": "encoder/"])
        #expect(report.pending == Self.weights.map { $0.replacingOccurrences(of: "tower/", with: "encoder/") }.sorted())
        _ = try F.towers(store, Float.self, scope: "encoder").embed(.zeros([1, 4]))
        #expect(try Checkpoint.finishLoading(store)?.isClean == true)
        #expect(F.snapshot(store)["encoder/dense/kernel"] == saved["tower/dense/kernel"])
    }

    @Test("values wait through a captured step: its towers create the weights with the file's values")
    func capturedFirstStep() throws {
        let dir = try F.Scratch("deferred")
        defer { dir.remove() }
        let (url, _, _) = try trained(dir)
        // The same step on a model restored after building and on one restored before it.
        func firstStep(loadFirst: Bool) throws -> (Float, [String: [UInt64]]) {
            let store = VariableStore(seed: 42)
            let towers = F.towers(store, Float.self)
            if loadFirst {
                try Checkpoint.load(into: store, from: url)
            } else {
                _ = try towers.embed(.zeros([1, 4]))
                try SGD(store: store, learningRate: .constant(0.1), momentum: 0.9).createSlots()
                try Checkpoint.load(into: store, from: url)
            }
            let siamese = SiameseNetwork(towers)
            // Recording the step runs the towers: the first one creates the weights.
            let step = try store.capture(Fixture.normal([6, 4], seed: 5), Fixture.normal([6, 4], seed: 6)) { l, r in
                let (a, b) = try siamese(l, r, training: true)
                return try meanSquaredError(a, b)
            }
            let sgd = try SGD(store: store, learningRate: .constant(0.1), momentum: 0.9)
            try sgd.step()
            if loadFirst { #expect(try Checkpoint.finishLoading(store)?.isClean == true) }
            #expect(sgd.stepCount == 4)
            return (step.lastLoss, F.snapshot(store))
        }
        let (after, afterValues) = try firstStep(loadFirst: false)
        let (before, beforeValues) = try firstStep(loadFirst: true)
        #expect(before.bitPattern == after.bitPattern, "the losses differ: \(before) \(after)")
        #expect(F.differences(beforeValues, afterValues) == [])
    }
}
