import Foundation
import Models
import Testing
import TowersCore
import Train
import Variables

/// Short runs (batch 64) of the main job. Determinism is asserted at whatever BLAS
/// thread count the process has: the tests never change it.
@Suite("Siamese training")
struct SiameseTrainingTests {
    typealias F = TrainingFixtures

    static let totalSteps = 120
    static let resumeAt = 60

    static func recipe(seed: UInt64 = 7, learningRate: Double = 0.05) -> SiameseRecipe {
        var r = SiameseRecipe()
        r.seed = seed
        r.batchSize = 64
        r.steps = totalSteps
        r.learningRate = learningRate
        return r
    }

    /// An uninterrupted run: its losses, its checkpoint bytes at ``resumeAt`` and at
    /// the end, and the store's values at ``resumeAt``. Computed once, shared.
    struct Reference: Sendable {
        var losses: [Float]
        var checkpointAtResume: Data
        var valuesAtResume: [String: [UInt64]]
        var finalCheckpoint: Data
    }

    static let reference: Result<Reference, any Error> = Result {
        let dir = try F.Scratch("siamese")
        defer { dir.remove() }
        let run = try SiameseTraining(recipe: recipe(), data: try Digits.load())
        var atResume = Data(), values: [String: [UInt64]] = [:]
        for step in 0..<totalSteps {
            if step == resumeAt {
                atResume = try checkpointBytes(run.store, dir)
                values = F.snapshot(run.store)
            }
            try run.step()
        }
        return Reference(
            losses: run.losses, checkpointAtResume: atResume, valuesAtResume: values,
            finalCheckpoint: try checkpointBytes(run.store, dir))
    }

    static func checkpointBytes(_ store: VariableStore, _ dir: F.Scratch) throws -> Data {
        let url = dir.file("bytes-\(UUID().uuidString).safetensors")
        try Checkpoint.save(store, to: url)
        return try Data(contentsOf: url)
    }

    static func bits(_ losses: some Sequence<Float>) -> [UInt32] { losses.map(\.bitPattern) }

    @Test("the reference run trains: the loss falls")
    func lossFalls() throws {
        let reference = try Self.reference.get()
        #expect(reference.losses.count == Self.totalSteps)
        #expect(reference.losses.allSatisfy { $0.isFinite })
        let first = reference.losses.prefix(10).reduce(0, +) / 10
        let last = reference.losses.suffix(10).reduce(0, +) / 10
        #expect(last < 0.8 * first, "mean loss of the first 10 steps \(first), of the last 10 \(last)")
    }

    @Test("two runs with the same seed give bit-identical losses and checkpoint bytes")
    func deterministic() throws {
        let reference = try Self.reference.get()
        let dir = try F.Scratch("siamese")
        defer { dir.remove() }
        let run = try SiameseTraining(recipe: Self.recipe(), data: try Digits.load())
        for _ in 0..<Self.totalSteps { try run.step() }
        #expect(run.stepCount == Self.totalSteps)
        #expect(Self.bits(run.losses) == Self.bits(reference.losses))
        let bytes = try Self.checkpointBytes(run.store, dir)
        #expect(bytes == reference.finalCheckpoint)

        // Not vacuous: another seed gives other losses.
        let other = try SiameseTraining(recipe: Self.recipe(seed: 8), data: try Digits.load())
        for _ in 0..<3 { try other.step() }
        #expect(Self.bits(other.losses) != Self.bits(reference.losses.prefix(3)))
    }

    @Test("save at step k, load into a fresh run, continue: the loss curve equals the uninterrupted one")
    func resumeIsExact() throws {
        let reference = try Self.reference.get()
        let dir = try F.Scratch("siamese")
        defer { dir.remove() }
        let url = dir.file("step-\(Self.resumeAt).safetensors")
        try reference.checkpointAtResume.write(to: url)

        // A fresh run with a fresh store (and a different seed for its initial values:
        // everything must come from the checkpoint).
        let run = try SiameseTraining(recipe: Self.recipe(), data: try Digits.load(), store: VariableStore(seed: 12345))
        #expect(run.stepCount == 0)
        let report = try Checkpoint.load(into: run.store, from: url)
        #expect(report.isClean)
        // Slots and global_step came back with the weights.
        #expect(run.stepCount == Self.resumeAt)
        #expect(F.differences(F.snapshot(run.store), reference.valuesAtResume) == [])
        let slots = run.store.allVariables.filter { $0.name.hasSuffix("/Momentum") }
        #expect(slots.count == run.store.trainableVariables.count)
        // (The output bias gets almost no gradient: it cancels in a − b. The kernels' slots are far from zero.)
        let kernelSlots = slots.filter { $0.name.hasSuffix("kernel/Momentum") }
        #expect(kernelSlots.count == 3)
        #expect(
            kernelSlots.allSatisfy { ($0.tensor(as: Float.self)?.scalars.map(abs).max() ?? 0) > 1e-3 },
            "momentum slots should be restored with non-zero values")

