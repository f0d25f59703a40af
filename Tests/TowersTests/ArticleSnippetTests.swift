import Foundation
import TestSupport
import Testing

/// Keeps the DocC articles and the README honest: every Swift snippet in them
/// must appear in a test of this target (``ArticleSnippets``), where its names
/// and errors are checked.
@Suite("Article snippets (Towers)")
struct ArticleSnippetTests {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let sources = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

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
        // MPI example needs `mpirun`: Tests/DistributedTests/ReadmeSnippet.swift compiles it.
        let snippets = ArticleSnippets.snippets(inArticle: text, skippingImports: true).filter {
            $0.first != "// Package.swift" && !$0.contains { $0.contains("Communicator.world()") }
        }
        #expect(snippets.count == count, "the article's code blocks changed: update this test")
        let chunks = try ArticleSnippets.testChunks(in: Self.testsDirectory, excluding: "ArticleSnippetTests.swift")
        ArticleSnippets.expectEverySnippetIsTested(snippets, in: chunks)
    }
}
