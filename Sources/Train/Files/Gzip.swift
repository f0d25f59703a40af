import CZlib
public import Foundation

/// Reads `.gz` files (RFC 1952) through zlib: Foundation on Linux has no gzip.
///
/// Decodes every member of a multi-member file; zlib checks each member's CRC32
/// and ISIZE trailer. Corrupt or truncated input, trailing bytes, and output
/// larger than a cap all throw a ``GzipError``; nothing traps. The output is
/// written once, into the buffer that the returned `Data` owns.
///
/// ```swift
/// let compressed = try Data(contentsOf: URL(fileURLWithPath: "digits.csv.gz"))
/// if Gzip.isGzip(compressed) {
///     let csv = try Gzip.decompress(compressed, maximumSize: 64 << 20)
/// }
/// ```
public enum Gzip {
    /// The default cap on the decompressed size: 256 MiB (the embedded digits are 0.3 MB).
    public static let defaultMaximumSize = 256 << 20

    /// Whether `data` starts with the gzip magic bytes `1f 8b`.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The decompressed contents of gzip `data` (all members, concatenated).
    ///
    /// - Parameters:
    ///   - data: One or more gzip members.
    ///   - maximumSize: The most bytes the output may hold; more throws
    ///     ``GzipError/tooLarge(limit:)`` (a 1 MB file can inflate to 1 GB).
    /// - Throws: ``GzipError`` when the data is not gzip, is truncated, fails a
    ///   check, or decompresses to more than `maximumSize` bytes.
    public static func decompress(_ data: Data, maximumSize: Int = defaultMaximumSize) throws -> Data {
        guard isGzip(data) else { throw GzipError.notGzip }
        let limit = Swift.max(maximumSize, 0)
        return try data.withUnsafeBytes { raw in
            let output = try OutputBuffer(expected: expectedSize(raw, limit: limit))
            var position = 0
            while true {
                position = try member(raw, at: position, into: output, limit: limit)
                // Zero padding after the last member is tolerated (as gzip(1) does).
                var next = position
                while next < raw.count && raw[next] == 0 { next += 1 }
                if next == raw.count { break }
                guard next == position, raw.count - position >= 2, raw[position] == 0x1F, raw[position + 1] == 0x8B
                else { throw GzipError.trailingGarbage(offset: position) }
            }
            return output.take()
        }
    }

    /// The CRC-32 (ISO 3309, as in gzip and zip) of `data`.
    ///
    /// ```swift
    /// Gzip.crc32(Data("123456789".utf8))   // 0xCBF43926
    /// ```
    public static func crc32(_ data: Data) -> UInt32 {
        data.withUnsafeBytes { raw in
            var crc = CZlib.crc32(0, nil, 0)
            var rest = UnsafeRawBufferPointer(raw)
            while !rest.isEmpty {
                let n = Swift.min(rest.count, 1 << 30)
                crc = CZlib.crc32(crc, rest.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(n))
                rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }

    /// A first guess at the output size: the last member's ISIZE, bounded by the
    /// cap and by DEFLATE's best ratio (1032:1).
    private static func expectedSize(_ raw: UnsafeRawBufferPointer, limit: Int) -> Int {
        guard raw.count >= 18 else { return 0 }
        let isize = (0..<4).reduce(0) { $0 | Int(raw[raw.count - 4 + $1]) << (8 * $1) }
        return Swift.min(isize, limit, raw.count.multipliedReportingOverflow(by: 1032).partialValue)
    }

    /// Inflates the member starting at `start` into `output`; returns the offset just past its trailer.
    private static func member(
        _ raw: UnsafeRawBufferPointer, at start: Int, into output: OutputBuffer, limit: Int
    ) throws -> Int {
        var stream = z_stream()
        guard towers_inflate_init_gzip(&stream) == Z_OK else { throw GzipError.zlibFailure(stream.reason) }
        defer { inflateEnd(&stream) }
        let input = raw.baseAddress!.assumingMemoryBound(to: Bytef.self)
        var consumed = start
        while true {
            if stream.avail_in == 0 {
                stream.next_in = UnsafeMutablePointer(mutating: input + consumed)
                stream.avail_in = uInt(Swift.min(raw.count - consumed, 1 << 30))
            }
            if output.spare == 0 {
                guard output.count <= limit else { throw GzipError.tooLarge(limit: limit) }
                try output.grow(upTo: limit + 1)  // one byte more than allowed, to notice an overflow
            }
            let offeredInput = stream.avail_in
            stream.next_out = output.end
            stream.avail_out = uInt(Swift.min(output.spare, 1 << 30))
            let offered = stream.avail_out
            let status = inflate(&stream, Z_NO_FLUSH)
            consumed += Int(offeredInput - stream.avail_in)
            output.count += Int(offered - stream.avail_out)
            guard output.count <= limit else { throw GzipError.tooLarge(limit: limit) }
            switch status {
            case Z_STREAM_END:
                return consumed
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_out == 0:
                continue  // more room for output first
            case Z_BUF_ERROR where consumed == raw.count:
                throw GzipError.truncated(offset: raw.count)
            case Z_DATA_ERROR:
                throw GzipError(zlibMessage: stream.reason, offset: consumed)
            default:
                throw GzipError.zlibFailure(stream.reason)
            }
        }
    }
}

extension z_stream {
    /// zlib's message for the last error.
    fileprivate var reason: String { msg.map { String(cString: $0) } ?? "zlib error" }
}

/// A growable `malloc` buffer that becomes the returned `Data` without a copy
/// (freed here if decompression fails).
private final class OutputBuffer {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    var count = 0

    init(expected: Int) throws {
        capacity = Swift.max(expected, 1 << 16)
        guard let base = malloc(capacity) else { throw GzipError.zlibFailure("out of memory") }
        self.base = base
    }

    deinit { free(base) }

    var spare: Int { capacity - count }
    var end: UnsafeMutablePointer<Bytef> { (base + count).assumingMemoryBound(to: Bytef.self) }

    /// Doubles the capacity, up to `maximum` (`realloc`, in place where it can).
    func grow(upTo maximum: Int) throws {
        let newCapacity = Swift.min(capacity.multipliedReportingOverflow(by: 2).partialValue, maximum)
        guard newCapacity > capacity, let grown = realloc(base, newCapacity) else {
            throw GzipError.zlibFailure("out of memory for \(capacity) bytes of output")
        }
        base = grown
        capacity = newCapacity
    }

    /// The bytes as `Data` that owns (and later frees) the buffer; the buffer is then empty.
    func take() -> Data {
        guard count > 0, let fitted = realloc(base, count) else { return Data() }
        let data = Data(bytesNoCopy: fitted, count: count, deallocator: .free)
        base = malloc(1)!
        capacity = 1
        count = 0
        return data
    }
}
