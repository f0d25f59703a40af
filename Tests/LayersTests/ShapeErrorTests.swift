import Layers
import TestSupport
import Testing
import TowersCore
import Variables

/// Wrong inputs are errors (not traps) whose messages name the layer's full
/// scope and the shapes involved; a failed call leaves the store unchanged.
@Suite("Shape errors")
struct ShapeErrorTests {
    static var invalidCases: [String] { registry.filter { !$0.invalidInputs.isEmpty }.map(\.id) }
    static var resizableCases: [String] { registry.filter { $0.resizedInputShape != nil }.map(\.id) }

    @Test("a wrong input throws a LayerError naming tower/<layer> and the shapes", arguments: invalidCases)
    func invalidInputThrows(id: String) throws {
        let c = layerCase(id)
        for bad in c.invalidInputs {
            // In a fresh store, and after a good build (the layer re-entering its scope).
            for prebuilt in [false, true] {
                let store = VariableStore()
                if prebuilt { _ = try inTower(store) { try c.apply(c.input(seed: 1) as Tensor<Float>) } }
                let before = store.allVariables
                let x: Tensor<Float> = try c.input(bad)
                let error = thrownError { _ = try inTower(store) { try c.apply(x) } }
                guard let error else { continue }
                guard let layerError = error as? LayerError else {
                    Issue.record("\(id), input \(bad): expected a LayerError, got \(type(of: error)): \(error)")
                    continue
                }
                let text = "\(layerError)"
                #expect(layerError.layer == "tower/\(c.firstScope)", "\(id), input \(bad): \(text)")
                #expect(text.hasPrefix("tower/\(c.firstScope): "), "\(id): \(text)")
                for mention in bad.mentions {
                    #expect(
                        text.contains(mention), "\(id), input \(bad): the message does not mention \(mention): \(text)")
                }
                if prebuilt || !bad.failsAfterBuilding {
                    #expect(identical(store.allVariables, before), "\(id): a failed call created variables")
                }
            }
        }
    }

    @Test(
        "another input size on reuse is a shapeMismatch naming the variable and both shapes", arguments: resizableCases)
    func resizedInputOnReuse(id: String) throws {
        let c = layerCase(id)
        let resized = try #require(c.resizedInputShape), mismatch = try #require(c.resizedMismatch)
        let expected = VariableError.shapeMismatch(
            key: "tower/\(mismatch.key)", specified: mismatch.specified, found: mismatch.found)

        // Fresh instances in a second tower.
        let store = VariableStore()
        _ = try inTower(store) { try c.apply(c.input(seed: 1) as Tensor<Float>) }
        let before = store.allVariables
        let error = thrownError {
            _ = try inTower(store) { try c.apply(c.input(seed: 2, shape: resized) as Tensor<Float>) }
        }
        #expect(error as? VariableError == expected, "\(id): got \(String(describing: error))")
        let text = error.map { "\($0)" } ?? ""
        #expect(
            text.contains("tower/\(mismatch.key)") && text.contains("\(mismatch.specified)")
                && text.contains("\(mismatch.found)"))
        #expect(identical(store.allVariables, before))

        // The same instances called again with the other size.
        let instanceStore = VariableStore()
        let layer: (Tensor<Float>) throws -> Tensor<Float> = c.build()
        _ = try inTower(instanceStore) { try layer(c.input(seed: 1)) }
        let again = thrownError { _ = try inTower(instanceStore) { try layer(c.input(seed: 2, shape: resized)) } }
        #expect(again as? VariableError == expected, "\(id): got \(String(describing: again))")
    }

    @Test("layers called outside any store say how to fix it")
    func outsideAnyStore() {
        let error = thrownError { _ = try Dense<Float>(units: 2)(Tensor<Float>([[1, 2]])) }
        #expect(error as? VariableError == .noCurrentStore(name: "dense"))
        #expect("\(error.map { "\($0)" } ?? "")".contains("store.asDefault"))
    }

    @Test("TiedDense: a code of the wrong width names the decoder's scope and the tied kernel")
    func tiedDenseWrongWidth() throws {
        let store = VariableStore()
        let encoder = Dense<Float>(units: 3)
        let decoder = TiedDense(tiedTo: encoder)
        _ = try inTower(store) { try encoder(Fixture.normal([2, 4], seed: 1)) }
        let error = thrownError { _ = try inTower(store) { try decoder(Fixture.normal([2, 4], seed: 2)) } }
        let layerError = try #require(error as? LayerError)
        #expect(layerError.layer == "tower/tied_dense")
        #expect("\(layerError)".contains("[2, 4]") && "\(layerError)".contains("[4, 3]"), "\(layerError)")
    }

    @Test("TiedDense before its encoder is built: a LayerError that says so")
    func tiedDenseBeforeEncoder() throws {
        let store = VariableStore()
        let encoder = Dense<Float>(units: 3)
        let decoder = TiedDense(tiedTo: encoder)
        let error = thrownError { _ = try inTower(store) { try decoder(Fixture.normal([2, 3], seed: 1)) } }
        let layerError = try #require(error as? LayerError, "got \(String(describing: error))")
        #expect(layerError.layer == "tower/tied_dense")
        #expect("\(layerError)".contains("encoder"), "\(layerError)")
        #expect(store.allVariables.isEmpty)
    }
}
