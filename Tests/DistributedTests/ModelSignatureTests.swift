import Testing

@testable import TowersDistributed

@Suite("model signatures")
struct ModelSignatureTests {
    @Test("placeholder") func placeholder() { #expect(true) }
}
