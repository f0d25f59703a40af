/// A captured step's graph as a picture: Graphviz DOT, or SVG laid out here
/// (TensorBoard's graph view for a TF1 user). Operations are grouped by name
/// scope; each variable is drawn once, with an edge to every operation, in
/// every tower, that reads it.
package struct GraphPicture {
    package enum Kind: Equatable {
        case operation, input, variable, constant
    }

    package struct Node {
        package var id: Int
        /// The full name (`tower_1/dense/MatMul`, `tower/dense/kernel`).
        package var name: String
        /// The short label (`MatMul`, `BiasAdd + Relu`, `kernel`).
        package var label: String
        package var kind: Kind
        /// The name scope it is drawn in (`tower_1/dense`; empty at the root).
        package var scope: String
    }

    package var nodes: [Node] = []
    /// `(from, to)` node ids.
    package var edges: [(Int, Int)] = []

    /// The graph of `instructions`; `names` names the tensors that no operation
    /// made (inputs, variables), and `isVariable` tells which are variables.
    package init(instructions: [Instruction], names: [ObjectIdentifier: String], isVariable: (ObjectIdentifier) -> Bool)
    {
        var nodeOf: [ObjectIdentifier: Int] = [:]
        var byName: [String: Int] = [:]
        func add(_ name: String, _ label: String, _ kind: Kind, scope: String) -> Int {
            if kind != .operation, let existing = byName[name] { return existing }
            let node = Node(id: nodes.count, name: name, label: label, kind: kind, scope: scope)
            nodes.append(node)
            byName[name] = node.id
            return node.id
        }
        var constants = 0
        for instruction in instructions {
            var inputs: [Int] = []
            for input in instruction.inputs {
                if let n = nodeOf[input] {
                    inputs.append(n)
                } else if let name = names[input] {
                    let variable = isVariable(input)
                    let n = add(
                        name, Self.lastComponent(name), variable ? .variable : .input,
                        scope: variable ? Self.parent(name) : "")
                    nodeOf[input] = n
                    inputs.append(n)
                } else {
                    let name = constants == 0 ? "Const" : "Const_\(constants)"
                    constants += 1
                    let n = add(name, "Const", .constant, scope: Self.parent(instruction.name))
                    nodeOf[input] = n
                    inputs.append(n)
                }
            }
            let label = instruction.detail.isEmpty ? "\(instruction.type)" : "\(instruction.type) \(instruction.detail)"
            let n = add(instruction.name, label, .operation, scope: Self.parent(instruction.name))
            if !instruction.hasSideEffect { nodeOf[instruction.outputID] = n }
            for i in inputs where !edges.contains(where: { $0 == (i, n) }) { edges.append((i, n)) }
        }
    }

    static func parent(_ name: String) -> String {
        guard let slash = name.lastIndex(of: "/") else { return "" }
        return String(name[..<slash])
    }

    static func lastComponent(_ name: String) -> String {
        guard let slash = name.lastIndex(of: "/") else { return name }
        return String(name[name.index(after: slash)...])
    }

    // MARK: Graphviz

    /// The graph in Graphviz's DOT language: a cluster per name scope (nested),
    /// operations as boxes, inputs as ellipses, variables as cylinders.
    package var dot: String {
        var out = ["digraph captured_step {", "  rankdir=LR;", "  node [fontname=\"Helvetica\", fontsize=10];"]
        // The scope tree: every scope path with the nodes directly in it.
        var members: [String: [Node]] = [:]
        for node in nodes { members[node.scope, default: []].append(node) }
        var children: [String: [String]] = [:]
        for scope in members.keys where !scope.isEmpty {
            var path = scope
            while !path.isEmpty {
                let up = Self.parent(path)
                if !(children[up]?.contains(path) ?? false) { children[up, default: []].append(path) }
                path = up
            }
        }
        func emit(_ scope: String, indent: String) {
            for node in members[scope] ?? [] { out.append(indent + Self.dotNode(node)) }
            for child in (children[scope] ?? []).sorted() {
                out.append(indent + "subgraph \"cluster_\(Self.quoted(child))\" {")
                out.append(
                    indent + "  label=\"\(Self.quoted(Self.lastComponent(child)))\"; style=rounded; color=gray60;")
                emit(child, indent: indent + "  ")
                out.append(indent + "}")
            }
        }
        emit("", indent: "  ")
        for (a, b) in edges {
            let shared = nodes[a].kind == .variable && nodeReaders(a).count > 1
            out.append("  n\(a) -> n\(b)" + (shared ? " [color=\"#c0392b\"];" : ";"))
        }
        out.append("}")
        return out.joined(separator: "\n") + "\n"
    }

    private static func dotNode(_ node: Node) -> String {
        let shape: String
        switch node.kind {
        case .operation: shape = "box, style=\"rounded,filled\", fillcolor=\"#eaf2fb\""
        case .input: shape = "ellipse, style=filled, fillcolor=\"#fdf2d0\""
        case .variable: shape = "cylinder, style=filled, fillcolor=\"#fbe3e0\""
        case .constant: shape = "plaintext"
        }
        return "n\(node.id) [label=\"\(quoted(node.label))\", tooltip=\"\(quoted(node.name))\", shape=\(shape)];"
    }

    func nodeReaders(_ id: Int) -> Set<String> {
        Set(edges.filter { $0.0 == id }.map { Self.topScope(nodes[$0.1].scope) })
    }

    static func topScope(_ scope: String) -> String {
        String(scope.split(separator: "/").first ?? "")
    }

    /// Text for a DOT string: `"` and `\\` escaped.
    static func quoted(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"")
    }

    /// Text for XML: `&`, `<`, `>` and `"` as entities.
    static func xml(_ text: String) -> String {
        text.replacingAll("&", with: "&amp;").replacingAll("<", with: "&lt;").replacingAll(">", with: "&gt;")
            .replacingAll("\"", with: "&quot;")
    }
}

extension String {
    /// Every occurrence of `target` replaced (without Foundation).
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
