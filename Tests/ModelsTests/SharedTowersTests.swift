import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Variables

@Suite("Shared towers: one set of weights for every tower")
struct SharedTowersTests {
    @Test("a siamese network holds exactly one set of tower variables")
    func siameseHoldsOneSet() throws {
        let store = VariableStore(seed: 1)
        let net = SiameseNetwork(TestTower.towers(store))
        let (a, b) = try net(TestTower.input(rows: 6, seed: 1), TestTower.input(rows: 6, seed: 2))
        #expect(a.shape == [6, TestTower.outputSize])
        #expect(b.shape == [6, TestTower.outputSize])
        #expect(store.trainableVariables.map(\.name) == TestTower.names())
        #expect(store.allVariables.map(\.name) == TestTower.names())
        #expect(store.trainableVariables.map(\.shape) == [[4, 5], [5], [5, 3], [3]])
    }

    @Test("a triplet network holds exactly one set of tower variables")
    func tripletHoldsOneSet() throws {
        let store = VariableStore(seed: 1)
        let net = TripletNetwork(TestTower.towers(store))
        let (a, p, n) = try net(
            TestTower.input(rows: 5, seed: 1), TestTower.input(rows: 5, seed: 2), TestTower.input(rows: 5, seed: 3))
        #expect([a.shape, p.shape, n.shape] == Array(repeating: [5, TestTower.outputSize], count: 3))
        #expect(store.trainableVariables.map(\.name) == TestTower.names())
        #expect(store.allVariables.count == 4)
    }

    @Test("every tower gets the identical variable objects", arguments: [2, 3, 4])
    func identityAcrossTowers(towerCount: Int) throws {
        let store = VariableStore(seed: 3)
        let recorder = UsedVariables()
        let towers = TestTower.towers(store, recorder: recorder)
        let inputs = (0..<towerCount).map { TestTower.input(rows: 3, seed: UInt64(10 + $0)) }
        let outputs: [Tensor<Double>]
        switch towerCount {
        case 2:
            let (a, b) = try SiameseNetwork(towers)(inputs[0], inputs[1])
            outputs = [a, b]
        case 3:
            let (a, p, n) = try TripletNetwork(towers)(inputs[0], inputs[1], inputs[2])
            outputs = [a, p, n]
        default:
            outputs = try towers(inputs)
        }
        #expect(outputs.count == towerCount)
        let calls = recorder.perCall
        try #require(calls.count == towerCount)
        let stored = store.trainableVariables
        #expect(stored.map(\.name) == TestTower.names())
        for (i, used) in calls.enumerated() {
            #expect(sameObjects(used, stored), "tower \(i) used other variable objects than the store's one set")
        }
        // Each variable was handed to every tower, labelled by tower index.
        let expectedLabels = (0..<towerCount).map { "tower \($0)" }
        for v in stored {
            var distinct: [String] = []
            for label in store.uses(of: v) where !distinct.contains(label) { distinct.append(label) }
            #expect(distinct == expectedLabels, "uses of \(v.name)")
        }
    }

    @Test("the trainable parameter count is one tower's", arguments: [1, 2, 3, 4])
    func parameterCountIsOneTowers(towerCount: Int) throws {
        let store = VariableStore(seed: 4)
        let towers = TestTower.towers(store)
        _ = try towers((0..<towerCount).map { TestTower.input(rows: 2, seed: UInt64($0)) })
        #expect(TestTower.parameterCount == 43)
        #expect(store.trainableVariables.reduce(0) { $0 + $1.parameterCount } == 43)
        let report = SharingReport(store: store)
        #expect(report.trainableParameters == 43)
        #expect(report.totalParameters == 43)
    }

