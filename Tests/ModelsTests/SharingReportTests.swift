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

    @Test("non-trainable variables count in the total but not in the trainable parameters")
    func nonTrainableCounted() throws {
        let store = VariableStore(seed: 2)
        _ = try SiameseNetwork(TestTower.towers(store))(
            TestTower.input(rows: 2, seed: 1), TestTower.input(rows: 2, seed: 2))
        let _: Variable<Double> = try store.getVariable("global_step", shape: [], initializer: .zeros, trainable: false)
        let _: Variable<Double> = try store.variableScope("stats") {
            try store.getVariable("mean", shape: [7], initializer: .zeros, trainable: false)
        }
        let report = SharingReport(store: store)
        #expect(report.trainableParameters == 43)
        #expect(report.totalParameters == 43 + 1 + 7)
        let stats = try #require(report.rows.first { $0.name == "stats/mean" })
        #expect(!stats.trainable)
        #expect(stats.usedBy == ["stats"])
        #expect(report.unsharedSuspects.isEmpty)
        #expect(report.description.contains("total parameters: 51 (trainable 43)"))
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
