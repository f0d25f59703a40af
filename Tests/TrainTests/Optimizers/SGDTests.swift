import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Train
import Variables

/// PyTorch's `SGD` update written out by hand, in `Double`.
private struct ReferenceSGD {
    var lr: Double
    var momentum = 0.0
    var nesterov = false
    var weightDecay = 0.0
    var buffer: [Double]?

    mutating func step(_ w: inout [Double], _ gradient: [Double]) {
        var g = gradient
        if weightDecay > 0 { g = zip(g, w).map { $0 + weightDecay * $1 } }
        if momentum > 0 {
            let buf = buffer.map { zip($0, g).map { momentum * $0 + $1 } } ?? g
            buffer = buf
            g = nesterov ? zip(g, buf).map { $0 + momentum * $1 } : buf
        }
        w = zip(w, g).map { $0 - lr * $1 }
    }
}

@Suite("SGD")
struct SGDTests {
    typealias F = TrainingFixtures

    @Test("plain SGD: w ← w − lr·g exactly, gradients zeroed, step reported")
    func plainUpdate() throws {
        let store = VariableStore(seed: 1)
        let w0: [Double] = [0.5, -1.25, 3.0, 0.1, -0.7, 2.2]
        let b0: [Double] = [0.3, -0.2, 0.9]
        let w = try F.variable(store, "kernel", w0, shape: [2, 3])
        let b = try F.variable(store, "bias", b0)
        let gw: [Double] = [0.2, -0.4, 1.1, -0.3, 0.05, 0.7]
        let gb: [Double] = [1.5, -2.5, 0.25]
        w.value.grad = try Tensor(shape: [2, 3], scalars: gw)
        b.value.grad = Tensor(gb)
        let lr = 0.1
        let sgd = try SGD(store: store, learningRate: .constant(lr))
        let info = try sgd.step()
        // Exactly w − lr·g, allowing only the single rounding of a fused multiply-add.
        for (name, new, old, g) in [("kernel", w.value.scalars, w0, gw), ("bias", b.value.scalars, b0, gb)] {
            for i in old.indices {
                let separate = old[i] - lr * g[i], fused = old[i].addingProduct(-lr, g[i])
                #expect(new[i] == separate || new[i] == fused, "\(name)[\(i)]: \(new[i]) vs \(separate)")
            }
        }
        #expect(w.value.grad.map { $0.scalars.allSatisfy { $0 == 0 } } ?? true)
        #expect(b.value.grad.map { $0.scalars.allSatisfy { $0 == 0 } } ?? true)
        #expect(info.step == 0)
        #expect(info.learningRate == lr)
        #expect(!info.clipped)
        let norm = (gw + gb).reduce(0) { $0 + $1 * $1 }.squareRoot()
        expectClose(info.gradientNorm, norm, relative: 1e-14)
        #expect(sgd.stepCount == 1)
        // Without momentum there are no slots.
        #expect(store.allVariables.map(\.name) == ["kernel", "bias", "global_step"])
    }

    @Test("plain SGD with a power-of-two rate is bit-exact in Float too")
    func plainUpdateFloat() throws {
        let store = VariableStore(seed: 1)
        let w: Variable<Float> = try store.getVariable("w", initialValue: Tensor<Float>([0.3, -1.7, 2.9]))
        w.value.grad = Tensor<Float>([0.11, 0.5, -3.3])
        try SGD(store: store, learningRate: .constant(0.25)).step()
        #expect(w.value.scalars == [Float(0.3) - 0.25 * 0.11, Float(-1.7) - 0.25 * 0.5, Float(2.9) - 0.25 * -3.3])
    }

    /// Three steps with different gradients against the hand-written reference.
    @Test("momentum and Nesterov match PyTorch's update over 3 steps", arguments: [false, true])
    func momentumMatchesReference(nesterov: Bool) throws {
        let store = VariableStore(seed: 2)
        let start: [Double] = [0.5, -1.0, 2.0, 0.25]
        let w = try F.variable(store, "w", start)
        let sgd = try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9, nesterov: nesterov)
        var reference = ReferenceSGD(lr: 0.05, momentum: 0.9, nesterov: nesterov)
        var expected = start
        let gradients: [[Double]] = [[1, -2, 0.5, 0.1], [0.3, 0.3, -1, 2], [-0.7, 1.1, 0.2, -0.4]]
        for (k, g) in gradients.enumerated() {
            w.value.grad = Tensor(g)
            let info = try sgd.step()
            reference.step(&expected, g)
            #expect(info.step == k)
            expectClose(w.value.scalars, expected, relative: 1e-14, absolute: 1e-15, "step \(k)")
        }
        // The momentum buffer is the slot variable.
        let slot = try #require(store.variable(named: "w/Momentum") as? Variable<Double>)
        expectClose(slot.value.scalars, try #require(reference.buffer), relative: 1e-14, absolute: 1e-15)
        // Nesterov and plain momentum differ after the first step.
        var other = ReferenceSGD(lr: 0.05, momentum: 0.9, nesterov: !nesterov)
        var otherW = start
        for g in gradients { other.step(&otherW, g) }
        #expect(zip(otherW, w.value.scalars).contains { Swift.abs($0 - $1) > 1e-3 })
    }

