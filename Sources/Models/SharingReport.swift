public import TowersCore
public import Variables

/// Every variable of a store with its name, shape, dtype, trainable flag and the
/// towers or call sites that used it, and the model's parameter count with each
/// shared variable counted once.
///
/// It also flags the silent failure of sharing: in a model with several towers,
/// a trainable variable used by only one of them usually means a tower was built
/// twice inside one scope entry (`dense`, `dense_1`, … instead of `dense` again).
///
/// ```swift
/// print(SharingReport(store: store))
/// ```
public struct SharingReport: Sendable, CustomStringConvertible {
    public struct Row: Sendable {
        public var name: String
        public var shape: [Int]
        public var dtype: DType
        public var trainable: Bool
        public var parameters: Int
        /// Distinct labels of the calls that got this variable, in first-use order.
        public var usedBy: [String]
    }

    public let rows: [Row]

    public init(store: VariableStore) {
        rows = store.allVariables.map { v in
            var seen: [String] = []
            for label in store.uses(of: v) where !seen.contains(label) { seen.append(label) }
            return Row(
                name: v.name, shape: v.shape, dtype: v.dtype, trainable: v.trainable, parameters: v.parameterCount,
                usedBy: seen)
        }
    }

    /// All parameters, each variable counted once.
    public var totalParameters: Int { rows.reduce(0) { $0 + $1.parameters } }
    /// Trainable parameters, each variable counted once.
    public var trainableParameters: Int { rows.filter(\.trainable).reduce(0) { $0 + $1.parameters } }
    /// Trainable variables used by exactly one tower while the model has several
    /// towers: either other variables are shared and these are not, or (both
    /// towers built in one scope entry) nothing is shared at all.
    public var unsharedSuspects: [Row] {
        let towers = Set(rows.flatMap { $0.usedBy.filter { $0.hasPrefix("tower ") } })
        guard towers.count > 1 else { return [] }
        return rows.filter { $0.trainable && $0.usedBy.count == 1 && $0.usedBy[0].hasPrefix("tower ") }
    }

    public var description: String {
        let header = ["variable", "shape", "dtype", "trainable", "params", "used by"]
        let body = rows.map { r in
            [
                r.name, "\(r.shape)", "\(r.dtype)", r.trainable ? "yes" : "no", "\(r.parameters)",
                r.usedBy.joined(separator: ", "),
            ]
        }
        let widths = header.indices.map { i in ([header] + body).map { $0[i].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = [line(header), line(widths.map { String(repeating: "-", count: $0) })] + body.map(line)
        out.append(
            "total parameters: \(totalParameters) (trainable \(trainableParameters)), shared variables counted once")
        for r in unsharedSuspects {
            out.append(
                "warning: \(r.name) was used by \(r.usedBy[0]) only; were two towers built in one scope entry (dense, dense_1 instead of dense)?"
            )
        }
        return out.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