    @Test("towers on equal inputs give equal outputs; on different inputs, different ones")
    func towersComputeTheSameFunction() throws {
        let store = VariableStore(seed: 5)
        let towers = TestTower.towers(store)
        let x = TestTower.input(rows: 4, seed: 7)
        let outs = try towers([x, x.copy(), TestTower.input(rows: 4, seed: 8)])
        #expect(outs[0].scalars == outs[1].scalars)
        #expect(outs[0].scalars != outs[2].scalars)
        // The hand-written forward pass with the store's weights.
        let w = doubleVariables(store).map(\.value)
        let expected = withoutGradients { (x.matmul(w[0]) + w[1]).tanh().matmul(w[2]) + w[3] }
        expectClose(outs[0], expected, relative: 1e-12, absolute: 1e-12)
    }

    @Test("the towers are built under the given scope")
    func customScope() throws {
        let store = VariableStore(seed: 6)
        _ = try SiameseNetwork(TestTower.towers(store, scope: "encoder"))(
            TestTower.input(rows: 2, seed: 1), TestTower.input(rows: 2, seed: 2))
        #expect(store.trainableVariables.map(\.name) == TestTower.names(scope: "encoder"))
    }

    @Test("embed records no gradient history and equals tower 0's output")
    func embedIsInference() throws {
        let store = VariableStore(seed: 7)
        let towers = TestTower.towers(store)
        let x = TestTower.input(rows: 3, seed: 9)
        let recorded = try towers(x)
        let embedded = try towers.embed(x)
        #expect(recorded.requiresGrad)
        #expect(!embedded.requiresGrad)
        #expect(embedded.scalars == recorded.scalars)
    }

    /// The gradient of each shared weight is the sum over towers of the gradient
    /// that flows through that tower alone (other towers' outputs held constant).
    @Test("the gradient of a shared weight is the sum of the towers' gradients", arguments: [2, 3, 4])
    func gradientIsSumOverTowers(towerCount: Int) throws {
        let store = VariableStore(seed: 8)
        let towers = TestTower.towers(store)
        let inputs = (0..<towerCount).map { TestTower.input(rows: 5, seed: UInt64(20 + $0)) }
        // A loss that couples all towers (triplet with a margin large enough that no
        // row is clipped, plus a weighted term on every output). Valid shapes: `try!`.
        func loss(_ outs: [Tensor<Double>]) -> Tensor<Double> {
            var l = try! tripletMarginLoss(
                anchor: outs[0], positive: outs[1], negative: outs[outs.count - 1], margin: 10)
            for (i, o) in outs.enumerated() { l = l + weightedSum(o.tanh(), seed: UInt64(100 + i)) }
            return l
        }
        _ = try towers.embed(inputs[0])  // builds the variables
        let variables = doubleVariables(store)
        try #require(variables.count == 4)

        // All towers in one graph, one backward pass.
        loss(try towers(inputs)).backward()
        let joint = variables.map { $0.value.grad?.copy() }
        try #require(joint.allSatisfy { $0 != nil })

        // Each tower alone.
        let constants = try withoutGradients { try inputs.enumerated().map { i, x in try towers(x, towerIndex: i) } }
        var perTower: [[Tensor<Double>]] = []
        for i in 0..<towerCount {
            var outs = constants
            outs[i] = try towers(inputs[i], towerIndex: i)
            let g = TowersCore.gradients(of: loss(outs), wrt: variables.map(\.value))
            perTower.append(try g.map { try #require($0) })
        }
        for (j, v) in variables.enumerated() {
            let sum = elementwiseSum(perTower.map { $0[j] })
            expectClose(joint[j]!, sum, relative: 1e-10, absolute: 1e-12, "\(v.name)")
            // Not vacuous: every tower contributes, and no single one is the whole.
            for i in 0..<towerCount {
                #expect(perTower[i][j].maxAbsolute > 1e-4, "tower \(i) contributes nothing to \(v.name)")
                let rest = withoutGradients { joint[j]! - perTower[i][j] }
                #expect(rest.maxAbsolute > 1e-4, "tower \(i)'s gradient alone equals the total for \(v.name)")
            }
        }
        // backward did not leave the variables' gradients from the separate passes.
        for (j, v) in variables.enumerated() { #expect(v.value.grad?.scalars == joint[j]!.scalars) }
    }
}
