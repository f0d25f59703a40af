extension GraphPicture {
    /// Where each node goes: a column by depth (each operation one column right
    /// of its deepest input), a band per top-level name scope (a tower, the
    /// loss), and a band of variables below the first tower, each variable in
    /// the column of its first reader, so its edges reach every tower that reads it.
    private struct Layout {
        var column: [Int: Int] = [:]
        var band: [Int: String] = [:]
        var bands: [String] = []
    }

    private static let variablesBand = "\u{1}variables"

    private func layout() -> Layout {
        var l = Layout()
        var readers: [Int: [Int]] = [:]
        var inputsOf: [Int: [Int]] = [:]
        for (a, b) in edges {
            readers[a, default: []].append(b)
            inputsOf[b, default: []].append(a)
        }
        for node in nodes where node.kind == .operation {
            let deepest = (inputsOf[node.id] ?? []).compactMap { nodes[$0].kind == .operation ? l.column[$0] : 0 }
            l.column[node.id] = (deepest.max() ?? 0) + 1
            let top = Self.topScope(node.scope)
            l.band[node.id] = top
            if !l.bands.contains(top) { l.bands.append(top) }
        }
        // The loss and other root operations go last; the variables after the first tower.
        if let root = l.bands.firstIndex(of: "") { l.bands.append(l.bands.remove(at: root)) }
        if nodes.contains(where: { $0.kind == .variable }) {
            l.bands.insert(Self.variablesBand, at: min(1, l.bands.count))
        }
        for node in nodes where node.kind == .input || node.kind == .variable {
            guard let first = readers[node.id]?.min() else { continue }
            l.column[node.id] = node.kind == .input ? 0 : (l.column[first] ?? 1)
            l.band[node.id] = node.kind == .input ? (l.band[first] ?? "") : Self.variablesBand
        }
        return l
    }

    /// The graph as an SVG picture (constants left out).
    package var svg: String {
        let l = layout()
        let nodeWidth = 128.0, nodeHeight = 24.0, columnWidth = 160.0, rowHeight = 34.0
        let margin = 20.0, bandGap = 30.0, bandTitle = 34.0
        // Row of each node within its band and column; band heights.
        var row: [Int: Int] = [:]
        var used: [String: [Int: Int]] = [:]
        for node in nodes {
            guard let band = l.band[node.id], let column = l.column[node.id] else { continue }
            row[node.id] = used[band, default: [:]][column, default: 0]
            used[band, default: [:]][column, default: 0] += 1
        }
        var bandTop: [String: Double] = [:]
        var y = margin
        for band in l.bands {
            bandTop[band] = y
            let rows = used[band]?.values.max() ?? 1
            y += bandTitle + Double(rows) * rowHeight + bandGap
        }
        let columns = (l.column.values.max() ?? 0) + 1
        let width = margin * 2 + Double(columns) * columnWidth, height = y + margin
        func origin(_ id: Int) -> (x: Double, y: Double)? {
            guard let band = l.band[id], let column = l.column[id], let r = row[id], let top = bandTop[band] else {
                return nil
            }
            return (margin + Double(column) * columnWidth, top + bandTitle + Double(r) * rowHeight)
        }
        func f(_ v: Double) -> String { String(Int(v.rounded())) }

        var out: [String] = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
                + "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">",
            "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" "
                + "markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#7f8c8d\"/></marker></defs>",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
        ]
        // Scope boxes: each band, and each second-level scope inside it.
        var boxes: [(name: String, depth: Int, ids: [Int])] = []
        for band in l.bands {
            let ids = nodes.filter { l.band[$0.id] == band }.map(\.id)
            let title = band == Self.variablesBand ? "variables" : (band.isEmpty ? "(root)" : band)
            boxes.append((title, 0, ids))
            var inner: [String: [Int]] = [:]
            var order: [String] = []
            for id in ids {
                let scope = nodes[id].scope.split(separator: "/")
                let key = band == Self.variablesBand ? nodes[id].scope : scope.prefix(2).joined(separator: "/")
                guard scope.count >= 2 || band == Self.variablesBand, !key.isEmpty else { continue }
                if inner[key] == nil { order.append(key) }
                inner[key, default: []].append(id)
            }
            for key in order { boxes.append((key, 1, inner[key]!)) }
        }
        for box in boxes {
            let points = box.ids.compactMap(origin)
            guard let minX = points.map(\.x).min(), let maxX = points.map(\.x).max(),
                let minY = points.map(\.y).min(), let maxY = points.map(\.y).max()
            else { continue }
            let pad = box.depth == 0 ? 12.0 : 5.0, top = box.depth == 0 ? bandTitle : 14.0
            let x = minX - pad, yy = minY - top, w = maxX - minX + nodeWidth + 2 * pad
            let h = maxY - minY + nodeHeight + top + pad
            let fill = box.depth == 0 ? "#f7f9fa" : "#eef3f6"
            out.append(
                "<rect x=\"\(f(x))\" y=\"\(f(yy))\" width=\"\(f(w))\" height=\"\(f(h))\" rx=\"8\" fill=\"\(fill)\" "
                    + "stroke=\"#b6c3cc\"/>")
            out.append(
                "<text x=\"\(f(x + 6))\" y=\"\(f(yy + 12))\" fill=\"#51606b\" font-size=\"\(box.depth == 0 ? 12 : 10)\" "
                    + "font-weight=\"\(box.depth == 0 ? "bold" : "normal")\">\(Self.xml(box.name))</text>")
        }
        // Edges under the nodes; a variable's edges to several towers in red.
        for (a, b) in edges {
            guard let p = origin(a), let q = origin(b) else { continue }
            let shared = nodes[a].kind == .variable && nodeReaders(a).count > 1
            let color = shared ? "#c0392b" : "#7f8c8d"
            let path: String
            if nodes[a].kind == .variable {
                // From the variable's top or bottom edge to the reader's facing edge.
                let down = q.y > p.y
                let x1 = p.x + nodeWidth / 2, y1 = down ? p.y + nodeHeight : p.y
                let x2 = q.x + nodeWidth / 2, y2 = down ? q.y : q.y + nodeHeight
                path = "M\(f(x1)),\(f(y1)) C\(f(x1)),\(f((y1 + y2) / 2)) \(f(x2)),\(f((y1 + y2) / 2)) \(f(x2)),\(f(y2))"
            } else {
                let x1 = p.x + nodeWidth, y1 = p.y + nodeHeight / 2, x2 = q.x, y2 = q.y + nodeHeight / 2
                let dx = max(20, (x2 - x1) / 2)
                path = "M\(f(x1)),\(f(y1)) C\(f(x1 + dx)),\(f(y1)) \(f(x2 - dx)),\(f(y2)) \(f(x2)),\(f(y2))"
            }
            out.append(
                "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(shared ? "1.4" : "1")\" "
                    + "marker-end=\"url(#arrow)\"/>")
        }
        for node in nodes {
            guard let p = origin(node.id) else { continue }
            let (fill, stroke, rx): (String, String, Int)
            switch node.kind {
            case .operation: (fill, stroke, rx) = ("#eaf2fb", "#5b8db8", 5)
            case .input: (fill, stroke, rx) = ("#fdf2d0", "#c9a227", 12)
            case .variable: (fill, stroke, rx) = ("#fbe3e0", "#c0392b", 2)
            case .constant: continue
            }
            out.append("<g><title>\(Self.xml(node.name))</title>")
            out.append(
                "<rect x=\"\(f(p.x))\" y=\"\(f(p.y))\" width=\"\(f(nodeWidth))\" height=\"\(f(nodeHeight))\" "
                    + "rx=\"\(rx)\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>")
            let label = node.label.count > 22 ? String(node.label.prefix(21)) + "…" : node.label
            out.append(
                "<text x=\"\(f(p.x + nodeWidth / 2))\" y=\"\(f(p.y + 16))\" text-anchor=\"middle\">"
                    + "\(Self.xml(label))</text></g>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}
