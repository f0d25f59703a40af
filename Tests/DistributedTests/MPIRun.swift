import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What one `mpirun` (or one plain run) did.
struct RunResult {
    let status: Int32
    let output: String
    let seconds: Double
    let timedOut: Bool
}

/// Runs the package's executables under `mpirun`, never longer than a deadline.
///
/// `mpirun --allow-run-as-root --oversubscribe -np N --bind-to none` with:
/// - `mpi_yield_when_idle=1`: a rank waiting in a collective yields its core
///   instead of spinning; the ranks share two cores with the test runner (and
///   other builds), and a spinning rank would slow the one computing;
/// - `btl_vader_single_copy_mechanism=none`: shared-memory transfers without
///   cross-memory attach, which containers often forbid (ptrace rules);
/// - `--bind-to none`: no pinning of ranks to cores they share with others.
enum MPIRun {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// A built executable of the package: the test binary's directory holds them.
    static func executable(_ name: String) throws -> URL {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = me.deletingLastPathComponent()
        while directory.pathComponents.count > 1 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw Missing(description: "no built `\(name)` next to \(me.path); run `swift build` first")
    }

    static func mpirun() throws -> URL {
        for path in ["/usr/bin/mpirun", "/usr/local/bin/mpirun"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw Missing(description: "no mpirun: install openmpi-bin (`make deps`)")
    }

    static let environment: [String: String] = {
        var e = ProcessInfo.processInfo.environment
        e["OMPI_MCA_mpi_yield_when_idle"] = "1"
        e["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
        return e
    }()

    /// `mpirun … -np ranks <executable> arguments`, or the executable alone when `ranks` is nil.
    static func start(_ name: String, _ arguments: [String], ranks: Int?, output: URL) throws -> Process {
        let process = Process()
        let program = try executable(name)
        if let ranks {
            process.executableURL = try mpirun()
            process.arguments =
                ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", "--bind-to", "none", program.path]
                + arguments
        } else {
            process.executableURL = program
            process.arguments = arguments
        }
        process.environment = environment
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits for `process` at most `deadline` seconds (then kills it and its ranks).
    static func wait(_ process: Process, output: URL, started: Date, deadline: Double) -> RunResult {
        var timedOut = false
        while process.isRunning {
            if Date().timeIntervalSince(started) > deadline {
                timedOut = true
                for child in children(of: process.processIdentifier) { kill(child, SIGKILL) }
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return RunResult(
            status: process.terminationStatus, output: text, seconds: Date().timeIntervalSince(started),
            timedOut: timedOut)
    }

    static func run(_ name: String, _ arguments: [String], ranks: Int?, deadline: Double = 180) throws -> RunResult {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("mpirun-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: output) }
        let started = Date()
        let process = try start(name, arguments, ranks: ranks, output: output)
        return wait(process, output: output, started: started, deadline: deadline)
    }

    /// The processes whose parent is `pid`.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }
    }

    /// The process of `mpirun` `pid` that runs rank `rank` (from its environment).
    static func rankProcess(of pid: Int32, rank: Int) -> Int32? {
        children(of: pid).first { child in
            guard let environ = FileManager.default.contents(atPath: "/proc/\(child)/environ") else { return false }
            return environ.split(separator: 0).contains { Array($0) == Array("OMPI_COMM_WORLD_RANK=\(rank)".utf8) }
        }
    }
}

/// A fresh directory under the system temporary directory.
struct Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("towers-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Every test that starts `mpirun`, one at a time: each job takes both cores.
@Suite("mpirun -np 2", .serialized)
enum MPIRuns {}
