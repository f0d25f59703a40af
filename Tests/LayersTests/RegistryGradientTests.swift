import Layers
import TestSupport
import Testing
import TowersCore
import Variables

/// Gradient checks in `Double` for every registry entry, with respect to the
/// input and every trainable weight, against finite differences (max relative
/// error < 1e-6).
///
/// Every evaluation builds fresh layer instances in a new entry of the
/// `.autoReuse` scope `tower`, so all of them read the variables made by the
/// first; weights are checked by perturbing each variable's value in place.
@Suite("Gradient checks")
struct RegistryGradientTests {
    @Test(
        "input and every trainable weight: analytic gradients match finite differences", arguments: registry.map(\.id))
    func gradientsMatchFiniteDifferences(id: String) throws {
        let c = layerCase(id)
        let store = VariableStore(seed: 3)
        let x: Tensor<Double> = try c.input(seed: 21)
        func loss(_ x: Tensor<Double>) throws -> Tensor<Double> { weightedSum(try inTower(store) { try c.apply(x) }) }
        try expectLayerGradientsCorrect(inputs: c.differentiableInput ? [x] : [], store: store, id) { xs in
            try loss(xs.first ?? x)
        }
        #expect(doubleVariables(store).isEmpty != c.hasWeights)
    }

    /// The same with TowersCore's `checkGradients` on the input, whose two-point
    /// differences are noisier: a looser bound, as a cross-check of the checker.
    @Test(
        "input gradient agrees with TowersCore's checkGradients",
        arguments: registry.filter(\.differentiableInput).map(\.id))
    func towersCoreCheckGradients(id: String) throws {
        let c = layerCase(id)
        let store = VariableStore(seed: 3)
        let x: Tensor<Double> = try c.input(seed: 21)
        func loss(_ x: Tensor<Double>) throws -> Tensor<Double> { weightedSum(try inTower(store) { try c.apply(x) }) }
        _ = try loss(x)
        let result = checkGradients(at: [x], epsilon: 1e-5) { xs in (try? loss(xs[0])) ?? Tensor(.nan) }
        #expect(result.maxAbsoluteError < 1e-8, "\(id): \(result)")
    }

    /// The checker fails on a wrong gradient (so the tests above can fail).
    @Test("the finite-difference checker catches a wrong gradient")
    func checkerCatchesErrors() throws {
        let w: Tensor<Double> = Fixture.normal([3, 2], seed: 5)
        let right = try Tensor<Double>(shape: [3, 2], scalars: w.scalars.map { 3 * $0 * $0 })
        let wrong = try Tensor<Double>(shape: [3, 2], scalars: w.scalars.map { 3 * $0 * $0 * 1.000_01 })
        let loss = { w.scalars.reduce(0) { $0 + $1 * $1 * $1 } }
        #expect(finiteDifferenceCheck(w, analytic: right, loss: loss).maxRelativeError < 1e-9)
        #expect(finiteDifferenceCheck(w, analytic: wrong, loss: loss).maxRelativeError > 5e-6)
        #expect(
            w.scalars == (Fixture.normal([3, 2], seed: 5) as Tensor<Double>).scalars, "the checker restores the values")
    }
}
