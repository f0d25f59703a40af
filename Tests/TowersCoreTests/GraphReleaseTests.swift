import TestSupport
import Testing
import TowersCore

/// The recorded graph must not outlive its use: `backward()` releases it, and
/// it holds no retain cycles. Weak references to intermediate results and their
/// nodes show whether they are still alive; each test first checks that they are
/// alive while the graph is, so it would fail if the graph were kept.
@Suite struct GraphReleaseTests {
    /// Weak references to the parts of a small graph `loss = Σ w·tanh(x·W)`.
    final class Probes {
        weak var product: Tensor<Double>?
        weak var hidden: Tensor<Double>?
        weak var hiddenNode: Node<Double>?
        weak var hiddenStorage: TensorStorage<Double>?
        weak var lossNode: Node<Double>?

        var alive: [String] {
            [
                ("product", product != nil), ("hidden", hidden != nil), ("hiddenNode", hiddenNode != nil),
                ("hiddenStorage", hiddenStorage != nil), ("lossNode", lossNode != nil),
            ]
            .filter(\.1).map(\.0)
        }
    }

    static func build(_ w: Tensor<Double>, _ probes: Probes) -> Tensor<Double> {
        let x: Tensor<Double> = Fixture.normal([4, 3], seed: 180)
        let product = x.matmul(w)
        let hidden = product.tanh()
        probes.product = product
        probes.hidden = hidden
        probes.hiddenNode = hidden.node
        probes.hiddenStorage = hidden.storage
        let loss = weightedSum(hidden)
        probes.lossNode = loss.node
        return loss
    }

    @Test func backwardReleasesTheGraph() {
        let w: Tensor<Double> = Fixture.normal([3, 2], seed: 181).requiringGradient()
        let probes = Probes()
        let loss = Self.build(w, probes)
        #expect(probes.alive.count == 5, "the loss keeps its graph alive before backward: \(probes.alive)")
        #expect(loss.node != nil)
        loss.backward()
        // The loss itself is still held here; its history is gone.
        #expect(loss.node == nil)
        #expect(!loss.requiresGrad)
        #expect(probes.alive.isEmpty, "still alive after backward: \(probes.alive)")
        // Leaves keep their gradient and stay trainable.
        #expect(w.grad?.shape == [3, 2])
        #expect(w.requiresGrad)
        withExtendedLifetime(loss) {}
    }

    @Test func gradientsOfReleasesTheGraph() {
        let w: Tensor<Double> = Fixture.normal([3, 2], seed: 182).requiringGradient()
        let probes = Probes()
        let loss = Self.build(w, probes)
        #expect(probes.alive.count == 5)
        let g = gradients(of: loss, wrt: [w])
        #expect(g[0]?.shape == [3, 2])
        #expect(probes.alive.isEmpty, "still alive after gradients(of:wrt:): \(probes.alive)")
        withExtendedLifetime(loss) {}
    }

    /// A graph dropped without backward (an evaluation pass that forgot
    /// `withoutGradients`) is freed too: no retain cycles.
    @Test func droppedGraphHasNoRetainCycles() {
        let w: Tensor<Double> = Fixture.normal([3, 2], seed: 183).requiringGradient()
        let probes = Probes()
        weak var weakLoss: Tensor<Double>?
        do {
            let loss = Self.build(w, probes)
            weakLoss = loss
            #expect(weakLoss != nil)
            #expect(probes.alive.count == 5)
            withExtendedLifetime(loss) {}
        }
        #expect(weakLoss == nil)
        #expect(probes.alive.isEmpty, "leaked: \(probes.alive)")
        #expect(w.grad == nil)
    }

    /// Counting deinitialisations: every operand captured by a backward closure is
    /// freed once the graph goes.
    @Test func everyRecordedTensorIsFreed() {
        final class Counter { var weakTensors: [Weak] = [] }
        struct Weak { weak var tensor: Tensor<Float>? }
        let counter = Counter()
        let w: Tensor<Float> = Fixture.normal([3, 3], seed: 184).requiringGradient()
        do {
            var h: Tensor<Float> = Fixture.normal([2, 3], seed: 185)
            for i in 0..<4 {
                h =
                    Tensor.concat([h.matmul(w).relu(), h], axis: 0).slice(0..<2).gather(rows: [1, 0])
                    .reshaped([2, 3]).softmax() + Float(i)
                counter.weakTensors.append(Weak(tensor: h))
            }
            let loss = (h.squaredDistance(to: h.scaled(by: 2)) + h.cosineSimilarity(to: h.abs())).mean()
            counter.weakTensors.append(Weak(tensor: loss))
            #expect(counter.weakTensors.allSatisfy { $0.tensor != nil })
            loss.backward()
            #expect(w.grad != nil)
        }
        #expect(counter.weakTensors.allSatisfy { $0.tensor == nil })
    }

    /// Dropping one graph must not strip the history of results another live
    /// graph still reads.
    @Test func droppingOneGraphKeepsTheHistoryOthersUse() {
        let x: Tensor<Double> = Fixture.normal([4, 3], seed: 186)
        let w: Tensor<Double> = Fixture.normal([3, 2], seed: 187).requiringGradient()
        let expected = gradients(at: [w]) { ws in weightedSum(x.matmul(ws[0]).tanh().sigmoid()) }[0]!
        let h = x.matmul(w).tanh()
        let kept = weightedSum(h.sigmoid())
        do {
            let dropped = (h.exp() * h).sum().scaled(by: 3)
            #expect(dropped.requiresGrad)
        }
        #expect(h.node != nil)
        kept.backward()
        expectClose(w.grad!, expected, relative: 1e-14, absolute: 0)
    }

    /// Builds a chain of `depth` recorded operations (a long unroll: each step
    /// reads the previous one and a shared weight), drops it without backward,
    /// and checks that it is freed.
    static func dropDeepChain(depth: Int) {
        let w = Tensor<Double>([0.5, 0.25]).requiringGradient()
        weak var middle: Tensor<Double>?
        var y = Tensor<Double>([1, 2]).requiringGradient()
        for i in 0..<depth {
            y = (y * w).scaled(by: 2) + w
            if i == depth / 2 { middle = y }
        }
        #expect(middle != nil)
        y = Tensor<Double>([0, 0])
        #expect(middle == nil)
        #expect(w.grad == nil)
    }

    @Test func graphDroppedWithoutBackwardIsFreed() {
        Self.dropDeepChain(depth: 1_000)
    }

    /// Freed recursively, a history this deep overflows the stack; it runs in a
    /// child process so that an overflow fails this test alone.
    @Test func deepGraphDroppedWithoutBackwardDoesNotOverflowTheStack() async {
        await #expect(processExitsWith: .success) {
            GraphReleaseTests.dropDeepChain(depth: 100_000)
            await Task.detached { GraphReleaseTests.dropDeepChain(depth: 100_000) }.value
        }
    }
}
