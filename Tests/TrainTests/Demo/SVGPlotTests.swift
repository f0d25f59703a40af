import Foundation
import Testing
import Train

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The text of every `<text>` element, in order.
private func texts(_ svg: String) -> [String] {
    svg.components(separatedBy: "<text").dropFirst().compactMap { chunk in
        guard let open = chunk.firstIndex(of: ">"), let close = chunk.range(of: "</text>") else { return nil }
        return String(chunk[chunk.index(after: open)..<close.lowerBound])
    }
}

/// Whether `svg` parses as XML.
private func wellFormed(_ svg: String) -> Bool { XMLParser(data: Data(svg.utf8)).parse() }

@Suite("SVG plots")
struct SVGPlotTests {
    static let points: [(x: Double, y: Double, label: Int)] = (0..<30).map { (i: Int) in
        let x: Double = Double(i % 7) * 0.3 - 1
        let y: Double = Double(i % 5) * 120
        return (x: x, y: y, label: i % 3)
    }

    @Test("scatter: the caller names the classes, both axes have ticks and labels")
    func scatterLabelsAndTicks() throws {
        let svg = SVGPlot.scatter(
            Self.points, title: "Embeddings <PCA>", xLabel: "component 1", yLabel: "component 2"
        ) { ["cat", "dog", "bird & co"][$0] }
        #expect(wellFormed(svg))
        let t = texts(svg)
        #expect(t.contains("cat") && t.contains("dog") && t.contains("bird &amp; co"))
        #expect(!svg.contains("digit"))
        #expect(t.contains("Embeddings &lt;PCA&gt;") && t.contains("component 1") && t.contains("component 2"))
        // x from −1 to 0.8: ticks every 0.5; y from 0 to 480: ticks every 100.
        for tick in ["-1.0", "-0.5", "0", "0.5", "100", "200", "300", "400"] {
            #expect(t.contains(tick), "missing tick \(tick)")
        }
        #expect(svg.components(separatedBy: "<circle").count - 1 == 30 + 3)
        // By default a class is named by its number.
        #expect(texts(SVGPlot.scatter(Self.points, title: "t")).suffix(3) == ["0", "1", "2"])
    }

    @Test("a loss falling by orders of magnitude is drawn on a log scale with decade ticks")
    func lossOnLogScale() throws {
        let losses = (0..<500).map { Float(0.5 * Foundation.exp(-Double($0) / 80)) + 0.001 }
        let svg = SVGPlot.lineChart(losses, title: "Contrastive loss", yLabel: "loss")
        #expect(wellFormed(svg))
        let t = texts(svg)
        #expect(t.contains("loss (log scale)"))
        #expect(t.contains("0.01") && t.contains("0.1"), "\(t)")
        #expect(t.contains("step"))
        for tick in ["0", "100", "200", "300", "400"] { #expect(t.contains(tick), "missing x tick \(tick)") }
        // Forced linear: no log label, ticks at multiples of 0.1.
        let linear = texts(SVGPlot.lineChart(losses, title: "l", yLabel: "loss", scale: .linear))
        #expect(linear.contains("loss") && !linear.contains("loss (log scale)"))
        #expect(linear.contains("0.1") && linear.contains("0.5"))
    }

    @Test("a flat series stays linear; non-finite and, on a log scale, non-positive values are left out")
    func automaticAndBadValues() throws {
        let flat = SVGPlot.lineChart([1, 1.2, 0.9, 1.1], title: "flat", yLabel: "v")
        #expect(!flat.contains("log scale"))
        let bad = SVGPlot.lineChart([1, .nan, 0.5, .infinity, 0.01, 0], title: "bad", yLabel: "v", scale: .log)
        #expect(wellFormed(bad))
        #expect(!bad.lowercased().contains("nan") && !bad.contains("inf"))
        #expect(texts(bad).contains("v (log scale)"))
        #expect(wellFormed(SVGPlot.lineChart([], title: "empty")))
    }
}
