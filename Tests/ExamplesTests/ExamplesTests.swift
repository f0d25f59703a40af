import Foundation
import Testing

/// The examples under `Examples/` are built with the tests (this target depends
/// on them) and run briefly here: each must finish and print its metric.
@Suite("Examples")
struct ExamplesTests {
    /// An executable built next to this test binary.
    static func executable(_ name: String) throws -> URL {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = me.deletingLastPathComponent()
        while directory.pathComponents.count > 1 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        struct Missing: Error, CustomStringConvertible { let description: String }
        throw Missing(description: "no built \(name) next to \(me.path); run `swift build` first")
    }

    /// Runs an example; returns its exit status and standard output.
    static func run(_ name: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = try executable(name)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(
        "each example trains briefly and prints its metric",
        arguments: [
            ("SiameseDigitsCNN", "test 1-NN accuracy: "),
            ("TripletSequences", "held-out 1-NN accuracy: "),
            ("TiedAutoencoder", "test reconstruction MSE: "),
        ])
    func runsAndPrintsMetric(name: String, metric: String) throws {
        let (status, output) = try Self.run(name, ["--steps", "25"])
        #expect(status == 0, "\(name): \(output)")
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix(metric) }, "\(name): \(output)")
        // The number after the label parses and is a fraction or an error ≥ 0.
        let value = Double(line.dropFirst(metric.count).prefix { $0 != " " })
        #expect(value.map { $0 >= 0 && $0.isFinite } == true, "\(line)")
        #expect(output.contains("after 25 steps"))
    }

    @Test("the tied autoencoder's report shows the decoder using the encoder's kernels")
    func tiedReport() throws {
        let (status, output) = try Self.run("TiedAutoencoder", ["--steps", "2"])
        #expect(status == 0)
        #expect(output.contains("tied: decoder1"), "\(output)")
        #expect(output.contains("tied: decoder2"), "\(output)")
    }

    @Test("a bad --steps is refused with exit status 64")
    func badSteps() throws {
        let (status, output) = try Self.run("TripletSequences", ["--steps", "0"])
        #expect(status == 64)
        #expect(output.contains("--steps 0 is not a whole number ≥ 1"))
    }
}
