import Foundation
import Models
import TestSupport
import Testing
import TowersCore

/// Rows `a` (random) and `b = a + dᵢ·uᵢ` with `uᵢ` a random unit vector: pairs at
/// chosen Euclidean distances.
func pairsAtDistances(
    _ distances: [Double], dimension: Int = 3, seed: UInt64
) throws -> (Tensor<Double>, Tensor<Double>) {
    let n = distances.count
    let a: Tensor<Double> = Fixture.normal([n, dimension], seed: seed)
    let u: Tensor<Double> = Fixture.normal([n, dimension], seed: seed &+ 1)
    var b = a.scalars
    let us = u.scalars
    for r in 0..<n {
        let row = us[(r * dimension)..<((r + 1) * dimension)]
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for j in 0..<dimension { b[r * dimension + j] += distances[r] * us[r * dimension + j] / norm }
    }
    return (a, try Tensor(shape: [n, dimension], scalars: b))
}

/// Row-wise Euclidean distances by a naive loop.
func rowDistances(_ a: Tensor<Double>, _ b: Tensor<Double>) -> [Double] {
    let d = a.shape[1], x = a.scalars, y = b.scalars
    return (0..<a.shape[0]).map { r in
        (0..<d).reduce(0.0) { s, j in s + (x[r * d + j] - y[r * d + j]) * (x[r * d + j] - y[r * d + j]) }.squareRoot()
    }
}

@Suite("Losses")
struct LossesTests {
    // MARK: Contrastive

    static let contrastiveDistances: [Double] = [0.4, 0.3, 1.7, 0.6, 2.2, 0.8, 1.3, 0.2]
    static let contrastiveLabels: [PairLabel] = [
        .same, .different, .different, .same, .different, .different, .same, .different,
    ]

    /// The formula: mean of d² (same) and max(0, m − d)² (different).
    static func contrastiveReference(_ d: [Double], _ labels: [PairLabel], margin: Double) -> Double {
        zip(d, labels).map { d, label in label == .same ? d * d : pow(max(0, margin - d), 2) }.reduce(0, +)
            / Double(d.count)
    }

    @Test("contrastive loss: values match the formula")
    func contrastiveValues() throws {
        let (a, b) = try pairsAtDistances(Self.contrastiveDistances, seed: 1)
        let d = rowDistances(a, b)
        expectClose(d, Self.contrastiveDistances, relative: 1e-12, absolute: 1e-12)
        for margin in [1.0, 2.0] {
            let loss = try contrastiveLoss(a, b, labels: Self.contrastiveLabels, margin: margin)
            #expect(loss.shape == [])
            expectClose(
                loss.scalar, Self.contrastiveReference(d, Self.contrastiveLabels, margin: margin),
                relative: 1e-8, absolute: 1e-9, "margin \(margin)")
        }
        // Hand-computed for margin 1: same rows 0.16 + 0.36 + 1.69, different rows
        // 0.49 + 0 + 0 + 0.04 + 0.64, over 8 pairs.
        let loss = try contrastiveLoss(a, b, labels: Self.contrastiveLabels, margin: 1)
        expectClose(loss.scalar, (0.16 + 0.36 + 1.69 + 0.49 + 0.04 + 0.64) / 8, relative: 1e-8, absolute: 1e-9)
    }

    @Test("contrastive loss: the labels are per row, not swapped")
    func contrastiveLabelsPerRow() throws {
        let (a, b) = try pairsAtDistances([0.5, 2.0], seed: 2)
        let sameFirst = try contrastiveLoss(a, b, labels: [.same, .different]).scalar
        let differentFirst = try contrastiveLoss(a, b, labels: [.different, .same]).scalar
        expectClose(sameFirst, 0.25 / 2, relative: 1e-8, absolute: 1e-9)
        expectClose(differentFirst, (0.25 + 4) / 2, relative: 1e-8, absolute: 1e-9)
    }