        for _ in Self.resumeAt..<Self.totalSteps { try run.step() }
        #expect(run.stepCount == Self.totalSteps)
        #expect(Self.bits(run.losses) == Self.bits(reference.losses[Self.resumeAt...]))
        #expect(try Self.checkpointBytes(run.store, dir) == reference.finalCheckpoint)
    }

    @Test("without its slots and global_step a resumed run diverges (the resume test can fail)")
    func resumeNeedsSlotsAndStep() throws {
        let reference = try Self.reference.get()
        let dir = try F.Scratch("siamese")
        defer { dir.remove() }
        let full = dir.file("full.safetensors")
        try reference.checkpointAtResume.write(to: full)
        var file = try SafetensorsFile.read(from: full)
        for name in file.names where name.hasSuffix("/Momentum") || name == "global_step" { file[name] = nil }
        let weightsOnly = dir.file("weights.safetensors")
        try file.write(to: weightsOnly)

        let run = try SiameseTraining(recipe: Self.recipe(), data: try Digits.load(), store: VariableStore(seed: 1))
        let report = try Checkpoint.load(into: run.store, from: weightsOnly, options: .allowMissing)
        #expect(report.missing.count == run.store.trainableVariables.count + 1)
        #expect(run.stepCount == 0)
        for _ in 0..<5 { try run.step() }
        #expect(Self.bits(run.losses) != Self.bits(reference.losses[Self.resumeAt..<(Self.resumeAt + 5)]))
    }

    @Test("a huge learning rate stops with nonFiniteLoss, without applying the bad step")
    func nonFiniteLossStops() throws {
        let dir = try F.Scratch("siamese")
        defer { dir.remove() }
        let data = try Digits.load()
        let run = try SiameseTraining(recipe: Self.recipe(seed: 3, learningRate: 1e6), data: data)
        let good = dir.file("good.safetensors")
        var caught: TrainingError?
        var savedBytes = Data(), before: [String: [UInt64]] = [:]
        for _ in 0..<50 {
            try Checkpoint.save(run.store, to: good)
            savedBytes = try Data(contentsOf: good)
            before = F.snapshot(run.store)
            do {
                try run.step(lastGoodCheckpoint: good)
            } catch let error as TrainingError {
                caught = error
                break
            }
        }
        let error = try #require(caught, "50 steps at learning rate 1e6 never gave a non-finite loss")
        guard case .nonFiniteLoss(let step, let value, let checkpoint) = error else { return }
        #expect(step == run.stepCount)
        #expect(!value.isFinite)
        #expect(checkpoint == good)
        #expect("\(error)".contains(good.path))
        // The bad step changed nothing: weights, slots and global_step are as before it.
        #expect(F.differences(F.snapshot(run.store), before) == [])
        #expect(run.losses.count == step)
        #expect(run.losses.allSatisfy { $0.isFinite })
        // The last good checkpoint is intact and loads into a fresh run.
        #expect(try Data(contentsOf: good) == savedBytes)
        let fresh = try SiameseTraining(recipe: Self.recipe(seed: 3, learningRate: 1e6), data: data)
        #expect(try Checkpoint.load(into: fresh.store, from: good).isClean)
        #expect(F.differences(F.snapshot(fresh.store), before) == [])
        #expect(fresh.stepCount == step)
        #expect(try dir.contents() == ["good.safetensors"])
    }

    @Test("an update to infinite weights stops training, names the step and variable, keeps the last checkpoint")
    func nonFiniteWeightsStop() throws {
        let dir = try F.Scratch("siamese")
        defer { dir.remove() }
        // A rate beyond Float's range: the first loss is finite, the first update is not.
        let run = try SiameseTraining(recipe: Self.recipe(seed: 5, learningRate: 1e300), data: try Digits.load())
        let good = dir.file("good.safetensors")
        try Checkpoint.save(run.store, to: good)
        let saved = try Data(contentsOf: good)
        let error = caughtError { try run.step(lastGoodCheckpoint: good) }
        guard case .nonFiniteWeights(let step, let variable, let checkpoint)? = error as? TrainingError else {
            Issue.record("expected nonFiniteWeights, got \(String(describing: error))")
            return
        }
        #expect(step == 0)
        #expect(variable.hasPrefix("tower/"))
        #expect(checkpoint == good)
        #expect("\(error!)".contains("the last good checkpoint \(good.path) was kept"))
        #expect(run.stepCount == 0)
        #expect(run.losses.isEmpty)
        // Saving the broken weights is refused; the good checkpoint is untouched.
        #expect(throws: CheckpointError.self) { try Checkpoint.save(run.store, to: good) }
        #expect(try Data(contentsOf: good) == saved)
    }

    @Test("evaluate and embeddings work on the trained model")
    func evaluate() throws {
        let data = try Digits.load()
        let run = try SiameseTraining(recipe: Self.recipe(), data: data)
        for _ in 0..<20 { try run.step() }
        let e = try run.embeddings(data.test)
        #expect(e.shape == [data.test.count, 32])
        #expect(!e.requiresGrad)
        let result = try run.evaluate(pairs: 200)
        #expect((0...1).contains(result.oneNearestNeighborAccuracy))
        #expect((0...1).contains(result.pairAccuracy))
        // Far better than chance (10 classes) after a few steps.
        #expect(result.oneNearestNeighborAccuracy > 0.5)
    }

    @Test("the captured step's operations are named as TF1 names the graph: tower/… and tower_1/…")
    func capturedOperationNames() throws {
        let run = try SiameseTraining(recipe: Self.recipe(), data: try Digits.load())
        try run.step()
        let names = try #require(run.capturedStep?.operationNames)
        #expect(
            names.filter { $0.hasSuffix("/MatMul") } == [
                "tower/dense/MatMul", "tower/dense_1/MatMul", "tower/dense_2/MatMul",
                "tower_1/dense/MatMul", "tower_1/dense_1/MatMul", "tower_1/dense_2/MatMul",
            ])
        // The variables, built before the capture, keep their keys.
        #expect(run.store.trainableVariables.map(\.name).first == "tower/dense/kernel")
    }

    @Test("the README's picture is the demo's captured graph (regenerate: towers train, then runs/graph.svg)")
    func readmePictureIsCurrent() throws {
        let run = try SiameseTraining(recipe: SiameseRecipe(), data: try Digits.load())
        try run.step()
        let svg = try #require(run.capturedStep?.graph(as: .svg))
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                "Documentation/siamese-graph.svg")
        #expect(svg == (try String(contentsOf: committed, encoding: .utf8)))
    }
}