    @Test("momentum in Float matches the Double reference")
    func momentumFloat() throws {
        let store = VariableStore(seed: 3)
        let start: [Double] = [0.5, -1.0, 2.0]
        let w: Variable<Float> = try store.getVariable("w", initialValue: Tensor<Float>(start.map(Float.init)))
        let sgd = try SGD(store: store, learningRate: .constant(0.1), momentum: 0.8, nesterov: true)
        var reference = ReferenceSGD(lr: 0.1, momentum: 0.8, nesterov: true)
        var expected = start
        for g: [Double] in [[1, -2, 0.5], [0.5, 0.25, -1], [-0.75, 1, 0.5]] {
            w.value.grad = Tensor<Float>(g.map(Float.init))
            try sgd.step()
            reference.step(&expected, g)
        }
        expectClose(w.value.scalars, expected, relative: 1e-6, absolute: 1e-6)
        #expect(store.variable(named: "w/Momentum")?.dtype == .float32)
    }

    @Test("weight decay adds λ·w to the gradient (with and without momentum)", arguments: [0.0, 0.9])
    func weightDecay(momentum: Double) throws {
        let store = VariableStore(seed: 4)
        let start: [Double] = [1.0, -2.0, 0.5]
        let w = try F.variable(store, "w", start)
        let sgd = try SGD(store: store, learningRate: .constant(0.1), momentum: momentum, weightDecay: 0.01)
        var reference = ReferenceSGD(lr: 0.1, momentum: momentum, weightDecay: 0.01)
        var expected = start
        for g: [Double] in [[0.2, 0.1, -0.3], [0.0, 0.4, 0.1]] {
            w.value.grad = Tensor(g)
            try sgd.step()
            reference.step(&expected, g)
        }
        expectClose(w.value.scalars, expected, relative: 1e-14, absolute: 1e-15)
        // Decay alone (zero gradient) shrinks the weights: w ← (1 − lr·λ)·w on a fresh store.
        let store2 = VariableStore(seed: 4)
        let v = try F.variable(store2, "w", start)
        v.value.grad = Tensor([0, 0, 0])
        try SGD(store: store2, learningRate: .constant(0.1), weightDecay: 0.01).step()
        expectClose(v.value.scalars, start.map { $0 * (1 - 0.1 * 0.01) }, relative: 1e-14)
    }

    @Test("clipping by global norm: the norm is reported and the gradients scaled to clipNorm")
    func clipping() throws {
        let store = VariableStore(seed: 5)
        let a = try F.variable(store, "a", [0, 0])
        let b = try F.variable(store, "b", [0])
        // Global norm √(3² + 0² + 4²) = 5 over both variables.
        a.value.grad = Tensor([3, 0])
        b.value.grad = Tensor([4])
        let sgd = try SGD(store: store, learningRate: .constant(1), clipNorm: 2)
        let info = try sgd.step()
        #expect(info.gradientNorm == 5)
        #expect(info.clipped)
        // With lr 1 the update is −g·(2/5): a global norm of exactly 2.
        expectClose(a.value.scalars, [-1.2, 0], relative: 1e-15)
        expectClose(b.value.scalars, [-1.6], relative: 1e-15)
        let updateNorm = (a.value.scalars + b.value.scalars).reduce(0) { $0 + $1 * $1 }.squareRoot()
        expectClose(updateNorm, 2, relative: 1e-15)

        // Below the threshold nothing is scaled.
        a.value.grad = Tensor([0.3, 0])
        b.value.grad = Tensor([0.4])
        let second = try sgd.step()
        expectClose(second.gradientNorm, 0.5, relative: 1e-15)
        #expect(!second.clipped)
        expectClose(a.value.scalars, [-1.5, 0], relative: 1e-15)
        expectClose(b.value.scalars, [-2.0], relative: 1e-15)
    }

    @Test("the schedule sets each step's learning rate")
    func scheduleDrivesSteps() throws {
        let store = VariableStore(seed: 6)
        let w = try F.variable(store, "w", [0])
        let sgd = try SGD(store: store, learningRate: .step(initial: 1, factor: 0.5, every: 2))
        var rates: [Double] = []
        var value = 0.0
        for _ in 0..<5 {
            w.value.grad = Tensor([1])
            let info = try sgd.step()
            rates.append(info.learningRate)
            value -= info.learningRate
        }
        #expect(rates == [1, 1, 0.5, 0.5, 0.25])
        #expect(w.value.scalars == [value])
        #expect(w.value.scalars == [-3.25])
    }

    @Test("slots are named <var>/Momentum, non-trainable, one per variable")
    func slotNames() throws {
        let (store, _) = try F.model(seed: 7)
        let weights = ["tower/dense/kernel", "tower/dense/bias", "tower/dense_1/kernel", "tower/dense_1/bias"]
        #expect(store.trainableVariables.map(\.name) == weights)
        #expect(store.allVariables.map(\.name) == weights + ["global_step"] + weights.map { $0 + "/Momentum" })
        for name in weights {
            let weight = try #require(store.variable(named: name))
            let slot = try #require(store.variable(named: name + "/Momentum"))
            #expect(!slot.trainable)
            #expect(slot.shape == weight.shape)
            #expect(slot.dtype == weight.dtype)
            #expect(slot.tensor(as: Float.self)?.scalars.allSatisfy { $0 == 0 } == true)
        }
        let step = try #require(store.variable(named: "global_step"))
        #expect(!step.trainable && step.shape == [] && step.dtype == .int64)
    }

