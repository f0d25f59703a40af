import Foundation
import Testing

/// A fresh directory under the system temporary directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("towers-train-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// The result of running a Python script.
struct PythonResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum Python {
    /// Runs `python3 -c script args...` and waits for it.
    static func run(_ script: String, arguments: [String] = []) throws -> PythonResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return PythonResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Whether `python3` can import every module in `modules`; records an Issue
    /// (a failure) naming the missing ones when it cannot.
    static func require(_ modules: [String], sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let script = "import " + modules.joined(separator: ", ")
        guard let result = try? run(script), result.status == 0 else {
            let message =
                "python3 cannot import \(modules.joined(separator: ", ")); "
                + "install with `python3 -m pip install safetensors numpy`"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            return false
        }
        return true
    }
}
