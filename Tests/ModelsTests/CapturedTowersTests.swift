import Foundation
import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Variables

/// Captured siamese and triplet steps: towers run one after another (exactly
/// as eager execution) or at the same time, each with its own gradient buffers.
@Suite("Captured towers")
struct CapturedTowersTests {
    typealias Batch = (left: Tensor<Double>, right: Tensor<Double>, same: Tensor<Double>)

    static func batch(_ seed: UInt64) -> Batch {
        (TestTower.input(rows: 6, seed: seed), TestTower.input(rows: 6, seed: seed + 100), Tensor([1, 0, 1, 0, 0, 1]))
    }

    static func siamese(_ store: VariableStore) -> SiameseNetwork<Double> {
        SiameseNetwork(TestTower.towers(store))
    }

    /// The loss and every trainable variable's gradient after each batch, gradients reset between batches.
    static func eager(_ batches: [Batch]) throws -> [[Double]] {
        let store = VariableStore(seed: 4)
        let net = siamese(store)
        return try batches.map { b in
            let (x, y) = try net(b.left, b.right)
            let loss = try contrastiveLoss(x, y, same: b.same)
            loss.backward()
            defer { for v in doubleVariables(store) { v.value.zeroGrad() } }
            return [loss.scalar] + doubleVariables(store).flatMap { $0.gradient!.doubles }
        }
    }

    static func captured(
        _ batches: [Batch], parallelTowers: Bool
    ) throws -> (
        runs: [[Double]], step: CapturedStep<Double, Double, Double, Double>
    ) {
        let store = VariableStore(seed: 4)
        let net = siamese(store)
        let step = try store.capture(batches[0].left, batches[0].right, batches[0].same, parallelTowers: parallelTowers)
        { l, r, s in
            let (x, y) = try net(l, r)
            return try contrastiveLoss(x, y, same: s)
        }
        var runs: [[Double]] = []
        for (i, b) in batches.enumerated() {
            let loss = i == 0 ? step.lastLoss : try step(b.left, b.right, b.same)
            runs.append([loss] + doubleVariables(store).flatMap { $0.gradient!.doubles })
            for v in doubleVariables(store) { v.gradient!.fill(with: 0) }
        }
        return (runs, step)
    }

    @Test("towers one after another: every replay equals eager execution bit for bit")
    func serialTowersEqualEager() throws {
        let batches = (0..<4).map { Self.batch(UInt64(10 + $0)) }
        let (runs, step) = try Self.captured(batches, parallelTowers: false)
        #expect(runs == (try Self.eager(batches)))
        #expect(!step.towersRunInParallel)
        #expect(step.serialTowersReason == "towers were captured without separate gradient buffers")
    }

    @Test("towers in parallel: equal to eager up to the order of summing the towers' gradients")
    func parallelTowersMatchEager() throws {
        let batches = (0..<4).map { Self.batch(UInt64(20 + $0)) }
        let (runs, step) = try Self.captured(batches, parallelTowers: true)
        #expect(step.towersRunInParallel, "\(step.serialTowersReason ?? "")")
        let eager = try Self.eager(batches)
        for (r, e) in zip(runs, eager) { expectClose(r, e, relative: 1e-13, absolute: 1e-15) }
        #expect(runs != eager, "the summation order differs, so some bits should (this guards the comparison)")
    }

    @Test("towers in parallel are deterministic: on one core or two, run after run, the same bits")
    func parallelTowersAreDeterministic() throws {
        let batches = (0..<4).map { Self.batch(UInt64(30 + $0)) }
        let saved = BLAS.threadCount
        defer { BLAS.threadCount = saved }
        BLAS.threadCount = 1
        let one = try Self.captured(batches, parallelTowers: true).runs
        BLAS.threadCount = 2
        let two = try Self.captured(batches, parallelTowers: true).runs
        let again = try Self.captured(batches, parallelTowers: true).runs
        #expect(one == two)
        #expect(two == again)
    }

