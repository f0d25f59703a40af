import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Variables

@Suite("Sharing report")
struct SharingReportTests {
    @Test("lists each variable once with the towers that used it", arguments: [2, 3, 4])
    func listsUsers(towerCount: Int) throws {
        let store = VariableStore(seed: 1)
        _ = try TestTower.towers(store)((0..<towerCount).map { TestTower.input(rows: 2, seed: UInt64($0)) })
        let report = SharingReport(store: store)
        #expect(report.rows.map(\.name) == TestTower.names())
        #expect(report.rows.map(\.shape) == [[4, 5], [5], [5, 3], [3]])
        #expect(report.rows.map(\.parameters) == [20, 5, 15, 3])
        #expect(report.rows.allSatisfy { $0.trainable && $0.dtype == .float64 })
        let labels = (0..<towerCount).map { "tower \($0)" }
        for row in report.rows { #expect(row.usedBy == labels, "\(row.name)") }
        #expect(report.totalParameters == TestTower.parameterCount)
        #expect(report.trainableParameters == TestTower.parameterCount)
        #expect(report.unsharedSuspects.isEmpty)

        let text = report.description
        #expect(!text.contains("warning"))
        #expect(text.contains("total parameters: 43 (trainable 43)"))
        let kernelLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("tower/dense/kernel ") })
        #expect(kernelLine.hasSuffix(labels.joined(separator: ", ")))
        #expect(kernelLine.contains("[4, 5]"))
    }

    @Test("non-trainable model variables count in the total; optimizer counters do not")
    func nonTrainableCounted() throws {
        let store = VariableStore(seed: 2)
        _ = try SiameseNetwork(TestTower.towers(store))(
            TestTower.input(rows: 2, seed: 1), TestTower.input(rows: 2, seed: 2))
        let _: Variable<Int64> = try store.getVariable("global_step", shape: [], initializer: .zeros, trainable: false)
        let _: Variable<Double> = try store.variableScope("stats") {
            try store.getVariable("mean", shape: [7], initializer: .zeros, trainable: false)
        }
        let report = SharingReport(store: store)
        #expect(report.trainableParameters == 43)
        #expect(report.totalParameters == 43 + 7)
        #expect(report.optimizerStateParameters == 1)
        let stats = try #require(report.rows.first { $0.name == "stats/mean" })
        #expect(!stats.trainable && stats.kind == .model)
        #expect(stats.usedBy == ["stats"])
        #expect(report.rows.first { $0.name == "global_step" }?.kind == .counter)
        #expect(report.unsharedSuspects.isEmpty)
        #expect(report.description.contains("total parameters: 50 (trainable 43)"))
        #expect(report.description.contains("optimizer state (not counted): 1 in 1 variable(s)"))
    }

    /// Slots as the optimizers make them (`<variable>/<Name>`, same shape, not
    /// trainable) and Adam's counters: listed, not counted.
    @Test("optimizer slots and counters are listed as optimizer state and left out of the totals")
    func slotsAreNotParameters() throws {
        let store = VariableStore(seed: 2)
        _ = try SiameseNetwork(TestTower.towers(store))(
            TestTower.input(rows: 2, seed: 1), TestTower.input(rows: 2, seed: 2))
        let weights = store.trainableVariables
        try store.asDefault {
            for name in ["global_step", "beta1_power", "beta2_power", "beta1_power_1"] {
                let _: Variable<Double> = try store.getVariable(name, shape: [], initializer: .zeros, trainable: false)
            }
            for w in weights {
                try store.variableScope(w.name) {
                    for slot in ["Adam", "Adam_1"] {
                        let _: Variable<Double> = try store.getVariable(
                            slot, shape: w.shape, initializer: .zeros, trainable: false)
                    }
                }
            }
            // Not slots: a non-trainable child of another shape, and a trainable one.
            try store.variableScope("tower/dense/kernel") {
                let _: Variable<Double> = try store.getVariable(
                    "norms", shape: [5], initializer: .zeros, trainable: false)
            }
        }
        let report = SharingReport(store: store)
        #expect(report.totalParameters == 43 + 5)
        #expect(report.trainableParameters == 43)
        #expect(report.optimizerStateParameters == 4 + 2 * 43)
        #expect(report.rows.first { $0.name == "tower/dense_1/bias/Adam_1" }?.kind == .slot(of: "tower/dense_1/bias"))
        #expect(report.rows.first { $0.name == "beta1_power_1" }?.kind == .counter)
        #expect(report.rows.first { $0.name == "tower/dense/kernel/norms" }?.kind == .model)
        let text = report.description
        #expect(text.contains("total parameters: 48 (trainable 43)"))
        #expect(text.contains("optimizer state (not counted): 90 in 12 variable(s)"))
        let slotLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("tower/dense/kernel/Adam ") })
        #expect(slotLine.hasSuffix("optimizer slot of tower/dense/kernel"))
    }

    @Test("a tied decoder's use of the encoder's kernel is shown", arguments: [false, true])
    func tiedUsesShown(inTowers: Bool) throws {
        let store = VariableStore(seed: 3)
        let autoencode: @Sendable (Tensor<Double>) throws -> Tensor<Double> = { x in
            let encoder = Dense<Double>(units: 2, activation: .tanh)
            return try TiedDense(tiedTo: encoder)(try encoder(x))
        }
        if inTowers {
            _ = try SharedTowers<Double>(store: store, tower: autoencode)([
                TestTower.input(rows: 2, seed: 1), TestTower.input(rows: 2, seed: 2),
            ])
        } else {
            _ = try store.asDefault { try autoencode(TestTower.input(rows: 2, seed: 1)) }
        }
        let report = SharingReport(store: store)
        let prefix = inTowers ? "tower/" : ""
        let kernel = try #require(report.rows.first { $0.name == "\(prefix)dense/kernel" })
        #expect(kernel.usedBy == (inTowers ? ["tower 0", "tower 1"] : ["dense"]))
        #expect(kernel.tiedBy == ["\(prefix)tied_dense"])
        #expect(report.rows.first { $0.name == "\(prefix)tied_dense/bias" }?.tiedBy == [])
        let line = try #require(
            report.description.split(separator: "\n").first { $0.hasPrefix("\(prefix)dense/kernel ") })
        #expect(line.hasSuffix("tied: \(prefix)tied_dense"))
        #expect(report.unsharedSuspects.isEmpty && report.repeatedBlocks.isEmpty)
    }

    /// Hand-written scopes, no tower labels: the trap is found from the names and shapes.
    @Test("two towers built in one hand-written scope entry are flagged without labels")
    func repeatedBlockFlagged() throws {
        let store = VariableStore(seed: 4)
        try store.asDefault {
            try store.variableScope("tower", reuse: .autoReuse) {
                _ = try TestTower.body(TestTower.input(rows: 2, seed: 1), recorder: nil)
                _ = try TestTower.body(TestTower.input(rows: 2, seed: 2), recorder: nil)
            }
        }
        let report = SharingReport(store: store)
        #expect(report.unsharedSuspects.isEmpty, "no labels, so the label check cannot see it")
        #expect(
            report.repeatedBlocks == [
                RepeatedBlock(
                    scope: "tower", first: ["tower/dense", "tower/dense_1"],
                    repeats: [["tower/dense_2", "tower/dense_3"]])
            ])
        #expect(
            report.description.contains(
                "warning: tower/dense_2, tower/dense_3 repeat tower/dense, tower/dense_1 (same layers and shapes) in scope 'tower': were two towers built in one scope entry?"
            ))
        // Three towers of one layer each, at the root.
        let root = VariableStore(seed: 5)
        try root.asDefault {
            for seed in 1...3 { _ = try Dense<Double>(units: 3)(TestTower.input(rows: 2, seed: UInt64(seed))) }
        }
        #expect(
            SharingReport(store: root).repeatedBlocks == [
                RepeatedBlock(scope: "", first: ["dense"], repeats: [["dense_1"], ["dense_2"]])
            ])
    }

    @Test("separate entries, a deep stack of equal layers and a plain tower are not flagged")
    func noFalseRepeatedBlocks() throws {
        // One entry per tower: shared, nothing repeated.
        let shared = VariableStore(seed: 6)
        for seed in 1...2 {
            _ = try shared.asDefault {
                try shared.variableScope("tower", reuse: .autoReuse) {
                    try TestTower.body(TestTower.input(rows: 2, seed: UInt64(seed)), recorder: nil)
                }
            }
        }
        #expect(SharingReport(store: shared).repeatedBlocks.isEmpty)
        // 4 → 4 → 4 → 4 → 4: one block of one layer four times, but it stacks on itself.
        let deep = VariableStore(seed: 7)
        try deep.asDefault {
            var h = TestTower.input(rows: 2, seed: 1)
            for _ in 0..<4 { h = try Dense<Double>(units: 4, activation: .tanh)(h) }
        }
        #expect(deep.trainableVariables.count == 8)
        #expect(SharingReport(store: deep).repeatedBlocks.isEmpty)
        // 4 → 5 → 3 → 5 → 3: not a repetition of one block from the first default names.
        let plain = VariableStore(seed: 8)
        try plain.asDefault {
            var h = TestTower.input(rows: 2, seed: 1)
            for units in [5, 3, 5, 3] { h = try Dense<Double>(units: units)(h) }
        }
        #expect(SharingReport(store: plain).repeatedBlocks.isEmpty)
    }

    @Test("a head built outside the towers is not a suspect")
    func headOutsideTowersIsNotSuspect() throws {
        let store = VariableStore(seed: 3)
        let (a, _) = try SiameseNetwork(TestTower.towers(store))(
            TestTower.input(rows: 2, seed: 1), TestTower.input(rows: 2, seed: 2))
        let head = ClassificationHead<Double>(classes: 4)
        _ = try store.asDefault { try head(a) }
        let report = SharingReport(store: store)
        #expect(report.rows.map(\.name) == TestTower.names() + ["classifier/kernel", "classifier/bias"])
        #expect(report.rows.suffix(2).allSatisfy { $0.usedBy == ["classifier"] })
        #expect(report.trainableParameters == 43 + 3 * 4 + 4)
        #expect(report.unsharedSuspects.isEmpty)
        #expect(!report.description.contains("warning"))
    }

    /// TF1's trap: both towers built inside one entry of the scope, so the second
    /// tower's layers get new default names (`dense_2`, `dense_3`) and nothing is shared.
    @Test("two towers built inside one scope entry are flagged")
    func towersInOneScopeEntryAreFlagged() throws {
        let store = VariableStore(seed: 4)
        try store.asDefault {
            try store.variableScope("tower", reuse: .autoReuse) {
                for i in 0..<2 {
                    _ = try VariableUse.$label.withValue("tower \(i)") {
                        try TestTower.body(TestTower.input(rows: 2, seed: UInt64(i)), recorder: nil)
                    }
                }
            }
        }
        #expect(
            store.trainableVariables.map(\.name) == [
                "tower/dense/kernel", "tower/dense/bias", "tower/dense_1/kernel", "tower/dense_1/bias",
                "tower/dense_2/kernel", "tower/dense_2/bias", "tower/dense_3/kernel", "tower/dense_3/bias",
            ])
        let report = SharingReport(store: store)
        #expect(report.trainableParameters == 2 * TestTower.parameterCount)
        #expect(report.unsharedSuspects.map(\.name) == store.trainableVariables.map(\.name))
        let text = report.description
        #expect(text.contains("warning"))
        #expect(text.contains("warning: tower/dense_2/kernel was used by tower 1 only"))
    }

    /// Half-shared: the first layer is shared, each tower makes its own output layer.
    @Test("variables used by one tower while others are shared are flagged")
    func partlySharedIsFlagged() throws {
        let store = VariableStore(seed: 5)
        let towers = SharedTowers<Double>(store: store) { x in
            let h = try Dense<Double>(units: 5, activation: .tanh)(x)
            // A fresh name per call: a different variable for every tower.
            let index = try #require(VariableUse.label.flatMap { Int($0.dropFirst("tower ".count)) })
            return try Dense<Double>(units: 3, name: "out_\(index)")(h)
        }
        _ = try towers([TestTower.input(rows: 2, seed: 1), TestTower.input(rows: 2, seed: 2)])
        let report = SharingReport(store: store)
        #expect(
            report.rows.map(\.name) == [
                "tower/dense/kernel", "tower/dense/bias", "tower/out_0/kernel", "tower/out_0/bias",
                "tower/out_1/kernel", "tower/out_1/bias",
            ])
        #expect(
            report.unsharedSuspects.map(\.name) == [
                "tower/out_0/kernel", "tower/out_0/bias", "tower/out_1/kernel", "tower/out_1/bias",
            ])
        #expect(report.unsharedSuspects.map { $0.usedBy } == [["tower 0"], ["tower 0"], ["tower 1"], ["tower 1"]])
        #expect(report.description.split(separator: "\n").filter { $0.hasPrefix("warning") }.count == 4)
    }

    @Test("a single tower is never flagged")
    func singleTowerNotFlagged() throws {
        let store = VariableStore(seed: 6)
        _ = try TestTower.towers(store).embed(TestTower.input(rows: 2, seed: 1))
        let report = SharingReport(store: store)
        #expect(report.rows.allSatisfy { $0.usedBy == ["tower 0"] })
        #expect(report.unsharedSuspects.isEmpty)
    }
}
