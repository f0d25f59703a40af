import Foundation
import Testing

/// Keeps the DocC articles honest: every Swift snippet in them must appear in a
/// test of this target (its lines in order, within one test; whitespace and the
/// test's own extra lines, such as `#expect`, are ignored), where its names and
/// errors are checked.
@Suite("Article snippets")
struct ArticleSnippetTests {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let catalog = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Variables/Variables.docc")

    /// A line with its indentation and repeated spaces removed.
    static func normalize(_ line: Substring) -> String {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// The ```swift blocks of a Markdown file, as normalized non-empty lines.
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
            } else if !trimmed.isEmpty {
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

    @Test("every snippet of the articles is code of a test", arguments: ["SharingVariables.md", "Variables.md"])
    func snippetsAreTested(article: String) throws {
        let text = try String(contentsOf: Self.catalog.appendingPathComponent(article), encoding: .utf8)
        let snippets = Self.snippets(inArticle: text)
        let chunks = try Self.testChunks()
        #expect(!chunks.isEmpty)
        for snippet in snippets {
            let best = chunks.map { Self.matchedPrefix(snippet, in: $0.lines) }.max() ?? 0
            #expect(
                best == snippet.count,
                "snippet not found in any test; first missing line: \(best < snippet.count ? snippet[best] : "")\n\(snippet.joined(separator: "\n"))"
            )
        }
        if article == "SharingVariables.md" {
            // The seven programs, default names, the trap and its fix, entry by object,
            // scope objects, name scopes and templates.
            #expect(snippets.count == 16)
        }
    }

    @Test("the article shows the seed programs' errors verbatim")
    func errorTexts() throws {
        let text = try String(contentsOf: Self.catalog.appendingPathComponent("SharingVariables.md"), encoding: .utf8)
        for message in [
            "Variable a already exists, disallowed. Did you mean to set reuse=True or reuse=AUTO_REUSE in VarScope?",
            "Variable test1/firstvar does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?",
            "Trying to share variable KEY, but specified shape [3, 2] and found shape [2, 3].",
            "Trying to share variable KEY, but specified dtype Float64 and found dtype Float32.",
            "reuse=True cannot be used without a name_or_scope",
            "Variable KEY did not get an initializer, so its `shape` argument must be specified.",
            "Dimension -1 must be >= 0",
            "Expected int32, but got 0.5 of type 'float'.",
            "If default_name is None then name_or_scope is required",
            "Trainable variable created when calling a template after the first time, perhaps you used variable() when you meant getVariable(): [<Variable 'scale_1/v' shape=[] dtype=Float32>]",
        ] {
            #expect(text.contains(message), "missing: \(message)")
        }
    }

    @Test("the snippet matcher finds lines in order and rejects changed ones")
    func matcher() {
        let lines = ["let a = 1", "#expect(a == 1)", "let b = 2", "print(a, b) // 1 2"]
        #expect(Self.matchedPrefix(["let a = 1", "let b = 2", "print(a, b) // 1 2"], in: lines) == 3)
        #expect(Self.matchedPrefix(["let b = 2", "let a = 1"], in: lines) == 1)
        #expect(Self.matchedPrefix(["let a = 1", "print(a, b) // 1 3"], in: lines) == 1)
        #expect(Self.normalize("    print(x)   //  y") == "print(x) // y")
        let blocks = Self.snippets(inArticle: "text\n```swift\n  let x = 1\n\n  print(x)\n```\n```\nnot swift\n```\n")
        #expect(blocks == [["let x = 1", "print(x)"]])
    }
}