    @Test("contrastive convention: a same pair at distance 0 costs nothing; a different pair at ≥ margin costs nothing")
    func contrastiveConvention() throws {
        let x = try Tensor<Double>([[0.3, -1.2, 2.0]])
        #expect(try contrastiveLoss(x, x.copy(), labels: [.same], margin: 1).scalar == 0)
        // A same pair pays for its distance: d = 2 costs d² = 4.
        let far = try Tensor<Double>([[2.3, -1.2, 2.0]])
        expectClose(try contrastiveLoss(x, far, labels: [.same], margin: 1).scalar, 4, relative: 1e-12)
        // A different pair at or beyond the margin is free; inside it, it pays (m − d)².
        let atMargin = try Tensor<Double>([[1.3, -1.2, 2.0]])
        #expect(try contrastiveLoss(x, atMargin, labels: [.different], margin: 1).scalar == 0)
        #expect(try contrastiveLoss(x, far, labels: [.different], margin: 1).scalar == 0)
        #expect(try contrastiveLoss(x, far, labels: [.different], margin: 2).scalar == 0)
        expectClose(try contrastiveLoss(x, far, labels: [.different], margin: 3).scalar, 1, relative: 1e-8)
        // A different pair at distance 0 costs about m².
        expectClose(try contrastiveLoss(x, x.copy(), labels: [.different], margin: 1).scalar, 1, relative: 1e-4)
        // Float behaves the same.
        let xf = x.converted(to: Float.self)
        #expect(try contrastiveLoss(xf, xf.copy(), labels: [.same]).scalar == 0)
        #expect(try contrastiveLoss(xf, far.converted(to: Float.self), labels: [.different]).scalar == 0)
    }

    @Test("contrastive loss: gradients match finite differences (pairs inside and beyond the margin)")
    func contrastiveGradients() throws {
        let (a, b) = try pairsAtDistances(Self.contrastiveDistances, seed: 3)
        let d = rowDistances(a, b)
        let margin = 1.0
        let different = zip(d, Self.contrastiveLabels).filter { $0.1 == .different }.map(\.0)
        // The case mix the check needs, away from the hinge's kink at d = m.
        #expect(different.contains { $0 < margin } && different.contains { $0 > margin })
        #expect(different.allSatisfy { Swift.abs($0 - margin) > 0.1 })
        let result = expectGradientsCorrect(at: [a, b]) { xs in
            try! contrastiveLoss(xs[0], xs[1], labels: Self.contrastiveLabels, margin: margin)
        }
        #expect(result.maxRelativeError < 1e-6)
        // Rows of different pairs beyond the margin get exactly no gradient; the others do.
        let g = TestSupport.gradients(at: [a, b]) { xs in
            try! contrastiveLoss(xs[0], xs[1], labels: Self.contrastiveLabels, margin: margin)
        }
        let ga = g[0]!.scalars
        for (r, (dr, label)) in zip(d, Self.contrastiveLabels).enumerated() {
            let rowNorm = ga[(r * 3)..<(r * 3 + 3)].map(Swift.abs).max()!
            if label == .different && dr > margin {
                #expect(rowNorm == 0, "row \(r)")
            } else {
                #expect(rowNorm > 1e-3, "row \(r)")
            }
        }
    }

    // MARK: Triplet

    /// (d(a, p), d(a, n)) per row: active rows (dp − dn + 1 > 0) and inactive ones.
    static let tripletDistances: [(Double, Double)] = [
        (0.5, 2.0), (1.5, 0.8), (0.3, 0.9), (2.0, 1.0), (0.2, 1.6), (1.1, 1.4),
    ]

    static func triplets(seed: UInt64) throws -> (Tensor<Double>, Tensor<Double>, Tensor<Double>) {
        let (a, p) = try pairsAtDistances(tripletDistances.map(\.0), seed: seed)
        let (a2, n0) = try pairsAtDistances(tripletDistances.map(\.1), seed: seed &+ 10)
        // n = a + (n0 − a2): the same offsets, from a.
        let n = withoutGradients { a + (n0 - a2) }
        return (a, p, n)
    }

    @Test("triplet margin loss: values match mean(max(0, d(a,p) − d(a,n) + m))")
    func tripletValues() throws {
        let (a, p, n) = try Self.triplets(seed: 4)
        let dp = rowDistances(a, p), dn = rowDistances(a, n)
        expectClose(dn, Self.tripletDistances.map(\.1), relative: 1e-12, absolute: 1e-12)
        for margin in [1.0, 0.5] {
            let expected = zip(dp, dn).map { max(0, $0 - $1 + margin) }.reduce(0, +) / Double(dp.count)
            let loss = try tripletMarginLoss(anchor: a, positive: p, negative: n, margin: margin)
            #expect(loss.shape == [])
            expectClose(loss.scalar, expected, relative: 1e-8, absolute: 1e-9, "margin \(margin)")
        }
        // By hand, margin 1: rows 0 and 4 inactive; 1.7 + 0.4 + 2.0 + 0.7 over 6.
        expectClose(try tripletMarginLoss(anchor: a, positive: p, negative: n).scalar, 4.8 / 6, relative: 1e-8)
        // Swapping positive and negative changes the loss: the roles are not symmetric.
        let swapped = try tripletMarginLoss(anchor: a, positive: n, negative: p).scalar
        expectClose(swapped, (2.5 + 0.3 + 1.6 + 0 + 2.4 + 1.3) / 6, relative: 1e-8)
    }

