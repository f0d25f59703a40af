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
    // ["tower/dense/kernel", "tower/dense/bias", "tower/dense_1/kernel", "tower/dense_1/bias"]
    print(SharingReport(store: store))  // who used what, parameters counted once
    #expect(
        store.trainableVariables.map(\.name) == [
            "tower/dense/kernel", "tower/dense/bias", "tower/dense_1/kernel", "tower/dense_1/bias",
        ])
    let report = SharingReport(store: store)
    #expect(report.trainableParameters == 64 * 128 + 128 + 128 * 32 + 32)
    #expect(report.rows.first { $0.name == "tower/dense/kernel" }?.usedBy == ["tower 0", "tower 1"])
}

/// The README's captured-step example, as written.
@Test func readmeCapturedStepExample() throws {
    let store = VariableStore(seed: 7)
    let siamese = SiameseNetwork(
        SharedTowers<Float>(store: store, scope: "tower") { x in
            try Dense<Float>(units: 16)(try Dense<Float>(units: 32, activation: .relu)(x))
        })
    let left = try Tensor<Float>.randomUniform([64, 8], seed: 1)
    let right = try Tensor<Float>.randomUniform([64, 8], seed: 2)
    let same = try Tensor<Float>(shape: [64], scalars: (0..<64).map { Float($0 % 2) })

    let step = try store.capture(left, right, same) { l, r, s in
        let (a, b) = try siamese(l, r)
        return try contrastiveLoss(a, b, same: s, margin: 1)
    }
    let first = step.lastLoss
    let sgd = try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9)
    try sgd.step()  // the capture ran step 1: apply its update
    var loss = step.lastLoss
    for _ in 0..<100 {
        loss = try step(left, right, same)  // in a real loop, a new batch of the same shapes
        try sgd.step()
    }
    print("loss after 101 steps:", loss)
    #expect(loss < first / 2, "the replayed steps train")
    print(step.operationNames.filter { $0.hasSuffix("MatMul") })
    // ["tower/dense/MatMul", "tower/dense_1/MatMul", "tower_1/dense/MatMul", "tower_1/dense_1/MatMul"]
    #expect(
        step.operationNames.filter { $0.hasSuffix("MatMul") } == [
            "tower/dense/MatMul", "tower/dense_1/MatMul", "tower_1/dense/MatMul", "tower_1/dense_1/MatMul",
        ])
    let picture = step.graph(as: .svg)  // or .dot for Graphviz
    #expect(picture.contains("tower_1/dense/MatMul"))
}
