/// Why a gzip (RFC 1952) or raw DEFLATE (RFC 1951) stream could not be decoded.
///
/// Every malformed input ends in one of these errors; the decoder never traps on
/// corrupt or truncated data.
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
    /// The header names a compression method other than 8 (deflate).
    case unsupportedMethod(UInt8)
    /// The header sets flag bits that RFC 1952 reserves.
    case reservedFlags(UInt8)
    /// The header's CRC16 (`FHCRC`) does not match the header bytes.
    case headerChecksumMismatch(expected: UInt16, actual: UInt16)
    /// A DEFLATE block has type 3, which is reserved.
    case invalidBlockType(offset: Int)
    /// A stored block's `LEN` is not the one's complement of its `NLEN`.
    case storedLengthMismatch(offset: Int)
    /// A Huffman code description or a coded symbol is invalid.
    case invalidHuffmanData(offset: Int, reason: String)
    /// A back-reference points before the start of the output.
    case distanceTooFar(offset: Int, distance: Int, available: Int)
    /// The CRC32 in the trailer does not match the decompressed bytes.
    case crcMismatch(expected: UInt32, actual: UInt32)
    /// The ISIZE in the trailer does not match the decompressed length (mod 2³²).
    case sizeMismatch(expected: UInt32, actual: UInt32)
    /// Bytes after the last gzip member that are neither another member nor zero padding.
    case trailingGarbage(offset: Int)

    public var description: String {
        switch self {
        case .notGzip:
            return "not gzip data (missing the 1f 8b magic bytes)"
        case .truncated(let offset):
            return "gzip data is truncated (needed more input at byte \(offset))"
        case .unsupportedMethod(let method):
            return "unsupported gzip compression method \(method) (only 8, deflate, exists)"
        case .reservedFlags(let flags):
            return "gzip header sets reserved flag bits (flags 0x\(String(flags, radix: 16)))"
        case .headerChecksumMismatch(let expected, let actual):
            return "gzip header CRC16 mismatch: header says 0x\(hex(expected)), bytes give 0x\(hex(actual))"
        case .invalidBlockType(let offset):
            return "invalid deflate block type 3 at byte \(offset)"
        case .storedLengthMismatch(let offset):
            return "stored deflate block at byte \(offset) has LEN that does not match NLEN"
        case .invalidHuffmanData(let offset, let reason):
            return "invalid deflate Huffman data at byte \(offset): \(reason)"
        case .distanceTooFar(let offset, let distance, let available):
            return "deflate back-reference at byte \(offset) reaches \(distance) bytes back, "
                + "but only \(available) bytes were decoded"
        case .crcMismatch(let expected, let actual):
            return "gzip CRC32 mismatch: trailer says 0x\(hex(expected)), data gives 0x\(hex(actual))"
        case .sizeMismatch(let expected, let actual):
            return "gzip size mismatch: trailer says \(expected) bytes (mod 2^32), decoded \(actual)"
        case .trailingGarbage(let offset):
            return "unexpected bytes after the gzip data at byte \(offset)"
        }
    }
}

private func hex<T: BinaryInteger>(_ value: T) -> String { String(value, radix: 16) }
