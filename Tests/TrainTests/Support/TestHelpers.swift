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

/// Why the Python-backed interop tests cannot run.
struct PythonUnavailable: Error, CustomStringConvertible {
    let description: String
}

/// The Python interpreter of the interop tests: `make test` creates `.venv` with
/// `safetensors` and `numpy` (versions in `Tests/python-requirements.txt`) and
/// passes its `python` in `TOWERS_PYTHON`.
enum Python {
    /// The interpreter's path; throws (failing the test) when `TOWERS_PYTHON` is unset.
    static func interpreter() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["TOWERS_PYTHON"], !path.isEmpty else {
            throw PythonUnavailable(
                description: "TOWERS_PYTHON is not set: run the tests with `make test`, which creates .venv "
                    + "with safetensors and numpy and passes its python in TOWERS_PYTHON")
        }
        return path
    }

    /// Runs `python -c script args...` and waits for it.
    static func run(_ script: String, arguments: [String] = []) throws -> PythonResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try interpreter())
        process.arguments = ["-c", script] + arguments
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

    /// Throws (failing the test) unless the interpreter imports every module in `modules`.
    static func require(_ modules: [String]) throws {
        let result = try run("import " + modules.joined(separator: ", "))
        guard result.status == 0 else {
            throw PythonUnavailable(
                description: "\(try interpreter()) cannot import \(modules.joined(separator: ", ")): "
                    + "\(result.stderr); run `make test`, which installs them into .venv")
        }
    }
}
