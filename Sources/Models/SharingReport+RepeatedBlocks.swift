/// Layers created in one entry of a scope that repeat an earlier block of
/// layers: the trace of a tower built twice in one scope entry, where the
/// second build gets new default names (`dense_2`, `dense_3`) instead of
/// sharing `dense`, `dense_1`.
///
/// Found from names and shapes alone: the layer scopes directly under one scope
/// (`tower/dense`, `tower/dense_1`, …, in creation order) that split into two or
/// more identical consecutive blocks, each layer matching its counterpart's
/// kind (its name without the `_N` suffix), variable names and shapes, where
/// the first block's layers have the kinds' first default names (`dense`, not
/// `dense_4`). A block that could be stacked on itself, whose first `kernel`'s
/// input size (its next-to-last dimension) equals its last `kernel`'s output
/// size (its last dimension), is not reported: `64 → 64 → 64` is a deep tower,
/// not two towers. Blocks without a `kernel` are not reported.
///
/// ```swift
/// for block in SharingReport(store: store).repeatedBlocks { print(block) }
/// ```
public struct RepeatedBlock: Sendable, Equatable, CustomStringConvertible {
    /// The scope they were created in (empty at the root).
    public var scope: String
    /// The layer scopes of the first block (`tower/dense`, `tower/dense_1`).
    public var first: [String]
    /// The layer scopes of each later block (`[tower/dense_2, tower/dense_3]`).
    public var repeats: [[String]]

    public init(scope: String, first: [String], repeats: [[String]]) {
        self.scope = scope
        self.first = first
        self.repeats = repeats
    }

    public var description: String {
        let place = scope.isEmpty ? "at the root" : "in scope '\(scope)'"
        let again = repeats.map { $0.joined(separator: ", ") }.joined(separator: "; ")
        return "\(again) repeat \(first.joined(separator: ", ")) (same layers and shapes) \(place): "
            + "were two towers built in one scope entry? Enter the scope once per tower (reuse: .autoReuse) "
            + "or use SharedTowers."
    }

    /// One layer scope: its full name, kind and variables (name below it, shape).
    struct Layer {
        var scope: String
        var kind: String
        var variables: [(String, [Int])]

        func matches(_ other: Layer) -> Bool {
            kind == other.kind && variables.count == other.variables.count
                && zip(variables, other.variables).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        }
    }

    static func find(in rows: [SharingReport.Row]) -> [RepeatedBlock] {
        // Layer scopes by parent scope, in creation order; a layer scope is every
        // prefix of a variable's name, so nested layers are checked in their parents.
        var parents: [String] = []
        var layers: [String: [Layer]] = [:]
        for row in rows {
            let parts = row.name.split(separator: "/").map(String.init)
            guard parts.count >= 2 else { continue }
            for depth in 0..<(parts.count - 1) {
                let parent = parts[..<depth].joined(separator: "/")
                let scope = parts[...depth].joined(separator: "/")
                let below = parts[(depth + 1)...].joined(separator: "/")
                if layers[parent] == nil {
                    parents.append(parent)
                    layers[parent] = []
                }
                if let i = layers[parent]!.firstIndex(where: { $0.scope == scope }) {
                    layers[parent]![i].variables.append((below, row.shape))
                } else {
                    layers[parent]!.append(
                        Layer(scope: scope, kind: parts[depth].strippingNumericSuffix, variables: [(below, row.shape)]))
                }
            }
        }
        return parents.compactMap { parent in block(in: layers[parent]!, scope: parent) }
    }

    /// The shortest block that the layers repeat, if it cannot stack on itself.
    static func block(in layers: [Layer], scope: String) -> RepeatedBlock? {
        let n = layers.count
        for length in 1...Swift.max(1, n / 2) where n % length == 0 && n / length >= 2 {
            let first = Array(layers[..<length])
            let repeated = (1..<(n / length)).allSatisfy { k in
                (0..<length).allSatisfy { layers[k * length + $0].matches(first[$0]) }
            }
            guard repeated else { continue }
            // The first block has the first default names of its kinds.
            var seen: [String: Int] = [:]
            for layer in first {
                let expected = seen[layer.kind].map { "\(layer.kind)_\($0)" } ?? layer.kind
                guard layer.scope.split(separator: "/").last.map(String.init) == expected else { return nil }
                seen[layer.kind, default: 0] += 1
            }
            let kernels = first.flatMap { $0.variables.filter { $0.0.hasSuffix("kernel") && $0.1.count >= 2 } }
            guard let input = kernels.first?.1, let output = kernels.last?.1,
                input[input.count - 2] != output[output.count - 1]
            else { return nil }
            return RepeatedBlock(
                scope: scope, first: first.map(\.scope),
                repeats: (1..<(n / length)).map { k in (0..<length).map { layers[k * length + $0].scope } })
        }
        return nil
    }
}