    @Test("a triplet step: three towers in parallel, one set of weights, gradients as eager")
    func tripletTowers() throws {
        func loss(
            _ net: TripletNetwork<Double>, _ a: Tensor<Double>, _ p: Tensor<Double>, _ n: Tensor<Double>
        ) throws
            -> Tensor<Double>
        {
            let (x, y, z) = try net(a, p, n)
            return try tripletMarginLoss(anchor: x, positive: y, negative: z)
        }
        let inputs = (0..<3).map { TestTower.input(rows: 5, seed: 40 + UInt64($0)) }
        let eagerStore = VariableStore(seed: 7)
        let eagerNet = TripletNetwork(TestTower.towers(eagerStore))
        try loss(eagerNet, inputs[0], inputs[1], inputs[2]).backward()

        let store = VariableStore(seed: 7)
        let net = TripletNetwork(TestTower.towers(store))
        let step = try store.capture(inputs[0], inputs[1], inputs[2]) { a, p, n in try loss(net, a, p, n) }
        #expect(step.towersRunInParallel)
        #expect(store.trainableVariables.count == 4)
        for (v, e) in zip(doubleVariables(store), doubleVariables(eagerStore)) {
            expectClose(v.gradient!, e.gradient!, relative: 1e-13, absolute: 1e-15)
        }
    }

    @Test("towers with products large enough for OpenBLAS's threads run one after another, writing gradients as eager")
    func largeProductsRunAsEager() throws {
        // 128 × 300 × 120 multiply-adds ≥ BLAS.smallGemmWork: each product on every core instead.
        func net(_ store: VariableStore) -> SiameseNetwork<Double> {
            SiameseNetwork(
                SharedTowers<Double>(store: store, scope: "tower") { x in
                    try Dense<Double>(units: 4)(try Dense<Double>(units: 120, activation: .relu)(x))
                })
        }
        let batches: [Batch] = (0..<3).map { i in
            let left: Tensor<Double> = Fixture.normal([128, 300], seed: 50 + UInt64(i))
            let right: Tensor<Double> = Fixture.normal([128, 300], seed: 60 + UInt64(i))
            return (left, right, Tensor<Double>((0..<128).map { Double($0 % 2) }))
        }
        let eagerStore = VariableStore(seed: 9)
        let eagerNet = net(eagerStore)
        let eager = try batches.map { l, r, s in
            let (x, y) = try eagerNet(l, r)
            let loss = try contrastiveLoss(x, y, same: s)
            loss.backward()
            defer { for v in doubleVariables(eagerStore) { v.value.zeroGrad() } }
            return [loss.scalar] + doubleVariables(eagerStore).flatMap { $0.gradient!.doubles }
        }
        let store = VariableStore(seed: 9)
        let captureNet = net(store)
        let step = try store.capture(batches[0].0, batches[0].1, batches[0].2) { l, r, s in
            let (x, y) = try captureNet(l, r)
            return try contrastiveLoss(x, y, same: s)
        }
        #expect(!step.towersRunInParallel)
        #expect(step.serialTowersReason?.contains("large") == true, "\(step.serialTowersReason ?? "")")
        var runs: [[Double]] = []
        for (i, b) in batches.enumerated() {
            let loss = i == 0 ? step.lastLoss : try step(b.0, b.1, b.2)
            runs.append([loss] + doubleVariables(store).flatMap { $0.gradient!.doubles })
            for v in doubleVariables(store) { v.gradient!.fill(with: 0) }
        }
        // OpenBLAS threads products this large, and other tests change its thread
        // count while this one runs, so the sums may be split differently: equal
        // to rounding here (bit for bit when run alone).
        for (r, e) in zip(runs, eager) { expectClose(r, e, relative: 1e-12, absolute: 1e-15) }
        // No gradient buffer of its own per tower, nothing to add after the towers:
        // each tower's view of a shared weight writes into the weight's gradient.
        #expect(!step.graph.aliases.isEmpty)
        for record in step.graph.aliases {
            let alias = try #require(record.alias as? Tensor<Double>)
            #expect(alias.gradientOwner === record.leaf as? Tensor<Double>)
            #expect(alias.grad == nil)
        }
    }

    @Test("towers that cannot run apart run one after another, and say why")
    func serialFallbacks() throws {
        // Batch normalisation in training updates one moving average from every tower.
        let store = VariableStore(seed: 1)
        let towers = SharedTowers<Double>(store: store, scope: "tower") { x, training in
            try BatchNorm<Double>()(try Dense<Double>(units: 3)(x), training: training)
        }
        let x = TestTower.input(rows: 4, seed: 1), y = TestTower.input(rows: 4, seed: 2)
        let step = try store.capture(x, y) { x, y in
            let (a, b) = try SiameseNetwork(towers)(x, y, training: true)
            return (a - b).squared().sum()
        }
        #expect(!step.towersRunInParallel)
        #expect(
            step.serialTowersReason?.contains("writes to a tensor outside it") == true,
            "\(step.serialTowersReason ?? "")")

