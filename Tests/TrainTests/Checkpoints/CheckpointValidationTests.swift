import Foundation
import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Train
import Variables

/// Checkpoint contents a user or a damaged file can get wrong: each is an error
/// that names the file and the tensor, and changes nothing.
@Suite("Checkpoint validation")
struct CheckpointValidationTests {
    typealias F = TrainingFixtures

    /// A trained model's checkpoint, rewritten after `edit`.
    private func checkpoint(_ dir: F.Scratch, _ edit: (inout SafetensorsFile) throws -> Void) throws -> URL {
        let (store, _) = try F.model(seed: 1, steps: 3)
        let url = dir.file("model.safetensors")
        try Checkpoint.save(store, to: url)
        var file = try SafetensorsFile.read(from: url)
        try edit(&file)
        let edited = dir.file("edited.safetensors")
        try file.write(to: edited)
        return edited
    }

    @Test("a negative global_step is refused on load, and changes nothing")
    func invalidGlobalStep() throws {
        let dir = try F.Scratch("validation")
        defer { dir.remove() }
        let url = try checkpoint(dir) {
            $0.set("global_step", Tensor<Int64>(-1))
            $0.metadata["global_step"] = nil
        }
        let (store, sgd) = try F.model(seed: 2)
        let before = F.snapshot(store)
        let error = caughtError { try Checkpoint.load(into: store, from: url) }
        #expect(error as? CheckpointError == .invalidGlobalStep(file: url.path, tensor: "global_step", value: -1))
        #expect("\(error!)".contains("not a step count"))
        #expect(F.differences(F.snapshot(store), before) == [])
        #expect(sgd.stepCount == 0)
    }

    @Test("a global_step stored as a float (an older checkpoint) is a dtype mismatch, not a trap")
    func floatGlobalStep() throws {
        let dir = try F.Scratch("validation")
        defer { dir.remove() }
        for value in [Double.nan, 1e300, 2.5] {
            let url = try checkpoint(dir) {
                $0.set("global_step", Tensor<Double>(value))
                $0.metadata["global_step"] = nil
            }
            let (store, sgd) = try F.model(seed: 2)
            let error = caughtError { try Checkpoint.load(into: store, from: url) }
            #expect(error is CheckpointError, "\(value)")
            #expect(sgd.stepCount == 0)
        }
    }

    @Test("the largest global_step loads")
    func largeGlobalStep() throws {
        let dir = try F.Scratch("validation")
        defer { dir.remove() }
        let url = try checkpoint(dir) {
            $0.set("global_step", Tensor<Int64>(Int64.max))
            $0.metadata["global_step"] = "\(Int64.max)"
        }
        let (store, sgd) = try F.model(seed: 2)
        try Checkpoint.load(into: store, from: url)
        #expect(sgd.stepCount == Int(Int64.max))
    }

    @Test("the global_step metadata is written, and a malformed or contradicting one is refused on load")
    func globalStepMetadata() throws {
        let dir = try F.Scratch("validation")
        defer { dir.remove() }
        let (store, _) = try F.model(seed: 1, steps: 3)
        let url = dir.file("model.safetensors")
        try Checkpoint.save(store, to: url)
        #expect(try SafetensorsFile.read(from: url).metadata["global_step"] == "3")
        for (text, reason) in [
            ("-1", "is not a whole number"), ("1e3", "is not a whole number"), ("", "is not a whole number"),
            ("99999999999999999999", "is not a whole number"), ("4", "differs from the global_step tensor (3)"),
        ] {
            let bad = try checkpoint(dir) { $0.metadata["global_step"] = text }
            let (fresh, _) = try F.model(seed: 2)
            #expect {
                try Checkpoint.load(into: fresh, from: bad)
            } throws: { error in
                guard case .invalidMetadata(_, "global_step", text, let found) = error as? CheckpointError else {
                    return false
                }
                return found.hasPrefix(reason)
            }
        }
    }

    @Test("NaN or infinite weights are refused on load, naming the tensor", arguments: [Float.nan, -.infinity])
    func nonFiniteOnLoad(value: Float) throws {
        let dir = try F.Scratch("validation")
        defer { dir.remove() }
        let url = try checkpoint(dir) {
            var bias = try $0.tensor(named: "tower/dense/bias", as: Float.self).scalars
            bias[2] = value
            $0.set("tower/dense/bias", Tensor<Float>(bias))
        }
        let (store, _) = try F.model(seed: 3)
        let before = F.snapshot(store)
        #expect(throws: CheckpointError.nonFiniteValue(file: url.path, tensor: "tower/dense/bias")) {
            try Checkpoint.load(into: store, from: url)
        }
        #expect(F.differences(F.snapshot(store), before) == [])
    }

    @Test("saving NaN weights throws and leaves the previous checkpoint intact")
    func nonFiniteOnSave() throws {
        let dir = try F.Scratch("validation")
        defer { dir.remove() }
        let (store, _) = try F.model(seed: 4, steps: 1)
        let url = dir.file("ckpt.safetensors")
        try Checkpoint.save(store, to: url)
        let good = try Data(contentsOf: url)
        store.variable(named: "tower/dense_1/kernel/Momentum")?.tensor(as: Float.self)?.fill(with: .infinity)
        #expect(throws: CheckpointError.nonFiniteValue(file: url.path, tensor: "tower/dense_1/kernel/Momentum")) {
            try Checkpoint.save(store, to: url)
        }
        #expect(try Data(contentsOf: url) == good)
        #expect(try dir.contents() == ["ckpt.safetensors"])
    }

    @Test("a prefix map that sends two file tensors to one variable is an error naming both")
    func prefixMapCollision() throws {
        let dir = try F.Scratch("validation")
        defer { dir.remove() }
        var file = SafetensorsFile()
        file.set("a/w", Tensor<Double>([1, 2]))
        file.set("b/w", Tensor<Double>([3, 4]))
        let url = dir.file("two.safetensors")
        try file.write(to: url)
        let store = VariableStore(seed: 1)
        let w = try store.variableScope("p") { try F.variable(store, "w", [0, 0]) }
        let expected = CheckpointError.prefixMapCollision(file: url.path, variable: "p/w", tensors: ["a/w", "b/w"])
        #expect(throws: expected) {
            try Checkpoint.load(into: store, from: url, prefixMap: ["a/": "p/", "b/": "p/"])
        }
        #expect("\(expected)".contains("both 'a/w' and 'b/w' to variable 'p/w'"))
        #expect(w.value.scalars == [0, 0])
    }
}
