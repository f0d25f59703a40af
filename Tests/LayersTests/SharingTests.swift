import Layers
import TestSupport
import Testing
import TowersCore
import Variables

/// Weight sharing for every registry entry with weights: towers built with fresh
/// layer instances in separate `.autoReuse` entries share one set of variables;
/// the same instance called twice shares; two towers in one entry do not (TF1's
/// trap, pinned here so the documented behaviour cannot drift).
@Suite("Sharing")
struct SharingTests {
    /// The variable count of one tower: the golden line count.
    static func oneSet(_ c: LayerCase) throws -> Int {
        let store = VariableStore()
        _ = try store.asDefault { try c.apply(c.input(seed: 1) as Tensor<Double>) }
        return store.allVariables.count
    }

    @Test(
        "two towers in separate .autoReuse entries get the identical variables",
        arguments: weightedIDs, Naming.allCases)
    func towersShare(id: String, naming: Naming) throws {
        let c = layerCase(id)
        let store = VariableStore(seed: 4)
        let first = VariableRecorder(), second = VariableRecorder()
        let x1: Tensor<Double> = try c.input(seed: 41), x2: Tensor<Double> = try c.input(seed: 42)
        let y1 = try inTower(store, customGetter: first.getter) { try c.apply(x1, names: naming) }
        let created = store.allVariables
        let y2 = try inTower(store, customGetter: second.getter) { try c.apply(x2, names: naming) }
        #expect(y1.shape == y2.shape)

        #expect(created.count == (try Self.oneSet(c)), "the first tower made more than one set")
        #expect(identical(store.allVariables, created), "the second tower created variables")
        #expect(!first.variables.isEmpty)
        #expect(identical(first.variables, second.variables), "the towers got different variable objects")
        #expect(identical(distinct(first.variables), created))
        #expect(created.allSatisfy { $0.name.hasPrefix("tower/") })
        if naming == .explicit {
            // Explicit names replace the defaults.
            let defaults = [
                "dense", "conv2d", "lstm_cell", "gru_cell", "embedding", "LayerNorm", "batch_normalization",
            ]
            #expect(!created.contains { v in defaults.contains { v.name.contains("/\($0)/") } })
        }
    }

    @Test(
        "the gradient of a shared weight is the sum of the two towers' gradients",
        arguments: weightedIDs, Naming.allCases)
    func gradientsAdd(id: String, naming: Naming) throws {
        let c = layerCase(id)
        let store = VariableStore(seed: 4)
        let x1: Tensor<Double> = try c.input(seed: 41), x2: Tensor<Double> = try c.input(seed: 42)
        func tower1() throws -> Tensor<Double> {
            weightedSum(try inTower(store) { try c.apply(x1, names: naming) }, seed: 11)
        }
        func tower2() throws -> Tensor<Double> {
            weightedSum(try inTower(store) { try c.apply(x2, names: naming) }, seed: 12)
        }
        // Both towers in one loss.
        try (tower1() + tower2()).backward()
        let variables = doubleVariables(store)
        let joint = try gradientCopies(variables)
        zeroGradients(variables)
        // Each tower alone.
        try tower1().backward()
        let g1 = try gradientCopies(variables)
        zeroGradients(variables)
        try tower2().backward()
        let g2 = try gradientCopies(variables)

        #expect(doubleVariables(store).count == variables.count)
        for (i, v) in variables.enumerated() {
            #expect(g1[i].maxAbsolute > 1e-3, "\(v.name): tower 1 gives no gradient")
            #expect(g2[i].maxAbsolute > 1e-3, "\(v.name): tower 2 gives no gradient")
            expectClose(joint[i], plus(g1[i], g2[i]), relative: 1e-12, absolute: 1e-14, "gradient of \(v.name)")
        }
    }

    @Test("the same layer instances called twice share", arguments: weightedIDs)
    func sameInstancesShare(id: String) throws {
        let c = layerCase(id)
        let store = VariableStore(seed: 4)
        let recorder = VariableRecorder()
        let tower: (Tensor<Double>) throws -> Tensor<Double> = c.build()
        let (y1, y2) = try store.variableScope("model", customGetter: recorder.getter) {
            (try tower(c.input(seed: 41)), try tower(c.input(seed: 42)))
        }
        #expect(y1.shape == y2.shape)
        #expect(store.allVariables.count == (try Self.oneSet(c)))
        // Both calls fetched the same objects in the same order.
        let uses = recorder.variables, half = uses.count / 2
        #expect(uses.count == 2 * half && half >= store.allVariables.count)
        #expect(identical(Array(uses.prefix(half)), Array(uses.suffix(half))))
        #expect(identical(distinct(uses), store.allVariables))
        // Called again outside the scope it was built in, the instance still uses its scope.
        _ = try store.asDefault { try tower(c.input(seed: 43)) }
        #expect(store.allVariables.count == (try Self.oneSet(c)))
        #expect(store.allVariables.allSatisfy { $0.name.hasPrefix("model/") })
    }

    @Test("TF1's trap: two towers built in ONE scope entry get two sets", arguments: weightedIDs)
    func twoTowersInOneEntry(id: String) throws {
        let c = layerCase(id)
        let store = VariableStore(seed: 4)
        try inTower(store) {
            _ = try c.apply(c.input(seed: 41) as Tensor<Double>)
            _ = try c.apply(c.input(seed: 42) as Tensor<Double>)
        }
        let n = try Self.oneSet(c)
        if c.namedOuterScope {
            // `unroll` opens the named scope `rnn`, entered afresh by each tower, so
            // its default-named cell scope is `lstm_cell` both times: shared.
            #expect(store.allVariables.count == n)
        } else {
            #expect(store.allVariables.count == 2 * n, "expected the documented second set (dense_1, …)")
        }
    }

    @Test("the trap spelled out for Dense: dense, then dense_1")
    func trapNames() throws {
        let store = VariableStore()
        let c = layerCase("dense")
        let x: Tensor<Float> = try c.input(seed: 1)
        try inTower(store) {
            _ = try c.apply(x)
            _ = try c.apply(x)
        }
        #expect(
            store.allVariables.map(\.name) == [
                "tower/dense/kernel", "tower/dense/bias", "tower/dense_1/kernel", "tower/dense_1/bias",
            ])
        // Rule 33: an explicit name is a base name made unique like a default one, so two
        // layer objects named `fc` in one entry build fc and fc_1, as TF1's tf.layers do.
        let named = VariableStore()
        try inTower(named) {
            _ = try c.apply(x, names: .explicit)
            _ = try c.apply(x, names: .explicit)
        }
        #expect(
            named.allVariables.map(\.name) == [
                "tower/fc/kernel", "tower/fc/bias", "tower/fc_1/kernel", "tower/fc_1/bias",
            ])
    }

    @Test("without reuse, a second tower is an error naming the variable")
    func secondTowerWithoutReuse() throws {
        let store = VariableStore()
        let c = layerCase("dense")
        let x: Tensor<Float> = try c.input(seed: 1)
        _ = try inTower(store, reuse: nil) { try c.apply(x) }
        let error = thrownError { _ = try inTower(store, reuse: nil) { try c.apply(x) } }
        #expect(error as? VariableError == .alreadyExists(key: "tower/dense/kernel"))
        #expect(store.allVariables.count == 2)
        // Under .reuse the second tower finds them.
        _ = try inTower(store, reuse: .reuse) { try c.apply(x) }
        #expect(store.allVariables.count == 2)
    }
}
