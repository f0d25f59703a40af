import Foundation

extension SVGPlot {
    /// An axis: its range (in log₁₀ units on a log axis) and its ticks.
    struct Axis {
        var low: Double, high: Double
        var isLog: Bool
        /// Tick values (data units) with their labels.
        var ticks: [(value: Double, label: String)]

        /// A linear axis over `values` with "nice" ticks (1, 2 or 5 × 10ᵏ apart),
        /// widened by `padding` (a fraction of the range) on each side.
        init(linear values: [Double], integers: Bool = false, padding: Double = 0) {
            let finite = values.filter(\.isFinite)
            var lo = finite.min() ?? 0, hi = finite.max() ?? 1
            if hi - lo < 1e-12 * Swift.max(1, Swift.abs(hi)) { (lo, hi) = (lo - 0.5, hi + 0.5) }
            (lo, hi) = (lo - padding * (hi - lo), hi + padding * (hi - lo))
            var step = Self.niceStep((hi - lo) / 5)
            if integers { step = Swift.max(1, step.rounded()) }
            let first = (lo / step).rounded(.up), last = (hi / step).rounded(.down)
            self.low = lo
            self.high = hi
            self.isLog = false
            self.ticks = Swift.stride(from: first, through: last, by: 1).map { k in
                let v = k * step
                return (v, Self.label(v, step: step))
            }
        }

        /// A log axis over positive `values`, with ticks at powers of ten (and at 2
        /// and 5 × 10ᵏ when the range spans less than two decades).
        init(log values: [Double]) {
            let positive = values.filter { $0 > 0 && $0.isFinite }
            let lo = Foundation.log10(positive.min() ?? 1), hi = Foundation.log10(positive.max() ?? 10)
            let (low, high) = hi - lo < 1e-9 ? (lo - 0.5, hi + 0.5) : (lo, hi)
            self.low = low
            self.high = high
            self.isLog = true
            var ticks: [(Double, String)] = []
            let multiples: [Double] = high - low < 2 ? [1, 2, 5] : [1]
            for exponent in Int(low.rounded(.down))...Int(high.rounded(.up)) {
                for m in multiples {
                    let v = m * Foundation.pow(10, Double(exponent))
                    let position = Foundation.log10(v)
                    if position >= low - 1e-9 && position <= high + 1e-9 { ticks.append((v, Self.logLabel(v))) }
                }
            }
            self.ticks = ticks
        }

        /// Where `value` falls, from 0 (low end) to 1 (high end).
        func position(_ value: Double) -> Double {
            let v = isLog ? Foundation.log10(value) : value
            return (v - low) / (high - low)
        }

        static func niceStep(_ rough: Double) -> Double {
            guard rough > 0, rough.isFinite else { return 1 }
            let magnitude = Foundation.pow(10, (Foundation.log10(rough)).rounded(.down))
            let f = rough / magnitude
            return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * magnitude
        }

        static func label(_ v: Double, step: Double) -> String {
            if v == 0 { return "0" }
            let decimals = Swift.max(0, -Int(Foundation.log10(step).rounded(.down)))
            if Swift.abs(v) >= 1e5 || Swift.abs(v) < 1e-3 { return String(format: "%.1e", v) }
            return String(format: "%.\(decimals)f", v)
        }

        static func logLabel(_ v: Double) -> String {
            if v >= 1e-3 && v < 1e5 { return String(format: "%g", v) }
            return String(format: "%.0e", v)
        }
    }

    /// The plot area inside the picture.
    struct Frame {
        var width: Double, height: Double
        var left = 70.0, top = 40.0, right: Double, bottom = 55.0

        init(width: Double, height: Double, right: Double) {
            self.width = width
            self.height = height
            self.right = right
        }

        func x(_ t: Double) -> Double { left + t * (width - left - right) }
        func y(_ t: Double) -> Double { height - bottom - t * (height - top - bottom) }

        /// The frame, grid lines, ticks with labels on both axes, and axis labels.
        func axes(x: Axis, y: Axis, xLabel: String?, yLabel: String?) -> String {
            let (x0, x1, y0, y1) = (self.x(0), self.x(1), self.y(0), self.y(1))
            var svg = "<rect x=\"\(fmt(x0))\" y=\"\(fmt(y1))\" width=\"\(fmt(x1 - x0))\" height=\"\(fmt(y0 - y1))\" "
            svg += "fill=\"none\" stroke=\"black\"/>\n"
            for tick in x.ticks {
                let px = self.x(x.position(tick.value))
                svg +=
                    "<line x1=\"\(fmt(px))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(px))\" y2=\"\(fmt(y0))\" stroke=\"#e5e5e5\"/>"
                svg +=
                    "<line x1=\"\(fmt(px))\" y1=\"\(fmt(y0))\" x2=\"\(fmt(px))\" y2=\"\(fmt(y0 + 5))\" stroke=\"black\"/>"
                svg += "<text x=\"\(fmt(px))\" y=\"\(fmt(y0 + 18))\" font-size=\"11\" text-anchor=\"middle\">"
                svg += "\(escape(tick.label))</text>\n"
            }
            for tick in y.ticks {
                let py = self.y(y.position(tick.value))
                svg +=
                    "<line x1=\"\(fmt(x0))\" y1=\"\(fmt(py))\" x2=\"\(fmt(x1))\" y2=\"\(fmt(py))\" stroke=\"#e5e5e5\"/>"
                svg +=
                    "<line x1=\"\(fmt(x0 - 5))\" y1=\"\(fmt(py))\" x2=\"\(fmt(x0))\" y2=\"\(fmt(py))\" stroke=\"black\"/>"
                svg += "<text x=\"\(fmt(x0 - 8))\" y=\"\(fmt(py + 4))\" font-size=\"11\" text-anchor=\"end\">"
                svg += "\(escape(tick.label))</text>\n"
            }
            if let xLabel {
                svg += "<text x=\"\(fmt((x0 + x1) / 2))\" y=\"\(fmt(height - 12))\" font-size=\"12\" "
                svg += "text-anchor=\"middle\">\(escape(xLabel))</text>\n"
            }
            if let yLabel {
                let cy = (y0 + y1) / 2
                svg += "<text x=\"16\" y=\"\(fmt(cy))\" font-size=\"12\" text-anchor=\"middle\" "
                svg +=
                    "transform=\"rotate(-90 16 \(fmt(cy)))\">\(escape(yLabel + (y.isLog ? " (log scale)" : "")))</text>\n"
            }
            return svg
        }
    }
}
