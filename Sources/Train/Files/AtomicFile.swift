public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces files atomically: readers (and a crash at any moment) see either the
/// old contents or the complete new contents, never a torn file.
///
/// The data goes to a temporary file in the destination's directory
/// (`.NAME.tmp-PID-RANDOM`), is flushed with `fsync`, and is then renamed over the
/// destination; the directory is flushed too, so the rename itself survives a
/// power loss. A process killed during a write leaves its temporary file behind:
/// the next write to the same destination removes such files when they are older
/// than the writing process (so a concurrent writer's file is never touched).
///
/// ```swift
/// try AtomicFile.write(Data("hello".utf8), to: URL(fileURLWithPath: "out/greeting.txt"))
/// ```
public enum AtomicFile {
    /// Writes `data` to `url`, replacing any existing file atomically. The new file
    /// gets mode 0644 (less the process umask). The directory must exist.
    ///
    /// - Throws: ``AtomicFileError`` naming the step that failed; the destination is
    ///   then unchanged and no temporary file is left behind.
    public static func write(_ data: Data, to url: URL) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        removeStaleTemporaries(of: url.lastPathComponent, in: directory)
        let temporary =
            directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFileError(path: path, step: "create \(temporary)", errno: errno) }
        var renamed = false
        var closed = false
        defer {
            if !closed { _ = close(fd) }
            if !renamed { _ = unlink(temporary) }
        }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFileError(path: path, step: "write", errno: errno)
                }
                offset += written
            }
        }
        guard fsync(fd) == 0 else { throw AtomicFileError(path: path, step: "fsync", errno: errno) }
        closed = true
        guard close(fd) == 0 else { throw AtomicFileError(path: path, step: "close", errno: errno) }
        guard rename(temporary, path) == 0 else { throw AtomicFileError(path: path, step: "rename", errno: errno) }
        renamed = true

        // Flush the directory entry; best effort (not every file system allows it).
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            _ = close(directoryFD)
        }
    }
}

extension AtomicFile {
    /// Removes `.NAME.tmp-PID-RANDOM` regular files in `directory` (exactly that
    /// pattern, for this `name`) last modified before this process started: what
    /// killed writes left. Best effort: failures are ignored.
    static func removeStaleTemporaries(of name: String, in directory: String) {
        let prefix = "." + name + ".tmp-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)
        else { return }
        for entry in entries where entry.hasPrefix(prefix) && isTemporarySuffix(entry.dropFirst(prefix.count)) {
            let path = (directory.isEmpty ? "." : directory) + "/" + entry
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            if modified < processStart - 0.05 { _ = unlink(path) }
        }
    }

    /// `PID-RANDOM`: two runs of decimal digits joined by a dash.
    private static func isTemporarySuffix(_ suffix: Substring) -> Bool {
        let parts = suffix.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }

    /// When this process started (seconds since 1970), from `/proc/self/stat`
    /// (clock ticks after boot) and the boot-time clock; the first use of
    /// `AtomicFile` where `/proc` is unavailable.
    static let processStart: Double = {
        func seconds(_ clock: clockid_t) -> Double {
            var now = timespec()
            clock_gettime(clock, &now)
            return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        }
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return seconds(CLOCK_REALTIME) }
        // Fields after the command name: state is field 3, starttime field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return seconds(CLOCK_REALTIME) }
        let age = seconds(CLOCK_BOOTTIME) - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
        return seconds(CLOCK_REALTIME) - age
    }()
}

@inline(__always)
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// Why ``AtomicFile/write(_:to:)`` failed: the destination, the step, and the
/// system's reason.
///
/// ```swift
/// // "cannot write /no/such/dir/x.bin: create /no/such/dir/.x.bin.tmp-…: No such file or directory"
/// print(error)
/// ```
public struct AtomicFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The destination path.
    public let path: String
    /// What was being done: `create …`, `write`, `fsync`, `close` or `rename`.
    public let step: String
    /// The system error code (`errno`).
    public let code: Int32

    public init(path: String, step: String, errno code: Int32) {
        self.path = path
        self.step = step
        self.code = code
    }

    /// The system's message for ``code``.
    public var reason: String { String(cString: strerror(code)) }

    public var description: String { "cannot write \(path): \(step): \(reason)" }
}
