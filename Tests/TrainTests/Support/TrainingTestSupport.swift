import Foundation
import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Train
import Variables

/// Fixtures shared by the optimizer, checkpoint and training tests.
enum TrainingFixtures {
    /// A fresh directory under the system temporary directory; `remove()` deletes it.
    struct Scratch {
        let url: URL

        init(_ label: String = "train") throws {
            url = FileManager.default.temporaryDirectory
                .appendingPathComponent("towers-\(label)-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }

        func file(_ name: String) -> URL { url.appendingPathComponent(name) }

        /// The names of the entries in the directory, hidden ones included, sorted.
        func contents() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        }

        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    /// A trainable `Double` variable at the root of `store` with the given value.
    static func variable(
        _ store: VariableStore, _ name: String, _ values: [Double], shape: [Int]? = nil
    )
        throws -> Variable<Double>
    {
        try store.getVariable(
            name, dtype: Double.self, initialValue: Tensor(shape: shape ?? [values.count], scalars: values))
    }

    /// `[B, in] → Dense(hidden, tanh) → Dense(out)`: fresh layers per call, so every
    /// tower of a ``SharedTowers`` shares them.
    static func towers<S: TensorScalar>(
        _ store: VariableStore, _: S.Type, scope: String = "tower", hidden: Int = 5, out: Int = 3
    ) -> SharedTowers<S> {
        SharedTowers<S>(store: store, scope: scope) { x in
            try Dense<S>(units: out)(try Dense<S>(units: hidden, activation: .tanh)(x))
        }
    }

    /// A small model with its optimizer, variables built and slots created:
    /// `scope/dense/{kernel,bias}`, `scope/dense_1/{kernel,bias}`, `global_step`, and
    /// a `…/Momentum` slot per weight. After `steps` training steps on random data,
    /// every weight has moved and slots and `global_step` hold non-zero values.
    static func model(seed: UInt64, scope: String = "tower", steps: Int = 0) throws -> (VariableStore, SGD) {
        let store = VariableStore(seed: seed)
        let towers = towers(store, Float.self, scope: scope)
        _ = try towers.embed(.zeros([1, 4]))
        let sgd = try SGD(store: store, learningRate: .constant(0.1), momentum: 0.9)
        try sgd.createSlots()
        for s in 0..<steps {
            let (a, b) = try SiameseNetwork(towers)(
                Fixture.normal([6, 4], seed: seed &+ UInt64(2 * s)),
                Fixture.normal([6, 4], seed: seed &+ UInt64(2 * s + 1)))
            // The contrastive loss alone gives the output bias no gradient (it cancels
            // in a − b); the squared-error term moves every weight.
            let loss =
                try contrastiveLoss(a, b, labels: [.same, .different, .same, .different, .same, .different])
                + meanSquaredError(a, .ones(a.shape))
            loss.backward()
            try sgd.step()
        }
        return (store, sgd)
    }

    /// Every variable's name and raw bit patterns (exact comparison, NaN-safe).
    static func snapshot(_ store: VariableStore) -> [String: [UInt64]] {
        var out: [String: [UInt64]] = [:]
        for v in store.allVariables {
            if let t = v.tensor(as: Float.self) { out[v.name] = t.scalars.map { UInt64($0.bitPattern) } }
            if let t = v.tensor(as: Double.self) { out[v.name] = t.scalars.map(\.bitPattern) }
            if let t = v.tensor(as: Int64.self) { out[v.name] = t.scalars.map { UInt64(bitPattern: $0) } }
        }
        return out
    }

    /// The names of the variables whose values differ between two snapshots
    /// (or that only one has).
    static func differences(_ a: [String: [UInt64]], _ b: [String: [UInt64]]) -> [String] {
        Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }
}

/// The error `body` throws, or `nil` (recording an issue) when it returns.
func caughtError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> (any Error)? {
    do {
        try body()
        Issue.record("expected an error, but the call returned", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
