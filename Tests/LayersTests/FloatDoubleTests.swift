import Layers
import TestSupport
import Testing
import TowersCore
import Variables

/// Every registry entry computes the same in `Float` (BLAS `s` routines) as in
/// `Double` (`d` routines), from the same seeds.
@Suite("Float against Double")
struct FloatDoubleTests {
    @Test("same seeds: same initial weights and outputs within 1e-4", arguments: registry.map(\.id))
    func floatMatchesDouble(id: String) throws {
        let c = layerCase(id)
        let floatStore = VariableStore(seed: 9), doubleStore = VariableStore(seed: 9)
        let xd: Tensor<Double> = try c.input(seed: 31)
        let xf: Tensor<Float> = try c.input(seed: 31)
        expectClose(xf, xd, relative: 1e-7, absolute: 0, "the fixtures differ")
        let yf = try floatStore.asDefault { try c.apply(xf) }
        let yd = try doubleStore.asDefault { try c.apply(xd) }
        #expect(yf.shape == yd.shape)
        #expect(yd.maxAbsolute > 1e-3, "\(id): the output is all zeros, so the comparison is vacuous")
        expectClose(yf, yd, relative: 1e-4, absolute: 1e-5, "\(id) output")

        let vf = floatStore.allVariables, vd = doubleStore.allVariables
        #expect(vf.map(\.name) == vd.map(\.name))
        for (f, d) in zip(vf, vd) {
            #expect(f.dtype == .float32 && d.dtype == .float64)
            let ft = try #require(f.tensor(as: Float.self)), dt = try #require(d.tensor(as: Double.self))
            expectClose(ft, dt, relative: 1e-6, absolute: 1e-7, "initial value of \(f.name)")
        }
    }
}
