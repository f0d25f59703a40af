import Foundation
public import TowersCore

/// Small, dependency-free SVG charts for training reports: axes with ticks on
/// both sides' scales, labels chosen by the caller, and a log scale for losses.
///
/// ```swift
/// let svg = SVGPlot.lineChart(losses, title: "Contrastive loss", yLabel: "loss", scale: .log)
/// try AtomicFile.write(Data(svg.utf8), to: url)
/// ```
public enum SVGPlot {
    static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    /// How values map to the vertical axis of a line chart.
    public enum Scale: Sendable, Hashable {
        case linear
        /// Logarithmic (base 10); needs positive values.
        case log
        /// `.log` when every value is positive and the largest is over 20 times
        /// the smallest (a loss falling by orders of magnitude), else `.linear`.
        case automatic
    }

    /// A scatter plot of 2-D points coloured by integer class, with ticks on both
    /// axes and a legend naming each class with `legend` (by default its number).
    ///
    /// ```swift
    /// let svg = SVGPlot.scatter(points, title: "Test embeddings", xLabel: "PC 1", yLabel: "PC 2") { "digit \($0)" }
    /// ```
    public static func scatter(
        _ points: [(x: Double, y: Double, label: Int)], title: String, xLabel: String? = nil, yLabel: String? = nil,
        legend: (Int) -> String = { "\($0)" }
    ) -> String {
        let frame = Frame(width: 680, height: 540, right: 130)
        let x = Axis(linear: points.map(\.x), padding: 0.03), y = Axis(linear: points.map(\.y), padding: 0.03)
        var svg = header(frame, title)
        svg += frame.axes(x: x, y: y, xLabel: xLabel, yLabel: yLabel)
        for p in points {
            svg +=
                "<circle cx=\"\(fmt(frame.x(x.position(p.x))))\" cy=\"\(fmt(frame.y(y.position(p.y))))\" r=\"3\" fill=\"\(color(p.label))\" fill-opacity=\"0.75\"/>\n"
        }
        for (i, label) in Set(points.map(\.label)).sorted().enumerated() {
            let ly = frame.top + 8 + Double(i) * 20, lx = frame.width - frame.right + 20
            svg += "<circle cx=\"\(fmt(lx))\" cy=\"\(fmt(ly))\" r=\"5\" fill=\"\(color(label))\"/>"
            svg += "<text x=\"\(fmt(lx + 10))\" y=\"\(fmt(ly + 4))\" font-size=\"12\">\(escape(legend(label)))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// A line chart of `values` by index (the raw values faint, their moving
    /// average over `smoothing` points solid), with ticks on both axes. Values that
    /// a log scale cannot show (zero, negative, not finite) are left out.
    ///
    /// ```swift
    /// let svg = SVGPlot.lineChart(losses, title: "Contrastive loss", yLabel: "loss")   // log scale when it falls far
    /// ```
    public static func lineChart(
        _ values: [Float], title: String, smoothing: Int = 25, xLabel: String = "step", yLabel: String? = nil,
        scale: Scale = .automatic
    ) -> String {
        let raw = values.map(Double.init)
        var smooth: [Double] = []
        var sum = 0.0, window: [Double] = []
        for v in raw where v.isFinite {
            window.append(v)
            sum += v
            if window.count > Swift.max(smoothing, 1) { sum -= window.removeFirst() }
            smooth.append(sum / Double(window.count))
        }
        let finite = raw.filter(\.isFinite)
        let positive = finite.filter { $0 > 0 }
        let useLog: Bool
        switch scale {
        case .linear: useLog = false
        case .log: useLog = !positive.isEmpty
        case .automatic:
            useLog = !finite.isEmpty && positive.count == finite.count && positive.max()! > 20 * positive.min()!
        }
        let frame = Frame(width: 680, height: 420, right: 30)
        let x = Axis(linear: [0, Double(Swift.max(values.count - 1, 1))], integers: true)
        let y = useLog ? Axis(log: positive) : Axis(linear: finite + [0])
        var svg = header(frame, title)
        svg += frame.axes(x: x, y: y, xLabel: xLabel, yLabel: yLabel)
        func polyline(_ series: [(Int, Double)], color: String, width: Double, opacity: Double) -> String {
            let stride = Swift.max(1, series.count / 800)
            let points = Swift.stride(from: 0, to: series.count, by: stride).compactMap { k -> String? in
                let (i, v) = series[k]
                guard v.isFinite, !useLog || v > 0 else { return nil }
                return "\(fmt(frame.x(x.position(Double(i))))),\(fmt(frame.y(y.position(v))))"
            }
            return
                "<polyline fill=\"none\" stroke=\"\(color)\" stroke-opacity=\"\(opacity)\" stroke-width=\"\(width)\" points=\"\(points.joined(separator: " "))\"/>\n"
        }
        let indexed = raw.enumerated().filter { $0.element.isFinite }.map { ($0.offset, $0.element) }
        svg += polyline(indexed, color: palette[0], width: 1, opacity: 0.3)
        svg += polyline(zip(indexed.map(\.0), smooth).map { ($0, $1) }, color: palette[0], width: 2, opacity: 1)
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

    private static func color(_ label: Int) -> String { palette[((label % 10) + 10) % 10] }

    static func header(_ frame: Frame, _ title: String) -> String {
        let (w, h) = (Int(frame.width), Int(frame.height))
        return
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + "<text x=\"\(w / 2)\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">\(escape(title))</text>\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func fmt(_ v: Double) -> String { String(format: "%.2f", v) }
}
