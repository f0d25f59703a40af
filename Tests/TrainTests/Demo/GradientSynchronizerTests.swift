import Foundation
import Models
import Testing
import TowersCore
import Train
import Variables

/// A synchronizer that records what ``SiameseTraining`` hands it, in one process.
private final class RecordingSynchronizer: GradientSynchronizer {
    let shard: BatchShard
    var calls: [(loss: Float, step: Int, gradientNorm: Double)] = []
    var result: (Float) throws -> Float = { $0 }
    let store: VariableStore

    init(shard: BatchShard, store: VariableStore) {
        self.shard = shard
        self.store = store
    }

    func synchronize(loss: Float, step: Int) throws -> Float {
        let norm = store.trainableVariables.compactMap { $0.tensor(as: Float.self)?.grad }
            .map { g in g.scalars.reduce(0.0) { $0 + Double($1) * Double($1) } }.reduce(0, +).squareRoot()
        calls.append((loss, step, norm))
        return try result(loss)
    }
}

private struct Refused: Error {}

@Suite("SiameseTraining with a gradient synchronizer")
struct GradientSynchronizerTests {
    static func recipe(batch: Int, execution: SiameseRecipe.Execution = .captured) throws -> SiameseRecipe {
        var r = SiameseRecipe()
        r.seed = 11
        r.batchSize = batch
        r.execution = execution
        return r
    }

    @Test(
        "the shards' losses average to the whole batch's: shard i of 2 trains on the i-th half of each step's pairs",
        arguments: [SiameseRecipe.Execution.captured, .eager])
    func shardsSplitTheGlobalBatch(_ execution: SiameseRecipe.Execution) throws {
        let data = try Digits.load()
        let whole = try SiameseTraining(recipe: Self.recipe(batch: 64, execution: execution), data: data)
        let wholeLoss = try whole.step()
        var halves: [Float] = []
        for index in 0..<2 {
            let run = try SiameseTraining(recipe: Self.recipe(batch: 32, execution: execution), data: data)
            let sync = RecordingSynchronizer(shard: try BatchShard(index: index, count: 2), store: run.store)
            run.synchronizer = sync
            try run.step()
            halves.append(try #require(sync.calls.first).loss)
        }
        #expect(halves[0] != halves[1])
        #expect(abs((halves[0] + halves[1]) / 2 - wholeLoss) <= 1e-6 * abs(wholeLoss))
    }

    @Test("the synchronizer runs after the backward pass, before the update; step() returns its loss")
    func runsBetweenBackwardAndUpdate() throws {
        let data = try Digits.load()
        let plain = try SiameseTraining(recipe: Self.recipe(batch: 32), data: data)
        let run = try SiameseTraining(recipe: Self.recipe(batch: 32), data: data)
        let sync = RecordingSynchronizer(shard: .whole, store: run.store)
        sync.result = { _ in 42 }
        run.synchronizer = sync
        for _ in 0..<3 {
            let expected = try plain.step()
            #expect(try run.step() == 42)
            #expect(sync.calls.last?.loss == expected)
        }
        #expect(sync.calls.map(\.step) == [0, 1, 2])
        #expect(sync.calls.allSatisfy { $0.gradientNorm > 0 })
        #expect(run.losses == [42, 42, 42])
        // A synchronizer that changes nothing leaves training as it was, bit for bit.
        for (a, b) in zip(plain.store.allVariables, run.store.allVariables) {
            #expect(a.tensor(as: Float.self)?.scalars == b.tensor(as: Float.self)?.scalars, "\(a.name)")
        }
    }

    @Test("a synchronizer that throws stops the step: no update, gradients zeroed, global_step unchanged")
    func errorStopsTheStep() throws {
        let run = try SiameseTraining(recipe: Self.recipe(batch: 32), data: try Digits.load())
        let sync = RecordingSynchronizer(shard: .whole, store: run.store)
        run.synchronizer = sync
        try run.step()
        let before = run.store.trainableVariables.map { $0.tensor(as: Float.self)!.scalars }
        sync.result = { _ in throw Refused() }
        #expect(throws: Refused.self) { try run.step() }
        #expect(run.stepCount == 1)
        #expect(run.store.trainableVariables.map { $0.tensor(as: Float.self)!.scalars } == before)
        for v in run.store.trainableVariables {
            #expect(v.tensor(as: Float.self)!.grad?.scalars.allSatisfy { $0 == 0 } ?? true, "\(v.name)")
        }
    }

    @Test("a NaN loss returned by the synchronizer is a nonFiniteLoss, without the update")
    func nonFiniteSynchronizedLoss() throws {
        let run = try SiameseTraining(recipe: Self.recipe(batch: 32), data: try Digits.load())
        let sync = RecordingSynchronizer(shard: .whole, store: run.store)
        sync.result = { _ in .nan }
        run.synchronizer = sync
        let before = run.store.trainableVariables.map { $0.tensor(as: Float.self)!.scalars }
        #expect(throws: TrainingError.self) { try run.step() }
        #expect(run.stepCount == 0)
        #expect(run.store.trainableVariables.map { $0.tensor(as: Float.self)!.scalars } == before)
    }

    @Test("PairBatch.shard: the shards, in order, are the batch")
    func pairBatchShards() throws {
        var sampler = try PairSampler(labels: (0..<40).map { $0 % 4 }, seed: 5)
        let batch = try sampler.sample(24)
        for count in [1, 2, 3, 4, 6] {
            let parts = try (0..<count).map { try batch.shard(try BatchShard(index: $0, count: count)) }
            #expect(parts.flatMap(\.left) == batch.left)
            #expect(parts.flatMap(\.right) == batch.right)
            #expect(parts.flatMap(\.labels) == batch.labels)
            #expect(parts.allSatisfy { $0.count == 24 / count })
        }
        #expect(try BatchShard(index: 2, count: 3).rows(perProcess: 8) == 16..<24)
    }

    @Test("a shard outside its count, or a batch that does not split evenly, is a DatasetError, not a trap")
    func badShards() throws {
        for (index, count) in [(2, 2), (-1, 2), (0, 0)] {
            #expect(
                throws: DatasetError.invalidArgument(
                    name: "BatchShard", value: "index \(index) of \(count)", allowed: "0 ≤ index < count, count ≥ 1")
            ) { _ = try BatchShard(index: index, count: count) }
        }
        var sampler = try PairSampler(labels: (0..<40).map { $0 % 4 }, seed: 5)
        let batch = try sampler.sample(10)
        let error = #expect(throws: DatasetError.self) { _ = try batch.shard(try BatchShard(index: 0, count: 3)) }
        #expect(error?.description.contains("shard 0 of 3 of 10 pairs") == true, "\(String(describing: error))")
    }
}
