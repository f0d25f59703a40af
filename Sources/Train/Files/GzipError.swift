/// Why gzip data could not be decompressed (see ``Gzip``).
///
/// Every malformed input ends in one of these errors, never a trap.
///
/// ```swift
/// do {
///     let text = try Gzip.decompress(data)
/// } catch let error as GzipError {
///     print(error)   // e.g. "gzip data is truncated (needed more input at byte 120)"
/// }
/// ```
public enum GzipError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The input does not start with the gzip magic bytes `1f 8b`.
    case notGzip
    /// The input ended before the stream did; `offset` is where more bytes were needed.
    case truncated(offset: Int)
    /// zlib found invalid data (header, block or code), with its reason.
    case corrupt(offset: Int, reason: String)
    /// A member's CRC32 trailer does not match its decompressed bytes.
    case crcMismatch(offset: Int)
    /// A member's ISIZE trailer does not match its decompressed length (mod 2³²).
    case sizeMismatch(offset: Int)
    /// Bytes after the last gzip member that are neither another member nor zero padding.
    case trailingGarbage(offset: Int)
    /// The output would exceed the cap given to ``Gzip/decompress(_:maximumSize:)``.
    case tooLarge(limit: Int)
    /// zlib itself failed (out of memory, for example).
    case zlibFailure(String)

    /// The error for zlib's `Z_DATA_ERROR` message.
    init(zlibMessage message: String, offset: Int) {
        switch message {
        case "incorrect data check": self = .crcMismatch(offset: offset)
        case "incorrect length check": self = .sizeMismatch(offset: offset)
        default: self = .corrupt(offset: offset, reason: message)
        }
    }

    public var description: String {
        switch self {
        case .notGzip:
            return "not gzip data (missing the 1f 8b magic bytes)"
        case .truncated(let offset):
            return "gzip data is truncated (needed more input at byte \(offset))"
        case .corrupt(let offset, let reason):
            return "corrupt gzip data at byte \(offset): \(reason)"
        case .crcMismatch(let offset):
            return "gzip CRC32 mismatch in the member ending at byte \(offset): the data is corrupt"
        case .sizeMismatch(let offset):
            return "gzip size mismatch in the member ending at byte \(offset): the trailer's length is wrong"
        case .trailingGarbage(let offset):
            return "unexpected bytes after the gzip data at byte \(offset)"
        case .tooLarge(let limit):
            return "gzip data decompresses to more than \(limit) bytes (the limit; pass a larger maximumSize)"
        case .zlibFailure(let message):
            return "zlib failed: \(message)"
        }
    }
}
