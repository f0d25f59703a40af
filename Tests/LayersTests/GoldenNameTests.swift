import Foundation
import Layers
import Testing
import TowersCore
import Variables

/// The golden files: `Golden/<id>.txt`, one line per variable a registry entry
/// creates at the root of a fresh store (`name shape dtype trainable`), in
/// creation order. Renaming or reshaping a variable breaks checkpoints, so it must
/// break a test.
enum Golden {
    static let environmentKey = "TOWERS_UPDATE_GOLDEN"

    /// Whether this run rewrites the golden files instead of comparing.
    static var updating: Bool { ProcessInfo.processInfo.environment[environmentKey] == "1" }

    /// The golden directory in the source tree (written when updating).
    static let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden", isDirectory: true)

    /// The golden directory copied into the test bundle (read when comparing).
    static var bundleDirectory: URL? { Bundle.module.url(forResource: "Golden", withExtension: nil) }

    static func read(_ id: String) -> String? {
        guard let dir = bundleDirectory else { return nil }
        return try? String(contentsOf: dir.appendingPathComponent("\(id).txt"), encoding: .utf8)
    }

    static func write(_ id: String, _ text: String) throws {
        try FileManager.default.createDirectory(at: sourceDirectory, withIntermediateDirectories: true)
        try text.write(to: sourceDirectory.appendingPathComponent("\(id).txt"), atomically: true, encoding: .utf8)
    }

    /// How to regenerate, for failure messages.
    static func howToUpdate(_ id: String) -> String {
        "If the change is intended, regenerate with `\(environmentKey)=1 swift test --filter LayersTests` "
            + "(it rewrites Tests/LayersTests/Golden/\(id).txt in the source tree) and review the diff."
    }

    /// One line per variable: `dense/kernel [4, 3] Float32 true`.
    static func lines(_ store: VariableStore) -> [String] {
        store.allVariables.map { "\($0.name) \($0.shape) \($0.dtype) \($0.trainable)" }
    }
}

@Suite("Golden variable names and shapes")
struct GoldenNameTests {
    /// Builds the entry at the root of a fresh store, in `T`.
    static func build<T: TensorScalar>(_ c: LayerCase, _: T.Type) throws -> VariableStore {
        let store = VariableStore(seed: 1)
        let x: Tensor<T> = try c.input(seed: 1)
        _ = try store.asDefault { try c.apply(x) }
        return store
    }

    @Test("variables match Golden/<id>.txt", arguments: registry.map(\.id))
    func variablesMatchGolden(id: String) throws {
        let c = layerCase(id)
        let store = try Self.build(c, Float.self)
        let actual = Golden.lines(store)
        let text = actual.map { $0 + "\n" }.joined()
        if Golden.updating {
            try Golden.write(id, text)
            return
        }
        guard let golden = Golden.read(id) else {
            Issue.record("No golden file Golden/\(id).txt. \(Golden.howToUpdate(id))")
            return
        }
        let expected = golden.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        if actual != expected {
            Issue.record(
                """
                Variables of \(id) differ from Golden/\(id).txt.
                expected:
                \(expected.joined(separator: "\n"))
                actual:
                \(actual.joined(separator: "\n"))
                \(Golden.howToUpdate(id))
                """)
        }
        #expect(c.hasWeights == !actual.isEmpty, "the registry's hasWeights flag of \(id) is wrong")
        // getVariable keys are the names (nothing took them before).
        #expect(store.allVariables.allSatisfy { $0.key == $0.name })
    }

    @Test("a Double build has the golden names and shapes, with Float64", arguments: weightedIDs)
    func doubleBuildMatches(id: String) throws {
        let c = layerCase(id)
        let floats = Golden.lines(try Self.build(c, Float.self))
        let doubles = Golden.lines(try Self.build(c, Double.self))
        #expect(doubles == floats.map { $0.replacingOccurrences(of: " Float32 ", with: " Float64 ") })
        #expect(doubles.allSatisfy { $0.contains(" Float64 ") })
    }

    @Test("every golden file belongs to a registry entry")
    func noStaleGoldenFiles() throws {
        let dir = try #require(Golden.bundleDirectory, "the test bundle has no Golden directory")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".txt") }
        let ids = Set(registry.map(\.id))
        #expect(Set(registry.map(\.id)).count == registry.count, "registry ids must be unique")
        for file in files {
            #expect(ids.contains(String(file.dropLast(4))), "Golden/\(file) has no registry entry: delete it")
        }
        if !Golden.updating { #expect(files.count == registry.count) }
    }

    /// The names TF1 gives, spelled out (a reviewed excerpt of the golden files,
    /// so regenerating them cannot silently accept a rename).
    @Test("TF1 names for the main layers")
    func tfNames() throws {
        func names(_ id: String) throws -> [String] {
            try Golden.lines(Self.build(layerCase(id), Float.self)).map { String($0.split(separator: " ")[0]) }
        }
        #expect(try names("dense") == ["dense/kernel", "dense/bias"])
        #expect(try names("dense_without_bias") == ["dense/kernel"])
        #expect(try names("tied_dense") == ["dense/kernel", "dense/bias", "tied_dense/bias"])
        #expect(try names("embedding") == ["embedding/embeddings"])
        #expect(try names("conv2d_valid") == ["conv2d/kernel", "conv2d/bias"])
        // tf.contrib.layers.layer_norm: scope LayerNorm, beta created before gamma.
        #expect(try names("layer_norm") == ["LayerNorm/beta", "LayerNorm/gamma"])
        #expect(
            try names("batch_norm_training") == [
                "batch_normalization/gamma", "batch_normalization/beta", "batch_normalization/moving_mean",
                "batch_normalization/moving_variance",
            ])
        #expect(try names("lstm_cell") == ["lstm_cell/kernel", "lstm_cell/bias"])
        #expect(
            try names("gru_cell") == [
                "gru_cell/gates/kernel", "gru_cell/gates/bias", "gru_cell/candidate/kernel", "gru_cell/candidate/bias",
            ])
        #expect(try names("lstm_unrolled") == ["rnn/lstm_cell/kernel", "rnn/lstm_cell/bias"])
        // TF1's dynamic_rnn and bidirectional_dynamic_rnn.
        #expect(try names("rnn_lstm") == ["rnn/lstm_cell/kernel", "rnn/lstm_cell/bias"])
        #expect(
            try names("rnn_gru") == [
                "rnn/gru_cell/gates/kernel", "rnn/gru_cell/gates/bias", "rnn/gru_cell/candidate/kernel",
                "rnn/gru_cell/candidate/bias",
            ])
        #expect(
            try names("bidirectional_rnn") == [
                "bidirectional_rnn/fw/lstm_cell/kernel", "bidirectional_rnn/fw/lstm_cell/bias",
                "bidirectional_rnn/bw/gru_cell/gates/kernel", "bidirectional_rnn/bw/gru_cell/gates/bias",
                "bidirectional_rnn/bw/gru_cell/candidate/kernel", "bidirectional_rnn/bw/gru_cell/candidate/bias",
            ])
        #expect(try names("reshape") == [])
        #expect(
            try names("sequential") == [
                "dense/kernel", "dense/bias", "LayerNorm/beta", "LayerNorm/gamma", "dense_1/kernel", "dense_1/bias",
            ])
    }
}
