import Foundation
import Testing

/// What one run of the `towers` executable did.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the `towers` executable built next to this test binary.
enum CLI {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// The built `towers`: the test binary's directory holds the package's products.
    static func executable() throws -> URL {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = me.deletingLastPathComponent()
        // The test bundle may be a directory (…/TowersPackageTests.xctest/…).
        while directory.pathComponents.count > 1 {
            let candidate = directory.appendingPathComponent("towers")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw Missing(description: "no built `towers` executable next to \(me.path); run `swift build` first")
    }

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A fresh directory under the system temporary directory.
struct Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("towers-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
