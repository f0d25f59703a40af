import Foundation
public import TowersCore

/// Small, dependency-free SVG charts for training reports.
///
/// ```swift
/// let svg = SVGPlot.lineChart(losses, title: "contrastive loss")
/// try AtomicFile.write(Data(svg.utf8), to: url)
/// ```
public enum SVGPlot {
    static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    /// A scatter plot of 2-D points coloured by integer class, with a legend.
    public static func scatter(_ points: [(x: Double, y: Double, label: Int)], title: String) -> String {
        let (w, h, pad) = (640.0, 520.0, 40.0)
        let xs = points.map(\.x), ys = points.map(\.y)
        let (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1), (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        func sx(_ x: Double) -> Double { pad + (x - x0) / Swift.max(x1 - x0, 1e-12) * (w - 2 * pad - 80) }
        func sy(_ y: Double) -> Double { h - pad - (y - y0) / Swift.max(y1 - y0, 1e-12) * (h - 2 * pad) }
        var svg = header(w, h, title)
        for p in points {
            svg +=
                "<circle cx=\"\(fmt(sx(p.x)))\" cy=\"\(fmt(sy(p.y)))\" r=\"3\" fill=\"\(palette[p.label % 10])\" fill-opacity=\"0.75\"/>\n"
        }
        for (i, label) in Set(points.map(\.label)).sorted().enumerated() {
            let y = pad + Double(i) * 20
            svg += "<circle cx=\"\(fmt(w - 90))\" cy=\"\(fmt(y))\" r=\"5\" fill=\"\(palette[label % 10])\"/>"
            svg += "<text x=\"\(fmt(w - 80))\" y=\"\(fmt(y + 4))\" font-size=\"12\">digit \(label)</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// A line chart of `values` by index, with a moving average over `smoothing` points.
    public static func lineChart(_ values: [Float], title: String, smoothing: Int = 25) -> String {
        let (w, h, pad) = (640.0, 400.0, 50.0)
        var smooth: [Double] = []
        var sum = 0.0
        for (i, v) in values.enumerated() {
            sum += Double(v)
            if i >= smoothing { sum -= Double(values[i - smoothing]) }
            smooth.append(sum / Double(Swift.min(i + 1, smoothing)))
        }
        let top = smooth.max() ?? 1, n = Swift.max(values.count - 1, 1)
        func sx(_ i: Int) -> Double { pad + Double(i) / Double(n) * (w - 2 * pad) }
        func sy(_ v: Double) -> Double { h - pad - v / Swift.max(top, 1e-12) * (h - 2 * pad) }
        var svg = header(w, h, title)
        svg += "<line x1=\"\(pad)\" y1=\"\(h - pad)\" x2=\"\(w - pad)\" y2=\"\(h - pad)\" stroke=\"black\"/>\n"
        svg += "<line x1=\"\(pad)\" y1=\"\(pad)\" x2=\"\(pad)\" y2=\"\(h - pad)\" stroke=\"black\"/>\n"
        svg +=
            "<text x=\"\(w / 2)\" y=\"\(h - 12)\" font-size=\"12\" text-anchor=\"middle\">step (0 … \(values.count))</text>\n"
        svg += "<text x=\"8\" y=\"\(pad - 8)\" font-size=\"12\">\(fmt(top))</text>\n"
        svg += "<text x=\"8\" y=\"\(h - pad)\" font-size=\"12\">0</text>\n"
        let stride = Swift.max(1, smooth.count / 600)
        let points = Swift.stride(from: 0, to: smooth.count, by: stride).map { "\(fmt(sx($0))),\(fmt(sy(smooth[$0])))" }
        svg +=
            "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>\n"
        return svg + "</svg>\n"
    }

    /// The projection of the rows of `x` (`[N, D]`) on their first two principal
    /// components (power iteration on the covariance, seeded, deterministic).
    public static func principalComponents(_ x: Tensor<Float>) -> [(Double, Double)] {
        let (n, d) = (x.shape[0], x.shape[1])
        var rows = x.scalars.map(Double.init)
        for j in 0..<d {
            let mean = (0..<n).reduce(0.0) { $0 + rows[$1 * d + j] } / Double(Swift.max(n, 1))
            for i in 0..<n { rows[i * d + j] -= mean }
        }
        var cov = [Double](repeating: 0, count: d * d)
        for i in 0..<n { for a in 0..<d { for b in 0..<d { cov[a * d + b] += rows[i * d + a] * rows[i * d + b] } } }
        var components: [[Double]] = []
        for c in 0..<2 {
            var v = (0..<d).map { Double(($0 * 7 + c * 13) % 11) + 1 }
            for _ in 0..<200 {
                var w = (0..<d).map { a in (0..<d).reduce(0.0) { $0 + cov[a * d + $1] * v[$1] } }
                for u in components {  // deflate
                    let dot = zip(w, u).reduce(0.0) { $0 + $1.0 * $1.1 }
                    for k in 0..<d { w[k] -= dot * u[k] }
                }
                let norm = w.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 0 else { break }
                v = w.map { $0 / norm }
            }
            components.append(v)
        }
        return (0..<n).map { i in
            let r = rows[(i * d)..<((i + 1) * d)]
            return (
                zip(r, components[0]).reduce(0.0) { $0 + $1.0 * $1.1 },
                zip(r, components[1]).reduce(0.0) { $0 + $1.0 * $1.1 }
            )
        }
    }

    private static func header(_ w: Double, _ h: Double, _ title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + "<text x=\"\(Int(w / 2))\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">\(escape(title))</text>\n"
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }

    private static func fmt(_ v: Double) -> String { String(format: "%.2f", v) }
}
