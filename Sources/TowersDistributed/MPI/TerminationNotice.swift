#if canImport(Glibc)
    import Glibc
#endif

/// When a rank fails, `mpirun` ends the others with SIGTERM (then SIGKILL).
/// This handler makes such a rank say so on standard error before it exits
/// with status 143 (128 + SIGTERM), so that every rank of a failed job reports
/// an error, not only the one that failed.
///
/// The message is formatted once, at start; the handler only calls `write` and
/// `_exit`, which are safe in a signal handler.
enum TerminationNotice {
    nonisolated(unsafe) private static var message: UnsafeMutablePointer<UInt8>?
    nonisolated(unsafe) private static var length = 0

    static func install(rank: Int, size: Int) {
        let text =
            "towers rank \(rank) of \(size): stopped by SIGTERM (mpirun ends every rank when one fails or the job "
            + "is cancelled; see the other ranks' messages)\n"
        let bytes = Array(text.utf8)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        buffer.initialize(from: bytes, count: bytes.count)
        message = buffer
        length = bytes.count
        signal(SIGTERM) { _ in
            if let message = TerminationNotice.message {
                _ = write(STDERR_FILENO, message, TerminationNotice.length)
            }
            _exit(143)
        }
    }
}
