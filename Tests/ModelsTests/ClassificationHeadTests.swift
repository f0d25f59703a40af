import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Variables

@Suite("Classification head on a shared tower")
struct ClassificationHeadTests {
    static let classes = 3

    /// 30 points in 4-D around three class centres.
    static func data() throws -> (Tensor<Double>, [Int]) {
        let centres: Tensor<Double> = Fixture.normal([classes, TestTower.inputSize], standardDeviation: 2, seed: 11)
        let noise: Tensor<Double> = Fixture.normal([30, TestTower.inputSize], standardDeviation: 0.3, seed: 12)
        let labels = (0..<30).map { $0 % classes }
        let c = centres.scalars, e = noise.scalars, d = TestTower.inputSize
        let x = (0..<30).flatMap { r in (0..<d).map { c[labels[r] * d + $0] + e[r * d + $0] } }
        return (try Tensor(shape: [30, d], scalars: x), labels)
    }

    @Test("predict gives one class per row: the argmax of the logits")
    func predictShape() throws {
        let store = VariableStore(seed: 1)
        let towers = TestTower.towers(store)
        let head = ClassificationHead<Double>(classes: 4)
        let (x, _) = try Self.data()
        let embedding = try towers.embed(x)
        let (logits, predicted) = try store.asDefault { (try head(embedding), try head.predict(embedding)) }
        #expect(logits.shape == [30, 4])
        #expect(predicted.count == 30)
        let z = logits.scalars
        let argmax = (0..<30).map { r in (0..<4).max { z[r * 4 + $0] < z[r * 4 + $1] }! }
        #expect(predicted == argmax)
        #expect(predicted.allSatisfy { (0..<4).contains($0) })
        #expect(Set(predicted).count > 1, "a random head should not predict one class for everything")
        #expect(store.trainableVariables.map(\.name).suffix(2) == ["classifier/kernel", "classifier/bias"])
        #expect(store.variable(named: "classifier/kernel")?.shape == [TestTower.outputSize, 4])
        // predict records no graph.
        let kernel = try #require(store.variable(named: "classifier/kernel") as? Variable<Double>)
        #expect(kernel.value.grad == nil)
    }

    @Test("a few SGD steps on tower + head lower the cross-entropy")
    func trainingLowersCrossEntropy() throws {
        let store = VariableStore(seed: 2)
        let towers = TestTower.towers(store)
        let head = ClassificationHead<Double>(classes: Self.classes)
        let (x, labels) = try Self.data()
        func loss() throws -> Tensor<Double> {
            let embedding = try towers(x)
            return try softmaxCrossEntropy(logits: try store.asDefault { try head(embedding) }, labels: labels)
        }
        func accuracy() throws -> Double {
            let predicted = try store.asDefault { try head.predict(try towers.embed(x)) }
            return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
        }
        var losses: [Double] = []
        for _ in 0..<30 {
            let l = try loss()
            losses.append(l.scalar)
            l.backward()
            for v in doubleVariables(store) {
                let g = try #require(v.gradient, "\(v.name) got no gradient")
                v.value.withUnsafeMutableBufferPointer { w in
                    g.withUnsafeBufferPointer { g in for i in w.indices { w[i] -= 0.2 * g[i] } }
                }
                v.value.zeroGrad()
            }
        }
        // Tower and head were both trained: 4 tower variables and the 2 head variables.
        #expect(store.trainableVariables.count == 6)
        let final = try loss().scalar
        #expect(final < 0.5 * losses[0], "cross-entropy \(losses[0]) → \(final)")
        #expect(zip(losses, losses.dropFirst()).filter { $1 > $0 }.count <= 3, "losses \(losses)")
        #expect(try accuracy() > 0.9)
    }
}