    /// A weight used by three towers: one slot, and one update per step with the
    /// sum of the three towers' gradients (computed here tower by tower).
    @Test("a weight shared by 3 towers has one slot and is updated once with the summed gradient")
    func sharedWeightUpdatedOnce() throws {
        let store = VariableStore(seed: 8)
        let towers = F.towers(store, Double.self)
        let net = TripletNetwork(towers)
        let inputs: [Tensor<Double>] = (0..<3).map { Fixture.normal([4, 4], seed: UInt64(30 + $0)) }
        _ = try towers.embed(inputs[0])
        let variables = store.trainableVariables.map { $0 as! Variable<Double> }
        #expect(variables.count == 4)
        // Per-tower terms: the loss is their sum, so tower i's gradient is term i's.
        func term(_ i: Int, _ y: Tensor<Double>) -> Tensor<Double> { weightedSum(y.tanh(), seed: UInt64(i + 1)) }
        var summed = try variables.map { try Tensor<Double>.zeros($0.shape) }
        for i in 0..<3 {
            let g = TowersCore.gradients(of: term(i, try towers(inputs[i], towerIndex: i)), wrt: variables.map(\.value))
            for j in summed.indices {
                let gj = try #require(g[j])
                #expect(gj.maxAbsolute > 1e-4, "tower \(i) gives \(variables[j].name) no gradient")
                summed[j] = withoutGradients { summed[j] + gj }
            }
        }
        let before = variables.map { $0.value.copy() }
        let lr = 0.1
        let sgd = try SGD(store: store, learningRate: .constant(lr), momentum: 0.9)
        let (a, p, n) = try net(inputs[0], inputs[1], inputs[2])
        (term(0, a) + term(1, p) + term(2, n)).backward()
        try sgd.step()

        #expect(store.allVariables.filter { $0.name.hasSuffix("/Momentum") }.count == 4)
        for (j, v) in variables.enumerated() {
            // First step: buf = g, w ← w − lr·g.
            let expected = withoutGradients { before[j] - summed[j] * lr }
            expectClose(v.value, expected, relative: 1e-12, absolute: 1e-14, "\(v.name)")
            let slot = try #require(store.variable(named: v.name + "/Momentum")?.tensor(as: Double.self))
            expectClose(slot, summed[j], relative: 1e-12, absolute: 1e-14, "\(v.name)/Momentum")
        }
        #expect(sgd.stepCount == 1)
    }

    @Test("global_step counts steps and is shared by optimizers of one store")
    func globalStepCounts() throws {
        let store = VariableStore(seed: 9)
        let w = try F.variable(store, "w", [1, 2])
        let sgd = try SGD(store: store, learningRate: .constant(0.01), momentum: 0.5)
        #expect(sgd.stepCount == 0)
        for k in 0..<5 {
            w.value.grad = Tensor([1, 1])
            #expect(try sgd.step().step == k)
        }
        #expect(sgd.stepCount == 5)
        let variable = try #require(store.variable(named: "global_step")?.tensor(as: Int64.self))
        #expect(variable.scalar == 5)
        // Setting it (as a checkpoint load does) moves the count.
        variable.fill(with: 42)
        #expect(sgd.stepCount == 42)
        let second = try SGD(store: store, learningRate: .constant(0.01))
        #expect(second.stepCount == 42)
        #expect(store.allVariables.filter { $0.name == "global_step" }.count == 1)
    }

    @Test("a variable without a gradient is skipped; zeroGradients clears the others")
    func skipsVariablesWithoutGradient() throws {
        let store = VariableStore(seed: 10)
        let a = try F.variable(store, "a", [1, 2])
        let b = try F.variable(store, "b", [3, 4])
        a.value.grad = Tensor([1, 1])
        let sgd = try SGD(store: store, learningRate: .constant(0.5), momentum: 0.9)
        try sgd.step()
        #expect(a.value.scalars == [0.5, 1.5])
        #expect(b.value.scalars == [3, 4])
        #expect(store.variable(named: "b/Momentum")?.tensor(as: Double.self)?.scalars == [0, 0])
        a.value.grad = Tensor([2, 3])
        b.value.grad = Tensor([4, 5])
        sgd.zeroGradients()
        #expect(a.value.grad?.scalars == [0, 0])
        #expect(b.value.grad?.scalars == [0, 0])
        // Only the listed variables are updated.
        a.value.grad = Tensor([1, 1])
        b.value.grad = Tensor([1, 1])
        try sgd.step([b])
        #expect(a.value.scalars == [0.5, 1.5])
        #expect(b.value.scalars == [2.5, 3.5])
        #expect(a.value.grad?.scalars == [1, 1])
    }
}
