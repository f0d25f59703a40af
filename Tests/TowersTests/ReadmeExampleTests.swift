import Testing
import Towers

/// The README's first example, as written: if this stops compiling or its
/// printed names change, the README is wrong.
@Test func readmeExampleRunsAndNamesMatch() throws {
    let store = VariableStore(seed: 42)
    let towers = SharedTowers<Float>(store: store, scope: "tower") { x in
        let h = try Dense<Float>(units: 128, activation: .relu)(x)
        return try Dense<Float>(units: 32)(h)
    }
    let siamese = SiameseNetwork(towers)

    let left = try Tensor<Float>.randomUniform([8, 64], seed: 1)
    let right = try Tensor<Float>.randomUniform([8, 64], seed: 2)
    let labels: [PairLabel] = [.same, .different, .same, .different, .same, .different, .same, .different]

    let sgd = try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9)
    let (a, b) = try siamese(left, right)  // both towers use one set of weights
    let loss = try contrastiveLoss(a, b, labels: labels, margin: 1)
    loss.backward()  // shared gradients add up
    try sgd.step()  // each shared weight updated once

    print(store.trainableVariables.map(\.name))
    #expect(
        store.trainableVariables.map(\.name) == [
            "tower/dense/kernel", "tower/dense/bias", "tower/dense_1/kernel", "tower/dense_1/bias",
        ])
    let report = SharingReport(store: store)
    print(report)
    #expect(report.trainableParameters == 64 * 128 + 128 + 128 * 32 + 32)
    #expect(report.rows.first { $0.name == "tower/dense/kernel" }?.usedBy == ["tower 0", "tower 1"])
}
