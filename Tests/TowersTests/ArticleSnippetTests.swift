import Foundation
import Testing

/// Keeps the DocC articles honest: every Swift snippet in them must appear in a
/// test of this target (its lines in order, within one test; whitespace and the
/// test's own extra lines, such as `#expect`, are ignored), where its names and
/// errors are checked.
@Suite("Article snippets (Towers)")
struct ArticleSnippetTests {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let sources = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// A line with its indentation and repeated spaces removed.
    static func normalize(_ line: Substring) -> String {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// The ```swift blocks of a Markdown file, as normalized non-empty lines
    /// (imports left out: a test file has them at its top).
    static func snippets(inArticle text: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = normalize(line)
            if current == nil {
                if trimmed == "```swift" { current = [] }
            } else if trimmed == "```" {
                blocks.append(current!)
                current = nil
            } else if !trimmed.isEmpty && !trimmed.hasPrefix("import ") {
                current!.append(trimmed)
            }
        }
        #expect(current == nil, "unterminated code block")
        return blocks
    }

    /// The test sources of this target, each split at `@Test` into chunks of
    /// normalized non-empty lines.
    static func testChunks() throws -> [(file: String, lines: [String])] {
        let files = try FileManager.default.contentsOfDirectory(atPath: testsDirectory.path)
            .filter { $0.hasSuffix(".swift") && $0 != "ArticleSnippetTests.swift" }
            .sorted()
        var chunks: [(String, [String])] = []
        for file in files {
            let text = try String(contentsOf: testsDirectory.appendingPathComponent(file), encoding: .utf8)
            for chunk in text.components(separatedBy: "@Test") {
                let lines = chunk.split(separator: "\n").map(normalize).filter { !$0.isEmpty }
                chunks.append((file, lines))
            }
        }
        return chunks
    }

    /// How many leading lines of `snippet` occur in order in `lines`.
    static func matchedPrefix(_ snippet: [String], in lines: [String]) -> Int {
        var i = 0
        for line in lines where i < snippet.count && line == snippet[i] { i += 1 }
        return i
    }

    @Test(
        "every snippet of the articles is code of a test",
        arguments: [
            ("Towers.docc", "WritingYourOwnModel.md", 4), ("../Train/Train.docc", "LoadingBeforeBuilding.md", 1),
            ("../..", "README.md", 2),
        ]
    )
    func snippetsAreTested(catalog: String, article: String, count: Int) throws {
        let url = Self.sources.appendingPathComponent("Towers").appendingPathComponent(catalog)
            .appendingPathComponent(article)
        let text = try String(contentsOf: url, encoding: .utf8)
        // The README's Package.swift fragment is not Swift a test can run, and its
        // MPI example is tested by the Distributed tests.
        let snippets = Self.snippets(inArticle: text).filter {
            $0.first != "// Package.swift" && !$0.contains { $0.contains("Communicator.world()") }
        }
        #expect(snippets.count == count, "the article's code blocks changed: update this test")
        let chunks = try Self.testChunks()
        for snippet in snippets {
            let best = chunks.map { Self.matchedPrefix(snippet, in: $0.lines) }.max() ?? 0
            #expect(
                best == snippet.count,
                "snippet not found in any test; first missing line: \(best < snippet.count ? snippet[best] : "")\n\(snippet.joined(separator: "\n"))"
            )
        }
    }
}
