import Testing
import TowersCore
import Variables

/// Rule 18 of SEMANTICS.md: a shared variable is one object, and the gradients
/// of all its uses add up.
@Suite("Sharing")
struct SharingTests {
    /// One tower: `(x · W).sum()` with `W` from `getVariable` under autoReuse.
    static func tower(_ store: VariableStore, _ x: Tensor<Float>) throws -> (Tensor<Float>, Variable<Float>) {
        try store.variableScope("tower", reuse: .autoReuse) {
            let w: Variable<Float> = try getVariable("W", shape: [3, 2])
            return (x.matmul(w.value).sum(), w)
        }
    }

    @Test("rule 18: a shared variable is one object and its gradients add up")
    func gradientsAddUp() throws {
        let store = VariableStore(seed: 5)
        let x1 = try Tensor<Float>([[1, 2, 3]])
        let x2 = try Tensor<Float>([[4, 5, 6], [-1, 0, 2]])
        let (y1, w1) = try Self.tower(store, x1)
        let (y2, w2) = try Self.tower(store, x2)
        #expect(w1 === w2)
        #expect(w1.value === w2.value)
        #expect(store.trainableVariables.count == 1)
        let y = y1 + y2
        y.backward()
        let both = try #require(w1.value.grad).scalars

        // Each tower's gradient alone.
        w1.value.zeroGrad()
        let (alone1, _) = try Self.tower(store, x1)
        alone1.backward()
        let g1 = try #require(w1.value.grad).scalars
        w1.value.zeroGrad()
        let (alone2, _) = try Self.tower(store, x2)
        alone2.backward()
        let g2 = try #require(w1.value.grad).scalars

        #expect(both == zip(g1, g2).map(+))
        // ∂(x·W).sum()/∂W[i][j] = Σ over rows of x[·][i].
        #expect(g1 == [1, 1, 2, 2, 3, 3])
        #expect(g2 == [3, 3, 5, 5, 8, 8])
        #expect(both == [4, 4, 7, 7, 11, 11])
        #expect(store.uses(of: w1) == ["tower"])
    }

    @Test("rule 18: without sharing each tower's variable gets only its own gradient")
    func separateVariablesSeparateGradients() throws {
        let store = VariableStore(seed: 5)
        let x1 = try Tensor<Float>([[1, 2, 3]]), x2 = try Tensor<Float>([[4, 5, 6]])
        let (y1, w1): (Tensor<Float>, Variable<Float>) = try store.variableScope("left") {
            let w: Variable<Float> = try getVariable("W", shape: [3, 2])
            return (x1.matmul(w.value).sum(), w)
        }
        let (y2, w2): (Tensor<Float>, Variable<Float>) = try store.variableScope("right") {
            let w: Variable<Float> = try getVariable("W", shape: [3, 2])
            return (x2.matmul(w.value).sum(), w)
        }
        (y1 + y2).backward()
        #expect(w1 !== w2)
        #expect(w1.gradient?.scalars == [1, 1, 2, 2, 3, 3])
        #expect(w2.gradient?.scalars == [4, 4, 5, 5, 6, 6])
    }

    @Test("rule 18: the uses of a shared variable are recorded with their labels, once each")
    func usesAreLabelled() throws {
        let store = VariableStore()
        for label in ["tower 1", "tower 2", "tower 1", "tower 2"] {
            try VariableUse.$label.withValue(label) {
                try store.variableScope("tower", reuse: .autoReuse) {
                    let _: Variable<Float> = try getVariable("W", shape: [2])
                }
            }
        }
        let w = try #require(store.variable(forKey: "tower/W"))
        // Distinct labels in first-use order: a training loop that fetches the
        // variable every step does not grow the list.
        #expect(store.uses(of: w) == ["tower 1", "tower 2"])
        let unused = try store.variable(Float(0), name: "u")
        #expect(store.uses(of: unused) == [])
    }

    @Test("rules 9, 18, 20: an unrolled cell reuses one set of weights at every step")
    func unrolledCell() throws {
        let store = VariableStore(seed: 8)
        let xs = [try Tensor<Float>([[1, 0]]), try Tensor<Float>([[0, 1]]), try Tensor<Float>([[2, -1]])]
        var fetched: [Variable<Float>] = []
        let loss: Tensor<Float> = try store.variableScope("rnn") {
            var h = try Tensor<Float>([[0, 0]])
            for (t, x) in xs.enumerated() {
                if t > 0 { store.reuseVariables() }  // TF's classic unroll
                let w: Variable<Float> = try getVariable("w", shape: [2, 2])
                let u: Variable<Float> = try getVariable("u", shape: [2, 2])
                fetched.append(w)
                h = (h.matmul(w.value) + x.matmul(u.value)).tanh()
            }
            return h.sum()
        }
        #expect(fetched.count == 3)
        #expect(fetched.allSatisfy { $0 === fetched[0] })
        #expect(names(store) == ["rnn/w", "rnn/u"])
        loss.backward()
        let viaStore = try #require(fetched[0].gradient).scalars

        // The same unroll with one tensor used explicitly at every step.
        let w = fetched[0].value.copy().requiringGradient()
        let u = try #require(store.variable(forKey: "rnn/u")?.tensor(as: Float.self)).copy().requiringGradient()
        var h = try Tensor<Float>([[0, 0]])
        for x in xs { h = (h.matmul(w) + x.matmul(u)).tanh() }
        h.sum().backward()
        #expect(viaStore == w.grad?.scalars)
        #expect(viaStore.contains { $0 != 0 })
    }

    @Test("rule 18: a non-trainable shared variable gets no gradient")
    func nonTrainable() throws {
        let store = VariableStore()
        let w: Variable<Float> = try store.getVariable("w", shape: [2], initializer: .ones, trainable: false)
        let v: Variable<Float> = try store.getVariable("v", shape: [2], initializer: .ones)
        (w.value * v.value).sum().backward()
        #expect(w.gradient == nil)
        #expect(v.gradient?.scalars == [1, 1])
    }
}