        // One tower reads another's output.
        let chained = try VariableStore().capture(x) { x in
            let a = Capture.tower(0) { x.tanh() }
            let b = Capture.tower(1) { a.sigmoid() }
            return b.sum()
        }
        #expect(chained.serialTowersReason?.contains("in another tower") == true)
    }

    @Test("dropout in a captured step draws new masks every replay and in every tower, reproducibly")
    func dropoutReplays() throws {
        func run(seed: UInt64) throws -> [Double] {
            let store = VariableStore(seed: seed)
            let towers = SharedTowers<Double>(store: store, scope: "tower") { x, training in
                try Dropout<Double>(rate: 0.5)(try Dense<Double>(units: 8)(x), training: training)
            }
            let x = TestTower.input(rows: 3, seed: 5)
            let step = try store.capture(x) { x in
                let (a, b) = try SiameseNetwork(towers)(x, x, training: true)
                // Same input, same weights: a and b differ only by their masks.
                return (a - b).squared().sum()
            }
            return [step.lastLoss] + (try (0..<3).map { _ in try step(x) })
        }
        let losses = try run(seed: 3)
        #expect(losses.allSatisfy { $0 > 0 }, "the towers draw different masks")
        #expect(Set(losses).count == losses.count, "every replay draws new masks")
        #expect(try run(seed: 3) == losses, "the same store seed gives the same masks")
        #expect(try run(seed: 4) != losses)
    }
}

@Suite("Captured graph pictures")
struct CapturedGraphPictureTests {
    @Test("operation names come from the store's name table: tower, then tower_1 (rules 21–23)")
    func towerOperationNames() throws {
        let store = VariableStore(seed: 4)
        // A name a user took before the capture is skipped, as in TF's graph.
        _ = try store.variable(Double(0), name: "Placeholder")
        let net = SiameseNetwork(TestTower.towers(store))
        let b = CapturedTowersTests.batch(1)
        let step = try store.capture(b.left, b.right, b.same) { l, r, s in
            let (x, y) = try net(l, r)
            return try contrastiveLoss(x, y, same: s)
        }
        let names = step.operationNames
        // The towers enter the variable scope `tower` twice: one set of weights,
        // two name scopes.
        for scope in ["tower", "tower_1"] {
            #expect(names.contains("\(scope)/dense/MatMul"), "\(names)")
            #expect(names.contains("\(scope)/dense_1/MatMul"), "\(names)")
        }
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy(store.isNameUsed))
        let dot = step.graph(as: .dot)
        for label in ["Placeholder_1", "Placeholder_2", "Placeholder_3"] { #expect(dot.contains("\"\(label)\"")) }
    }

    @Test("DOT and SVG: one node per operation, each shared variable once with an edge to every tower")
    func siamesePicture() throws {
        let store = VariableStore(seed: 4)
        let net = SiameseNetwork(TestTower.towers(store))
        let b = CapturedTowersTests.batch(1)
        let step = try store.capture(b.left, b.right, b.same) { l, r, s in
            let (x, y) = try net(l, r)
            return try contrastiveLoss(x, y, same: s)
        }
        let dot = step.graph(as: .dot)
        #expect(dot.hasPrefix("digraph captured_step {"))
        // Every variable is one node (a cylinder) however many towers read it.
        for name in TestTower.names() {
            let nodes = dot.split(separator: "\n").filter { $0.contains("tooltip=\"\(name)\"") }
            #expect(nodes.count == 1, "\(name)")
            #expect(nodes.first?.contains("cylinder") == true)
        }
        // Each kernel feeds one MatMul per tower: two edges from its node.
        let kernel = try #require(dot.split(separator: "\n").first { $0.contains("tooltip=\"tower/dense/kernel\"") })
        let id = String(kernel.split(separator: " ")[0]).trimmingCharacters(in: .whitespaces)
        #expect(dot.split(separator: "\n").filter { $0.hasPrefix("  \(id) -> ") }.count == 2)
        #expect(dot.contains("subgraph \"cluster_tower\""))
        for name in step.operationNames { #expect(dot.contains("tooltip=\"\(name)\""), "\(name)") }

        let svg = step.graph(as: .svg)
        #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<g><title>").count - 1 == step.operationCount + 4 + 3)
        #expect(svg.contains(">variables</text>"))
    }
}
