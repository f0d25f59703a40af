import Foundation
import TestSupport
import Testing

/// Keeps the DocC articles honest: every Swift snippet in them must appear in a
/// test of this target (``ArticleSnippets``), where its names and errors are checked.
@Suite("Article snippets")
struct ArticleSnippetTests {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let catalog = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Variables/Variables.docc")

    @Test("every snippet of the articles is code of a test", arguments: ["SharingVariables.md", "Variables.md"])
    func snippetsAreTested(article: String) throws {
        let text = try String(contentsOf: Self.catalog.appendingPathComponent(article), encoding: .utf8)
        let snippets = ArticleSnippets.snippets(inArticle: text)
        let chunks = try ArticleSnippets.testChunks(in: Self.testsDirectory, excluding: "ArticleSnippetTests.swift")
        #expect(!chunks.isEmpty)
        ArticleSnippets.expectEverySnippetIsTested(snippets, in: chunks)
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
        #expect(ArticleSnippets.matchedPrefix(["let a = 1", "let b = 2", "print(a, b) // 1 2"], in: lines) == 3)
        #expect(ArticleSnippets.matchedPrefix(["let b = 2", "let a = 1"], in: lines) == 1)
        #expect(ArticleSnippets.matchedPrefix(["let a = 1", "print(a, b) // 1 3"], in: lines) == 1)
        #expect(ArticleSnippets.normalize("    print(x)   //  y") == "print(x) // y")
        let blocks = ArticleSnippets.snippets(
            inArticle: "text\n```swift\n  let x = 1\n\n  print(x)\n```\n```\nnot swift\n```\n")
        #expect(blocks == [["let x = 1", "print(x)"]])
    }
}
