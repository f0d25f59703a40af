public import TowersCore
public import Variables

/// Every variable of a store with its name, shape, dtype, trainable flag and the
/// towers or call sites that used it, and the model's parameter count with each
/// shared variable counted once.
///
/// - **Totals** count the model's variables only: optimizer slots (a
///   non-trainable variable named `<variable>/<Name>` with that variable's shape,
///   such as `tower/dense/kernel/Momentum` or `…/Adam_1`) and the counters
///   `global_step`, `beta1_power` and `beta2_power` are listed as optimizer state
///   and counted apart.
/// - **Tied uses** (a `TiedDense` decoder reading its encoder's kernel) are
///   shown in the `used by` column as `tied: <layer scope>`.
/// - **Warnings** flag the silent failure of sharing, two ways:
///   1. with tower labels (``SharedTowers``, or `VariableUse.label` set by
///      hand): a trainable variable used by one tower while the model has
///      several (``unsharedSuspects``);
///   2. without labels (hand-written scopes): layers created in one entry of a
///      scope that repeat as a block, `dense, dense_1` then `dense_2, dense_3`
///      with the same kinds, variable names and shapes, where the block cannot
///      be a stack of itself (its first kernel's input size differs from its
///      last kernel's output size) (``repeatedBlocks``).
///
/// ```swift
/// print(SharingReport(store: store))
/// ```
public struct SharingReport: Sendable, CustomStringConvertible {
    public struct Row: Sendable {
        /// What a variable is to the model.
        public enum Kind: Sendable, Equatable {
            /// A weight or statistic of the model.
            case model
            /// An optimizer slot of the named variable.
            case slot(of: String)
            /// An optimizer counter (`global_step`, `beta1_power`, `beta2_power`).
            case counter
        }
        public var name: String
        public var shape: [Int]
        public var dtype: DType
        public var trainable: Bool
        public var parameters: Int
        /// Distinct labels of the calls that got this variable, in first-use order
        /// (tied uses excluded).
        public var usedBy: [String]
        /// The scopes of layers that use this variable tied (`TiedDense`).
        public var tiedBy: [String]
        public var kind: Kind
    }

    public let rows: [Row]

    public init(store: VariableStore) {
        let variables = store.allVariables
        let byName = Dictionary(variables.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        rows = variables.map { v in
            var used: [String] = [], tied: [String] = []
            for label in store.uses(of: v) {
                if label.hasPrefix("tied: ") {
                    let scope = String(label.dropFirst("tied: ".count))
                    if !tied.contains(scope) { tied.append(scope) }
                } else if !used.contains(label) {
                    used.append(label)
                }
            }
            return Row(
                name: v.name, shape: v.shape, dtype: v.dtype, trainable: v.trainable, parameters: v.parameterCount,
                usedBy: used, tiedBy: tied, kind: Self.kind(of: v, in: byName))
        }
    }

    /// The optimizer counters' names, each optionally with TF's `_N` suffix.
    package static let counterNames: Set<String> = ["global_step", "beta1_power", "beta2_power"]

    static func kind(of v: any AnyVariable, in byName: [String: any AnyVariable]) -> Row.Kind {
        guard !v.trainable else { return .model }
        let base = v.name.strippingNumericSuffix
        if v.shape.isEmpty && counterNames.contains(base) { return .counter }
        if let slash = v.name.lastIndex(of: "/") {
            let owner = String(v.name[..<slash])
            if let o = byName[owner], o.trainable, o.shape == v.shape { return .slot(of: owner) }
        }
        return .model
    }

    /// The model's rows: every variable but optimizer slots and counters.
    public var modelRows: [Row] { rows.filter { $0.kind == .model } }

    /// The model's parameters (trainable or not), each variable counted once;
    /// optimizer slots and counters excluded.
    public var totalParameters: Int { modelRows.reduce(0) { $0 + $1.parameters } }
    /// Trainable parameters, each variable counted once.
    public var trainableParameters: Int { modelRows.filter(\.trainable).reduce(0) { $0 + $1.parameters } }
    /// The elements of optimizer slots and counters.
    public var optimizerStateParameters: Int { rows.filter { $0.kind != .model }.reduce(0) { $0 + $1.parameters } }

    /// Trainable variables used by exactly one tower while the model has several
    /// towers: either other variables are shared and these are not, or (both
    /// towers built in one scope entry) nothing is shared at all.
    public var unsharedSuspects: [Row] {
        let towers = Set(rows.flatMap { $0.usedBy.filter { $0.hasPrefix("tower ") } })
        guard towers.count > 1 else { return [] }
        return modelRows.filter { $0.trainable && $0.usedBy.count == 1 && $0.usedBy[0].hasPrefix("tower ") }
    }

    /// Layers that repeat an earlier block of layers in one entry of a scope (see
    /// the type's documentation): the mark of a tower built twice in one entry.
    public var repeatedBlocks: [RepeatedBlock] { RepeatedBlock.find(in: modelRows) }

    public var description: String {
        let header = ["variable", "shape", "dtype", "trainable", "params", "used by"]
        func usedBy(_ r: Row) -> String {
            let parts = r.usedBy + r.tiedBy.map { "tied: \($0)" }
            switch r.kind {
            case .model: return parts.joined(separator: ", ")
            case .slot(let owner): return "optimizer slot of \(owner)"
            case .counter: return "optimizer counter"
            }
        }
        let body = rows.map { r in
            [r.name, "\(r.shape)", "\(r.dtype)", r.trainable ? "yes" : "no", "\(r.parameters)", usedBy(r)]
        }
        let widths = header.indices.map { i in ([header] + body).map { $0[i].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = [line(header), line(widths.map { String(repeating: "-", count: $0) })] + body.map(line)
        out.append(
            "total parameters: \(totalParameters) (trainable \(trainableParameters)), shared variables counted once")
        let state = rows.filter { $0.kind != .model }
        if !state.isEmpty {
            out.append("optimizer state (not counted): \(optimizerStateParameters) in \(state.count) variable(s)")
        }
        for r in unsharedSuspects {
            out.append(
                "warning: \(r.name) was used by \(r.usedBy[0]) only; were two towers built in one scope entry (dense, dense_1 instead of dense)?"
            )
        }
        for block in repeatedBlocks { out.append("warning: \(block)") }
        return out.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }

    /// `dense_3` → `dense`; `dense` → `dense`.
    package var strippingNumericSuffix: String {
        guard let underscore = lastIndex(of: "_"), index(after: underscore) < endIndex,
            self[index(after: underscore)...].allSatisfy(\.isNumber)
        else { return self }
        return String(self[..<underscore])
    }
}
