public import Foundation
public import Testing

/// Checks that keep DocC articles and the README honest: every Swift snippet in
/// them must appear in a test (its lines in order, within one `@Test`;
/// whitespace and the test's own extra lines, such as `#expect`, are ignored).
public enum ArticleSnippets {
    /// A line with its indentation and repeated spaces removed.
    public static func normalize(_ line: Substring) -> String {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// The ```swift blocks of a Markdown file, as normalized non-empty lines;
    /// with `skippingImports`, `import` lines are left out (a test file has them
    /// at its top, outside any test).
    public static func snippets(inArticle text: String, skippingImports: Bool = false) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = normalize(line)
            if current == nil {
                if trimmed == "```swift" { current = [] }
            } else if trimmed == "```" {
                blocks.append(current!)
                current = nil
            } else if !trimmed.isEmpty && !(skippingImports && trimmed.hasPrefix("import ")) {
                current!.append(trimmed)
            }
        }
        #expect(current == nil, "unterminated code block")
        return blocks
    }

    /// The Swift files of `directory` but `excluded`, each split at `@Test` into
    /// chunks of normalized non-empty lines.
    public static func testChunks(
        in directory: URL, excluding excluded: String
    ) throws -> [(
        file: String, lines: [String]
    )] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".swift") && $0 != excluded }
            .sorted()
        var chunks: [(String, [String])] = []
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for chunk in text.components(separatedBy: "@Test") {
                let lines = chunk.split(separator: "\n").map(normalize).filter { !$0.isEmpty }
                chunks.append((file, lines))
            }
        }
        return chunks
    }

    /// How many leading lines of `snippet` occur in order in `lines`.
    public static func matchedPrefix(_ snippet: [String], in lines: [String]) -> Int {
        var i = 0
        for line in lines where i < snippet.count && line == snippet[i] { i += 1 }
        return i
    }

    /// Records an issue for every snippet whose lines no chunk holds in order.
    public static func expectEverySnippetIsTested(
        _ snippets: [[String]], in chunks: [(file: String, lines: [String])],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for snippet in snippets {
            let best = chunks.map { matchedPrefix(snippet, in: $0.lines) }.max() ?? 0
            #expect(
                best == snippet.count,
                "snippet not found in any test; first missing line: \(best < snippet.count ? snippet[best] : "")\n\(snippet.joined(separator: "\n"))",
                sourceLocation: sourceLocation)
        }
    }
}