    @Test("triplet margin loss: gradients match finite differences (away from the kink)")
    func tripletGradients() throws {
        let (a, p, n) = try Self.triplets(seed: 5)
        let margins = Self.tripletDistances.map { $0.0 - $0.1 + 1 }
        #expect(margins.allSatisfy { Swift.abs($0) > 0.1 })
        #expect(margins.contains { $0 < 0 } && margins.contains { $0 > 0 })
        let result = expectGradientsCorrect(at: [a, p, n]) { xs in
            try! tripletMarginLoss(anchor: xs[0], positive: xs[1], negative: xs[2], margin: 1)
        }
        #expect(result.maxRelativeError < 1e-6)
    }

    // MARK: Cross-entropy

    @Test("softmax cross-entropy: values match −log softmax by hand")
    func crossEntropyValues() throws {
        let logits = try Tensor<Double>([[1, 2, 3], [1, 1, 1], [0, -1, 5]])
        let labels = [2, 0, 1]
        let rows = logits.scalars
        var total = 0.0
        for (r, label) in labels.enumerated() {
            let z = rows[(r * 3)..<(r * 3 + 3)]
            let logSumExp = Foundation.log(z.map { Foundation.exp($0) }.reduce(0, +))
            total += logSumExp - z[r * 3 + label]
        }
        let loss = try softmaxCrossEntropy(logits: logits, labels: labels)
        #expect(loss.shape == [])
        expectClose(loss.scalar, total / 3, relative: 1e-12)
        // The uniform row costs log 3 exactly.
        expectClose(
            try softmaxCrossEntropy(logits: logits.slice(1..<2), labels: [2]).scalar, Foundation.log(3.0),
            relative: 1e-12)
        // Large logits stay finite (log-sum-exp is stabilised).
        let big = try softmaxCrossEntropy(logits: Tensor<Double>([[1000, 0]]), labels: [1]).scalar
        expectClose(big, 1000, relative: 1e-12)
        let bigFloat = try softmaxCrossEntropy(logits: Tensor<Float>([[1000, 0]]), labels: [0]).scalar
        #expect(bigFloat.isFinite && bigFloat >= 0 && bigFloat < 1e-6)
    }

