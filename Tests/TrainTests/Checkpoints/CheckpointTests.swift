import Foundation
import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Train
import Variables

@Suite("Checkpoints")
struct CheckpointTests {
    typealias F = TrainingFixtures

    static let weights = ["tower/dense/kernel", "tower/dense/bias", "tower/dense_1/kernel", "tower/dense_1/bias"]
    static let allNames = weights + ["global_step"] + weights.map { $0 + "/Momentum" }

    /// The report of the `CheckpointError.mismatch` that `body` throws.
    func mismatchReport(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> LoadReport? {
        let error = caughtError(sourceLocation: sourceLocation, body)
        guard let error else { return nil }
        guard case .mismatch(let report)? = error as? CheckpointError else {
            Issue.record("expected CheckpointError.mismatch, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
        return report
    }

    /// A checkpoint of a trained model (non-zero slots, global_step 3) and its snapshot.
    func savedModel(_ dir: F.Scratch, name: String = "model.safetensors") throws -> (URL, [String: [UInt64]]) {
        let (store, _) = try F.model(seed: 1, steps: 3)
        let url = dir.file(name)
        try Checkpoint.save(store, to: url)
        return (url, F.snapshot(store))
    }

    /// Rewrites the checkpoint at `url` into `name` after `edit`.
    func edited(
        _ url: URL, to name: String, in dir: F.Scratch, _ edit: (inout SafetensorsFile) throws -> Void
    ) throws -> URL {
        var file = try SafetensorsFile.read(from: url)
        try edit(&file)
        let out = dir.file(name)
        try file.write(to: out)
        return out
    }

    @Test("save then load into a fresh store of the same model restores every value bit-exactly")
    func roundTrip() throws {
        let dir = try F.Scratch("checkpoint")
        defer { dir.remove() }
        let (url, saved) = try savedModel(dir)
        #expect(saved.keys.sorted() == Self.allNames.sorted())
        // The file holds every variable by full name, with the format metadata.
        let file = try SafetensorsFile.read(from: url)
        #expect(file.names == Self.allNames.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(file.metadata["format"] == "towers")

        let (fresh, sgd) = try F.model(seed: 99)
        let before = F.snapshot(fresh)
        #expect(F.differences(before, saved) == Self.allNames.sorted(), "the fresh model should start elsewhere")
        let report = try Checkpoint.load(into: fresh, from: url)
        #expect(report.isClean)
        #expect(report.restored == Self.allNames.count)
        #expect(report.file == url.path)
        #expect(F.differences(F.snapshot(fresh), saved) == [])
        #expect(sgd.stepCount == 3)
        // Values are assigned in place: the variables are the same objects as before.
        #expect(fresh.allVariables.map(\.name) == Self.allNames)
    }

    @Test("metadata is written alongside the format tag")
    func metadata() throws {
        let dir = try F.Scratch("checkpoint")
        defer { dir.remove() }
        let (store, _) = try F.model(seed: 2)
        let url = dir.file("m.safetensors")
        try Checkpoint.save(store, to: url, metadata: ["step": "12", "note": "hello"])
        let file = try SafetensorsFile.read(from: url)
        #expect(file.metadata == ["format": "towers", "global_step": "0", "step": "12", "note": "hello"])
    }

    @Test("strict load of a checkpoint with a renamed variable throws, lists the names, changes nothing")
    func renamedVariable() throws {
        let dir = try F.Scratch("checkpoint")
        defer { dir.remove() }
        let (url, _) = try savedModel(dir)
        let renamed = try edited(url, to: "renamed.safetensors", in: dir) { file in
            file["tower/dense/weights"] = file["tower/dense/kernel"]
            file["tower/dense/kernel"] = nil
        }
        let (store, sgd) = try F.model(seed: 5)
        let before = F.snapshot(store)
        let report = try #require(mismatchReport { try Checkpoint.load(into: store, from: renamed) })
        #expect(report.missing == ["tower/dense/kernel"])
        #expect(report.unused == ["tower/dense/weights"])
        #expect(report.shapeMismatches.isEmpty && report.dtypeMismatches.isEmpty)
        #expect(report.restored == 0)
        #expect(!report.isClean)
        #expect(F.differences(F.snapshot(store), before) == [], "a failed load must not change the store")
        #expect(sgd.stepCount == 0)
        let message = "\(CheckpointError.mismatch(report))"
        #expect(message.contains("missing from the file: tower/dense/kernel"))
        #expect(message.contains("in the file but not in the model: tower/dense/weights"))
        #expect(message.contains("nothing was restored"))
    }

    @Test("a shape mismatch is reported and nothing is restored, whatever the options")
    func shapeMismatch() throws {
        let dir = try F.Scratch("checkpoint")
        defer { dir.remove() }
        let (url, _) = try savedModel(dir)
        let bad = try edited(url, to: "shape.safetensors", in: dir) { file in
            file.set("tower/dense/bias", try Tensor<Float>.ones([7]))
        }
        let (store, _) = try F.model(seed: 6)
        let before = F.snapshot(store)
        for options: Checkpoint.Options in [.strict, [.allowMissing, .allowUnused]] {
            let report = try #require(mismatchReport { try Checkpoint.load(into: store, from: bad, options: options) })
            #expect(report.shapeMismatches.map(\.name) == ["tower/dense/bias"])
            #expect(report.shapeMismatches.map(\.variable) == ["[5]"])
            #expect(report.shapeMismatches.map(\.file) == ["[7]"])
            #expect(report.missing.isEmpty && report.unused.isEmpty)
            #expect("\(report)".contains("shape mismatch for tower/dense/bias: model [5], file [7]"))
        }
        #expect(F.differences(F.snapshot(store), before) == [])
    }

    @Test("a dtype mismatch is reported and nothing is restored")
    func dtypeMismatch() throws {
        let dir = try F.Scratch("checkpoint")
        defer { dir.remove() }
        let (url, _) = try savedModel(dir)
        let bad = try edited(url, to: "dtype.safetensors", in: dir) { file in
            file.set("tower/dense/bias", try Tensor<Double>.ones([5]))
        }
        let (store, _) = try F.model(seed: 7)
        let before = F.snapshot(store)
        let report = try #require(mismatchReport { try Checkpoint.load(into: store, from: bad) })
        #expect(report.dtypeMismatches.map(\.name) == ["tower/dense/bias"])
        #expect(report.dtypeMismatches.first?.file == "\(DType.float64)")
        #expect(F.differences(F.snapshot(store), before) == [])
    }

    @Test(".allowMissing loads the rest and keeps the missing variable's value")
    func allowMissing() throws {
        let dir = try F.Scratch("checkpoint")
        defer { dir.remove() }
        let (url, saved) = try savedModel(dir)
        let partial = try edited(url, to: "partial.safetensors", in: dir) { $0["tower/dense_1/bias"] = nil }
        let (store, _) = try F.model(seed: 8)
        let before = F.snapshot(store)
        #expect(mismatchReport { try Checkpoint.load(into: store, from: partial) }?.missing == ["tower/dense_1/bias"])
        let report = try Checkpoint.load(into: store, from: partial, options: .allowMissing)
        #expect(report.missing == ["tower/dense_1/bias"])
        #expect(report.restored == Self.allNames.count - 1)
        let after = F.snapshot(store)
        #expect(after["tower/dense_1/bias"] == before["tower/dense_1/bias"])
        #expect(F.differences(after, saved) == ["tower/dense_1/bias"])
    }

    @Test(".allowUnused ignores extra tensors; both options load a renamed checkpoint's other variables")
    func allowUnused() throws {
        let dir = try F.Scratch("checkpoint")
        defer { dir.remove() }
        let (url, saved) = try savedModel(dir)
        let extra = try edited(url, to: "extra.safetensors", in: dir) {
            $0.set("head/kernel", try Tensor<Float>.ones([3, 2]))
        }
        // Strict: the extra tensor waits for a variable the model might still create;
        // the check once the model is built refuses it.
        let (strict, _) = try F.model(seed: 9)
        let waiting = try Checkpoint.load(into: strict, from: extra)
        #expect(waiting.pending == ["head/kernel"] && !waiting.isClean)
        let incomplete = caughtError { try Checkpoint.finishLoading(strict) }
        guard case .incomplete(let final)? = incomplete as? CheckpointError else {
            Issue.record("expected CheckpointError.incomplete, got \(String(describing: incomplete))")
            return
        }
        #expect(final.unused == ["head/kernel"] && final.missing.isEmpty)
        #expect(final.restored == Self.allNames.count)

        let (store, _) = try F.model(seed: 9)
        let report = try Checkpoint.load(into: store, from: extra, options: .allowUnused)
        #expect(report.pending == ["head/kernel"])
        #expect(report.missing.isEmpty)
        #expect(report.restored == Self.allNames.count)
        #expect(F.differences(F.snapshot(store), saved) == [])
        #expect(try Checkpoint.finishLoading(store)?.unused == ["head/kernel"])

        let renamed = try edited(url, to: "renamed.safetensors", in: dir) { file in
            file["tower/dense/weights"] = file["tower/dense/kernel"]
            file["tower/dense/kernel"] = nil
        }
        let (other, _) = try F.model(seed: 10)
        let before = F.snapshot(other)
        // One option is not enough: .allowUnused alone fails at once on the missing
        // kernel; .allowMissing alone at the check once the model is built.
        #expect(mismatchReport { try Checkpoint.load(into: other, from: renamed, options: .allowUnused) } != nil)
        #expect(F.differences(F.snapshot(other), before) == [])
        let (third, _) = try F.model(seed: 10)
        try Checkpoint.load(into: third, from: renamed, options: .allowMissing)
        #expect(caughtError { try Checkpoint.finishLoading(third) } as? CheckpointError != nil)
        let both = try Checkpoint.load(into: other, from: renamed, options: [.allowMissing, .allowUnused])
        #expect(both.restored == Self.allNames.count - 1)
        #expect(F.differences(F.snapshot(other), saved) == ["tower/dense/kernel"])
        #expect(F.snapshot(other)["tower/dense/kernel"] == before["tower/dense/kernel"])
    }

    @Test("a prefix map restores a tower checkpoint into a model built under scope encoder")
    func prefixMap() throws {
        let dir = try F.Scratch("checkpoint")
        defer { dir.remove() }
        let (url, saved) = try savedModel(dir)
        let (store, sgd) = try F.model(seed: 11, scope: "encoder")
        let encoderNames = Self.allNames.map { $0.replacingOccurrences(of: "tower/", with: "encoder/") }
        #expect(store.allVariables.map(\.name) == encoderNames)
        // Without the map nothing matches.
        let unmapped = try #require(mismatchReport { try Checkpoint.load(into: store, from: url) })
        #expect(unmapped.missing.count == 8 && unmapped.unused.count == 8)

        let report = try Checkpoint.load(into: store, from: url, prefixMap: ["tower/": "encoder/"])
        #expect(report.isClean)
        #expect(report.restored == Self.allNames.count)
        let restored = F.snapshot(store)
        for name in Self.allNames {
            let target = name.replacingOccurrences(of: "tower/", with: "encoder/")
            #expect(restored[target] == saved[name], "\(name) → \(target)")
        }
        #expect(sgd.stepCount == 3)
    }

    @Test("the longest matching prefix of the map wins")
    func longestPrefixWins() throws {
        let dir = try F.Scratch("checkpoint")
        defer { dir.remove() }
        var file = SafetensorsFile()
        file.set("a/b/x", Tensor<Double>([1, 2]))
        file.set("a/y", Tensor<Double>([3]))
        let url = dir.file("prefix.safetensors")
        try file.write(to: url)
        let store = VariableStore(seed: 1)
        let x = try store.variableScope("q") { try F.variable(store, "x", [0, 0]) }
        let y = try store.variableScope("p") { try F.variable(store, "y", [0]) }
        let report = try Checkpoint.load(into: store, from: url, prefixMap: ["a/": "p/", "a/b/": "q/"])
        #expect(report.isClean)
        #expect(x.value.scalars == [1, 2])
        #expect(y.value.scalars == [3])
    }

    @Test("corrupt, truncated, empty or missing files give an error, never a crash, and change nothing")
    func corruptFiles() throws {
        let dir = try F.Scratch("checkpoint")
        defer { dir.remove() }
        let (url, _) = try savedModel(dir)
        let bytes = try Data(contentsOf: url)
        var cases: [(String, Data)] = [
            ("empty", Data()),
            ("four bytes", Data([1, 2, 3, 4])),
            ("text", Data("this is not a checkpoint".utf8)),
            ("header only", bytes.prefix(8)),
            ("half", bytes.prefix(bytes.count / 2)),
            ("one byte short", bytes.prefix(bytes.count - 1)),
            ("one byte too many", bytes + Data([0])),
        ]
        var hugeHeader = bytes
        hugeHeader.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        cases.append(("huge header length", hugeHeader))
        var brokenJSON = bytes
        brokenJSON[8] = UInt8(ascii: "[")
        cases.append(("broken JSON", brokenJSON))

        let (store, _) = try F.model(seed: 12)
        let before = F.snapshot(store)
        for (name, data) in cases {
            let bad = dir.file("bad-\(name.replacingOccurrences(of: " ", with: "-")).safetensors")
            try data.write(to: bad)
            let error = caughtError { try Checkpoint.load(into: store, from: bad) }
            #expect(error is SafetensorsError, "\(name): \(String(describing: error))")
        }
        let missing = caughtError { try Checkpoint.load(into: store, from: dir.file("no-such-file.safetensors")) }
        #expect(missing is SafetensorsError)
        #expect(F.differences(F.snapshot(store), before) == [])
        // The intact file still loads.
        #expect(try Checkpoint.load(into: store, from: url).isClean)
    }

    @Test("files are written atomically: no temporary file is left, overwrites replace the file")
    func atomicWrites() throws {
        let dir = try F.Scratch("checkpoint")
        defer { dir.remove() }
        let (store, sgd) = try F.model(seed: 13)
        let url = dir.file("ckpt.safetensors")
        try Checkpoint.save(store, to: url)
        #expect(try dir.contents() == ["ckpt.safetensors"])
        let first = try Data(contentsOf: url)
        // Change the store and save over the same file.
        store.variable(named: "tower/dense/bias")?.tensor(as: Float.self)?.fill(with: 0.5)
        store.variable(named: "global_step")?.tensor(as: Int64.self)?.fill(with: 4)
        #expect(sgd.stepCount == 4)
        try Checkpoint.save(store, to: url)
        #expect(try dir.contents() == ["ckpt.safetensors"])
        let second = try Data(contentsOf: url)
        #expect(second != first)
        #expect(
            try SafetensorsFile.read(from: url).tensor(named: "tower/dense/bias", as: Float.self).scalars == [
                0.5, 0.5, 0.5, 0.5, 0.5,
            ])
        // Saving into a directory that does not exist fails and creates nothing.
        let nowhere = dir.url.appendingPathComponent("missing-dir/ckpt.safetensors")
        #expect(caughtError { try Checkpoint.save(store, to: nowhere) } != nil)
        #expect(try dir.contents() == ["ckpt.safetensors"])
    }
}
