import Foundation
import Testing
import TowersCore
import Train
import Variables

/// Checkpoints of every element type, and which variables a checkpoint holds
/// (TF's `Saver` default: the global collection).
@Suite("Checkpoints of every dtype")
struct CheckpointDtypeTests {
    /// A store with one variable of each element type, filled from `seed`.
    static func model(seed: Int) throws -> VariableStore {
        let store = VariableStore()
        let s = Double(seed)
        try store.variableScope("m") {
            let _: Variable<Float> = try getVariable("f32", shape: [2], initializer: .constant([s + 0.5, -s]))
            let _: Variable<Double> = try getVariable("f64", shape: [2], initializer: .constant([s / 3, 1e-300]))
            let _: Variable<Float16> = try getVariable("f16", shape: [2], initializer: .constant([s + 0.25, 65504]))
            let _: Variable<BFloat16> = try getVariable("bf16", shape: [2], initializer: .constant([s + 0.5, -3e38]))
            let _: Variable<Int32> = try getVariable("i32", shape: [2], initializer: .constant([s, -2_147_483_648]))
            let _: Variable<Int64> = try getVariable(
                "i64", initialValue: Tensor<Int64>([Int64(seed), Int64(1) << 62 + 7]))
            let _: Variable<Bool> = try getVariable(
                "bool", shape: [3], initializer: .constant([1, 0, Double(seed % 2)]))
        }
        return store
    }

    /// Each variable's value as text, by name.
    static func values(_ store: VariableStore) -> [String: String] {
        var out: [String: String] = [:]
        for v in store.allVariables {
            func text<T: TensorElement>(_: T.Type) -> String { "\(v.tensor(as: T.self)!.scalars)" }
            out[v.name] = text(v.dtype.elementType)
        }
        return out
    }

    @Test("variables of every dtype save and load exactly, each in its own safetensors dtype")
    func everyDtype() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("towers-dtypes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.safetensors")
        let saved = try Self.model(seed: 3)
        try Checkpoint.save(saved, to: url)
        let file = try SafetensorsFile.read(from: url)
        #expect(
            Dictionary(uniqueKeysWithValues: file.names.map { ($0, file[$0]!.dtype.safetensorsName) }) == [
                "m/f32": "F32", "m/f64": "F64", "m/f16": "F16", "m/bf16": "BF16", "m/i32": "I32", "m/i64": "I64",
                "m/bool": "BOOL",
            ])
        let fresh = try Self.model(seed: 4)
        #expect(Self.values(fresh) != Self.values(saved))
        let report = try Checkpoint.load(into: fresh, from: url)
        #expect(report.isClean)
        #expect(report.restored == 7)
        #expect(Self.values(fresh) == Self.values(saved))
        // A dtype that differs is reported, not converted.
        let other = VariableStore()
        try other.variableScope("m") { let _: Variable<Int64> = try getVariable("i32", shape: [2]) }
        let error = #expect(throws: CheckpointError.self) {
            try Checkpoint.load(into: other, from: url, options: [.allowUnused])
        }
        guard case .mismatch(let mismatch)? = error else { return }
        #expect(mismatch.dtypeMismatches.map(\.name) == ["m/i32"])
    }

    @Test("rule 29: variables outside the global collection are not saved or expected by default")
    func localVariablesNotSaved() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("towers-locals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.safetensors")
        func build() throws -> VariableStore {
            let store = VariableStore(seed: 1)
            let _: Variable<Float> = try store.getVariable("w", shape: [2])
            let _: Variable<Int64> = try store.getLocalVariable("seen", shape: [])
            let _: Variable<Float> = try store.getVariable("ema", shape: [2], collections: ["averages"])
            return store
        }
        let store = try build()
        try Checkpoint.save(store, to: url)
        #expect(try SafetensorsFile.read(from: url).names == ["w"])
        // A fresh model loads strictly: its local and non-global variables are not expected.
        let report = try Checkpoint.load(into: try build(), from: url)
        #expect(report.isClean && report.restored == 1)
        // Listed explicitly, they are saved and loaded.
        let everything = dir.appendingPathComponent("all.safetensors")
        try Checkpoint.save(store, to: everything, variables: store.allVariables)
        #expect(try SafetensorsFile.read(from: everything).names == ["ema", "seen", "w"])
        let target = try build()
        let all = try Checkpoint.load(into: target, from: everything, variables: target.allVariables)
        #expect(all.restored == 3)
    }

    @Test("values of every dtype wait for their variables when loaded before the model is built")
    func everyDtypeDeferred() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("towers-deferred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.safetensors")
        let saved = try Self.model(seed: 3)
        try Checkpoint.save(saved, to: url)
        let store = VariableStore()
        let report = try Checkpoint.load(into: store, from: url)
        #expect(report.pending.count == 7)
        // Built like `model(seed: 4)`, but every variable gets the file's value.
        try store.variableScope("m") {
            let _: Variable<Float> = try getVariable("f32", shape: [2], initializer: .constant([4.5, -4]))
            let _: Variable<Double> = try getVariable("f64", shape: [2])
            let _: Variable<Float16> = try getVariable("f16", shape: [2])
            let _: Variable<BFloat16> = try getVariable("bf16", shape: [2])
            let _: Variable<Int32> = try getVariable("i32", shape: [2])
            let _: Variable<Int64> = try getVariable("i64", shape: [2])
            let _: Variable<Bool> = try getVariable("bool", shape: [3])
        }
        #expect(try Checkpoint.finishLoading(store)?.isClean == true)
        #expect(Self.values(store) == Self.values(saved))
    }

    @Test("rule 29: only global variables wait or load by default; with variables:, nothing waits")
    func localVariablesDoNotWait() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("towers-locals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("all.safetensors")
        let store = VariableStore(seed: 1)
        let _: Variable<Float> = try store.getVariable("w", shape: [2])
        let _: Variable<Int64> = try store.getLocalVariable("seen", shape: [])
        try Checkpoint.save(store, to: url, variables: store.allVariables)
        // The file's tensor for an existing local variable is unused, not assigned.
        let built = VariableStore(seed: 2)
        let _: Variable<Float> = try built.getVariable("w", shape: [2])
        let seen: Variable<Int64> = try built.getLocalVariable("seen", shape: [], initializer: .constant([5]))
        guard
            case .mismatch(let mismatch)? = caughtError({ try Checkpoint.load(into: built, from: url) })
                as? CheckpointError
        else {
            Issue.record("expected a mismatch")
            return
        }
        #expect(mismatch.unused == ["seen"])
        let report = try Checkpoint.load(into: built, from: url, options: .allowUnused)
        #expect(report.restored == 1 && report.unused == ["seen"] && report.pending.isEmpty)
        #expect(seen.value.scalars == [5])
        // With an explicit list, the tensors of variables not yet created are unused too.
        let empty = VariableStore()
        let listed = try Checkpoint.load(into: empty, from: url, options: .allowUnused, variables: [])
        #expect(listed.pending.isEmpty && listed.unused == ["seen", "w"])
        #expect(Checkpoint.pendingLoad(in: empty) == nil)
    }
}
