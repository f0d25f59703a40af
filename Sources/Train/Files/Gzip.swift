public import Foundation

/// A gzip (RFC 1952) decoder, for reading `.gz` files: Foundation on Linux has none.
///
/// Decodes every member of a multi-member file, checks each member's CRC32 and
/// ISIZE trailer, and throws a ``GzipError`` on corrupt or truncated input.
///
/// ```swift
/// let compressed = try Data(contentsOf: URL(fileURLWithPath: "digits.csv.gz"))
/// if Gzip.isGzip(compressed) {
///     let csv = try Gzip.decompress(compressed)
/// }
/// ```
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes `1f 8b`.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The decompressed contents of gzip `data` (all members, concatenated).
    ///
    /// - Throws: ``GzipError`` when the data is not gzip, is truncated, or fails a check.
    public static func decompress(_ data: Data) throws -> Data {
        guard isGzip(data) else { throw GzipError.notGzip }
        var output: [UInt8] = []
        output.reserveCapacity(data.count * 4)
        try data.withUnsafeBytes { raw in
            var position = 0
            repeat {
                position = try member(raw, at: position, into: &output)
                // Zero padding after the last member is tolerated (as gzip(1) does).
                var next = position
                while next < raw.count && raw[next] == 0 { next += 1 }
                if next == raw.count { break }
                guard next == position, raw.count - position >= 2, raw[position] == 0x1F, raw[position + 1] == 0x8B
                else { throw GzipError.trailingGarbage(offset: position) }
            } while true
        }
        return Data(output)
    }

    /// The CRC-32 (ISO 3309, as in gzip and zip) of `data`.
    ///
    /// ```swift
    /// Gzip.crc32(Data("123456789".utf8))   // 0xCBF43926
    /// ```
    public static func crc32(_ data: Data) -> UInt32 {
        var crc = CRC32()
        data.withUnsafeBytes { crc.update($0) }
        return crc.value
    }

    private static let flagHeaderCRC: UInt8 = 2, flagExtra: UInt8 = 4
    private static let flagName: UInt8 = 8, flagComment: UInt8 = 16

    /// Decodes the member starting at `start`; returns the offset just past its trailer.
    private static func member(_ raw: UnsafeRawBufferPointer, at start: Int, into output: inout [UInt8]) throws -> Int {
        func need(_ n: Int, at offset: Int) throws {
            guard raw.count - offset >= n else { throw GzipError.truncated(offset: raw.count) }
        }
        func readLE32(_ offset: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(raw[offset + $1]) << UInt32(8 * $1) }
        }
        try need(10, at: start)
        guard raw[start] == 0x1F, raw[start + 1] == 0x8B else { throw GzipError.notGzip }
        guard raw[start + 2] == 8 else { throw GzipError.unsupportedMethod(raw[start + 2]) }
        let flags = raw[start + 3]
        guard flags & 0xE0 == 0 else { throw GzipError.reservedFlags(flags) }
        var position = start + 10
        if flags & flagExtra != 0 {
            try need(2, at: position)
            let extraLength = Int(raw[position]) | Int(raw[position + 1]) << 8
            try need(2 + extraLength, at: position)
            position += 2 + extraLength
        }
        for flag in [flagName, flagComment] where flags & flag != 0 {
            // A zero-terminated string.
            while true {
                try need(1, at: position)
                position += 1
                if raw[position - 1] == 0 { break }
            }
        }
        if flags & flagHeaderCRC != 0 {
            try need(2, at: position)
            var crc = CRC32()
            crc.update(UnsafeRawBufferPointer(rebasing: raw[start..<position]))
            let expected = UInt16(raw[position]) | UInt16(raw[position + 1]) << 8
            let actual = UInt16(truncatingIfNeeded: crc.value)
            guard expected == actual else { throw GzipError.headerChecksumMismatch(expected: expected, actual: actual) }
            position += 2
        }

        let outputStart = output.count
        position = try Inflate.inflate(raw, from: position, into: &output)
        try need(8, at: position)
        let expectedCRC = readLE32(position)
        let expectedSize = readLE32(position + 4)
        var crc = CRC32()
        output.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[outputStart...])) }
        guard crc.value == expectedCRC else { throw GzipError.crcMismatch(expected: expectedCRC, actual: crc.value) }
        let actualSize = UInt32(truncatingIfNeeded: output.count - outputStart)
        guard actualSize == expectedSize else {
            throw GzipError.sizeMismatch(expected: expectedSize, actual: actualSize)
        }
        return position + 8
    }
}

/// The CRC-32 used by gzip (reflected polynomial 0xEDB88320), byte-table driven.
struct CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    private var state: UInt32 = 0xFFFF_FFFF

    /// The checksum of the bytes seen so far.
    var value: UInt32 { ~state }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var c = state
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes { c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        }
        state = c
    }
}