    @Test("softmax cross-entropy: gradients match finite differences and (softmax − onehot) / B")
    func crossEntropyGradients() throws {
        // Spread 1: no probability so small that its gradient drowns in finite-difference noise.
        let logits: Tensor<Double> = Fixture.normal([5, 4], seed: 6)
        let labels = [3, 0, 1, 1, 2]
        let result = expectGradientsCorrect(at: [logits]) { xs in
            try! softmaxCrossEntropy(logits: xs[0], labels: labels)
        }
        #expect(result.maxRelativeError < 1e-6)
        let g = try #require(
            TestSupport.gradients(at: [logits]) { try! softmaxCrossEntropy(logits: $0[0], labels: labels) }[0])
        let z = logits.scalars
        var expected: [Double] = []
        for r in 0..<5 {
            let e = (0..<4).map { Foundation.exp(z[r * 4 + $0]) }
            let s = e.reduce(0, +)
            expected += (0..<4).map { (e[$0] / s - ($0 == labels[r] ? 1 : 0)) / 5 }
        }
        expectClose(g.scalars, expected, relative: 1e-10, absolute: 1e-12)
    }

    // MARK: Mean squared error

    @Test("mean squared error: values and gradients")
    func meanSquaredErrorValuesAndGradients() throws {
        let p = try Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        let t = try Tensor<Double>([[1, 0, 3.5], [2, 5, 9]])
        let loss = try meanSquaredError(p, t)
        #expect(loss.shape == [])
        expectClose(loss.scalar, (0 + 4 + 0.25 + 4 + 0 + 9) / 6.0, relative: 1e-12)
        let x: Tensor<Double> = Fixture.normal([3, 4], seed: 7)
        let y: Tensor<Double> = Fixture.normal([3, 4], seed: 8)
        let result = expectGradientsCorrect(at: [x, y]) { xs in try! meanSquaredError(xs[0], xs[1]) }
        #expect(result.maxRelativeError < 1e-6)
        let g = TestSupport.gradients(at: [x, y]) { xs in try! meanSquaredError(xs[0], xs[1]) }
        let expected = zip(x.scalars, y.scalars).map { 2 * ($0 - $1) / 12 }
        expectClose(try #require(g[0]).scalars, expected, relative: 1e-12, absolute: 1e-15)
        expectClose(try #require(g[1]).scalars, expected.map { -$0 }, relative: 1e-12, absolute: 1e-15)
    }

    // MARK: Pair labels

    @Test("PairLabel: from classes, numeric targets, description")
    func pairLabel() throws {
        #expect(PairLabel(3, 3) == .same)
        #expect(PairLabel(3, 4) == .different)
        #expect(PairLabel.same.target() == 1.0)
        #expect(PairLabel.different.target() == 0.0)
        #expect(PairLabel.same.target(same: Float(0), different: 1) == 0)
        #expect(PairLabel.different.target(same: Float(0), different: 1) == 1)
        #expect("\(PairLabel.same) \(PairLabel.different)" == "same different")
        #expect(PairLabel.allCases == [.same, .different])
    }
}

@Suite("Loss input errors")
struct LossErrorTests {
    private func expectLossError(
        _ loss: String, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Tensor<Double>
    ) {
        #expect(sourceLocation: sourceLocation) {
            _ = try body()
        } throws: { error in
            guard let error = error as? LossError, error.loss == loss else { return false }
            let text = "\(error)"
            return text.hasPrefix(loss + ": ") && mentions.allSatisfy { text.contains($0) }
        }
    }

    @Test("contrastiveLoss: a label count that does not match the batch, and mismatched embeddings, throw")
    func contrastive() throws {
        let a = try Tensor<Double>.zeros([4, 3]), b = try Tensor<Double>.ones([4, 3])
        expectLossError("contrastiveLoss", mentions: ["3 labels", "[4, 3]"]) {
            try contrastiveLoss(a, b, labels: [.same, .different, .same])
        }
        expectLossError("contrastiveLoss", mentions: ["[4, 3]", "[4, 2]"]) {
            try contrastiveLoss(a, .ones([4, 2]), labels: [.same, .same, .same, .same])
        }
        expectLossError("contrastiveLoss", mentions: ["[0, 3]"]) {
            try contrastiveLoss(.zeros([0, 3]), .zeros([0, 3]), labels: [])
        }
        expectLossError("contrastiveLoss", mentions: ["[3]"]) {
            try contrastiveLoss(.zeros([3]), .zeros([3]), labels: [.same, .same, .same])
        }
    }

    @Test("tripletMarginLoss: shapes that differ throw, naming both")
    func triplet() throws {
        let a = try Tensor<Double>.zeros([2, 3])
        expectLossError("tripletMarginLoss", mentions: ["anchor of shape [2, 3]", "positive of shape [3, 3]"]) {
            try tripletMarginLoss(anchor: a, positive: .zeros([3, 3]), negative: a)
        }
        expectLossError("tripletMarginLoss", mentions: ["negative of shape [2, 4]"]) {
            try tripletMarginLoss(anchor: a, positive: a, negative: .zeros([2, 4]))
        }
    }

    @Test("softmaxCrossEntropy: a label out of range or a wrong label count throws, naming the shape")
    func crossEntropy() throws {
        let logits = try Tensor<Double>.zeros([3, 4])
        expectLossError("softmaxCrossEntropy", mentions: ["label 4 of row 1", "0..<4", "[3, 4]"]) {
            try softmaxCrossEntropy(logits: logits, labels: [0, 4, 1])
        }
        expectLossError("softmaxCrossEntropy", mentions: ["label -1 of row 0"]) {
            try softmaxCrossEntropy(logits: logits, labels: [-1, 0, 1])
        }
        expectLossError("softmaxCrossEntropy", mentions: ["2 labels", "[3, 4]"]) {
            try softmaxCrossEntropy(logits: logits, labels: [0, 1])
        }
    }

    @Test("meanSquaredError: shapes that differ throw, naming both")
    func meanSquared() {
        expectLossError("meanSquaredError", mentions: ["[2, 3]", "[3, 2]"]) {
            try meanSquaredError(Tensor<Double>.zeros([2, 3]), .zeros([3, 2]))
        }
    }
}
