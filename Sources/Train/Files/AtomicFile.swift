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
/// The data goes to a temporary file in the destination's directory, is flushed
/// with `fsync`, and is then renamed over the destination; the directory is
/// flushed too, so the rename itself survives a power loss.
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
