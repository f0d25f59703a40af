import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Variables

/// The positions a tower's dropout zeroed: the zeros of its output on an input
/// of ones through an identity layer.
private func zeros(_ y: Tensor<Double>) -> [Bool] { y.scalars.map { $0 == 0 } }

@Suite("Training flag and dropout through towers")
struct TrainingFlagTests {
    /// `[B, 8]` → Dropout(0.5): the output's zeros are the mask.
    static func dropoutTowers(_ store: VariableStore) -> SharedTowers<Double> {
        SharedTowers<Double>(store: store) { x, training in try Dropout<Double>(rate: 0.5)(x, training: training) }
    }

    static let ones = try! Tensor<Double>.ones([4, 8])

    @Test("two towers and two steps draw different masks; the same store seed draws the same again")
    func masksDifferPerTowerAndStep() throws {
        func run(seed: UInt64) throws -> [[Bool]] {
            let net = SiameseNetwork(Self.dropoutTowers(VariableStore(seed: seed)))
            var masks: [[Bool]] = []
            for _ in 0..<2 {
                let (a, b) = try net(Self.ones, Self.ones, training: true)
                masks += [zeros(a), zeros(b)]
            }
            return masks
        }
        let masks = try run(seed: 3)
        #expect(Set(masks).count == 4, "tower 0 / tower 1 at steps 1 and 2 must all differ")
        #expect(masks.allSatisfy { m in m.contains(true) && m.contains(false) })
        #expect(try run(seed: 3) == masks, "an identical run draws the identical masks")
        #expect(try run(seed: 4) != masks, "another store seed draws other masks")
    }

    @Test("three triplet towers draw three masks; resetRandomGenerator replays them")
    func tripletMasksAndReset() throws {
        let store = VariableStore(seed: 8)
        let net = TripletNetwork(Self.dropoutTowers(store))
        let (a, p, n) = try net(Self.ones, Self.ones, Self.ones, training: true)
        #expect(Set([zeros(a), zeros(p), zeros(n)]).count == 3)
        store.resetRandomGenerator()
        let (a2, p2, n2) = try net(Self.ones, Self.ones, Self.ones, training: true)
        #expect([zeros(a2), zeros(p2), zeros(n2)] == [zeros(a), zeros(p), zeros(n)])
    }

    @Test("training: false (the default) turns dropout off in every tower")
    func inferenceIsIdentity() throws {
        let net = SiameseNetwork(Self.dropoutTowers(VariableStore(seed: 1)))
        let (a, b) = try net(Self.ones, Self.ones)
        #expect(a.scalars == Self.ones.scalars && b.scalars == Self.ones.scalars)
        let (c, d) = try net(Self.ones, Self.ones, training: false)
        #expect(c.scalars == Self.ones.scalars && d.scalars == Self.ones.scalars)
    }

    @Test("an explicit Dropout seed pins the mask: new instances repeat it")
    func explicitSeedRepeats() throws {
        let store = VariableStore(seed: 2)
        let towers = SharedTowers<Double>(store: store) { x, training in
            try Dropout<Double>(rate: 0.5, seed: 7)(x, training: training)
        }
        let (a, b) = try SiameseNetwork(towers)(Self.ones, Self.ones, training: true)
        #expect(zeros(a) == zeros(b))
    }

    /// Every layer of a Sequential tower sees the flag: dropout masks and batch
    /// norm uses the batch's statistics (and updates its moving mean) in training.
    @Test("the flag reaches every layer of a Sequential tower through SharedTowers", arguments: [false, true])
    func flagReachesSequentialLayers(training: Bool) throws {
        let store = VariableStore(seed: 5)
        let model = Sequential<Double>([
            Dense<Double>(units: 6), BatchNorm<Double>(momentum: 0.5), Dropout<Double>(rate: 0.5),
        ])
        let net = SiameseNetwork(SharedTowers(store: store, layer: model))
        let x: Tensor<Double> = Fixture.normal([5, 3], mean: 3, seed: 6)
        let (a, b) = try net(x, x, training: training)
        let movingMean = try #require(store.variable(named: "tower/batch_normalization/moving_mean"))
        let moved = movingMean.tensor(as: Double.self)!.scalars.contains { $0 != 0 }
        #expect(moved == training, "batch norm updated its moving mean: \(moved)")
        #expect(zeros(a).contains(true) == training, "dropout zeroed: \(zeros(a).contains(true))")
        #expect((zeros(a) != zeros(b)) == training)
        #expect(store.trainableVariables.map(\.name).allSatisfy { $0.hasPrefix("tower/") })
    }

    @Test("a tower that takes the input alone still runs (the flag is ignored)")
    func inputOnlyTower() throws {
        let store = VariableStore(seed: 1)
        let towers = SharedTowers<Double>(store: store) { x in try Dense<Double>(units: 2)(x) }
        let y1 = try towers(Self.ones, training: true), y2 = try towers(Self.ones, training: false)
        #expect(y1.scalars == y2.scalars)
    }
}
