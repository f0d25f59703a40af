public import Foundation

/// A decoder for raw DEFLATE streams (RFC 1951): stored, fixed-Huffman and
/// dynamic-Huffman blocks. ``Gzip`` wraps it for `.gz` files.
///
/// Corrupt or truncated input throws a ``GzipError``; it never traps.
///
/// ```swift
/// let raw = try Inflate.decompress(deflateBytes)   // e.g. from zlib with wbits = -15
/// ```
public enum Inflate {
    /// Decompresses one raw DEFLATE stream. Bytes after the final block are ignored.
    ///
    /// - Throws: ``GzipError`` when the stream is malformed or truncated.
    public static func decompress(_ data: Data) throws -> Data {
        var output: [UInt8] = []
        output.reserveCapacity(data.count * 3)
        _ = try data.withUnsafeBytes { raw in
            try inflate(raw, from: 0, into: &output)
        }
        return Data(output)
    }

    /// Decodes the DEFLATE stream that starts at byte `start` of `input`, appending
    /// to `output`, and returns the index of the first byte after the stream
    /// (rounded up to a whole byte).
    static func inflate(_ input: UnsafeRawBufferPointer, from start: Int, into output: inout [UInt8]) throws -> Int {
        var reader = BitReader(bytes: input, position: start)
        let outputStart = output.count
        var isFinal = false
        while !isFinal {
            isFinal = try reader.bits(1) == 1
            let type = try reader.bits(2)
            switch type {
            case 0:
                try stored(&reader, into: &output)
            case 1:
                try codes(
                    &reader, literals: HuffmanCode.fixedLiterals, distances: HuffmanCode.fixedDistances,
                    into: &output, outputStart: outputStart)
            case 2:
                let (literals, distances) = try dynamicCodes(&reader)
                try codes(&reader, literals: literals, distances: distances, into: &output, outputStart: outputStart)
            default:
                throw GzipError.invalidBlockType(offset: reader.byteOffset)
            }
        }
        reader.rewindToByteBoundary()
        return reader.position
    }

    private static func stored(_ reader: inout BitReader, into output: inout [UInt8]) throws {
        reader.rewindToByteBoundary()
        let start = reader.position
        let bytes = reader.bytes
        guard bytes.count - start >= 4 else { throw GzipError.truncated(offset: bytes.count) }
        let length = Int(bytes[start]) | Int(bytes[start + 1]) << 8
        let complement = Int(bytes[start + 2]) | Int(bytes[start + 3]) << 8
        guard length == ~complement & 0xFFFF else { throw GzipError.storedLengthMismatch(offset: start) }
        let dataStart = start + 4
        guard bytes.count - dataStart >= length else { throw GzipError.truncated(offset: bytes.count) }
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[dataStart..<(dataStart + length)]))
        reader.position = dataStart + length
    }

    private static let lengthBase: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtra: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    /// The order in which code-length code lengths are transmitted.
    private static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// Decodes literal/length and distance symbols until end-of-block.
    private static func codes(
        _ reader: inout BitReader, literals: HuffmanCode, distances: HuffmanCode, into output: inout [UInt8],
        outputStart: Int
    ) throws {
        while true {
            let symbol = try reader.decode(literals)
            if symbol < 256 {
                output.append(UInt8(truncatingIfNeeded: symbol))
            } else if symbol == 256 {
                return
            } else {
                let lengthIndex = symbol - 257
                guard lengthIndex < 29 else {
                    throw GzipError.invalidHuffmanData(
                        offset: reader.byteOffset, reason: "invalid length symbol \(symbol)")
                }
                let length = try lengthBase[lengthIndex] + reader.bits(lengthExtra[lengthIndex])
                let distanceSymbol = try reader.decode(distances)
                guard distanceSymbol < 30 else {
                    throw GzipError.invalidHuffmanData(
                        offset: reader.byteOffset, reason: "invalid distance symbol \(distanceSymbol)")
                }
                let distance = try distanceBase[distanceSymbol] + reader.bits(distanceExtra[distanceSymbol])
                let available = output.count - outputStart
                guard distance <= available else {
                    throw GzipError.distanceTooFar(offset: reader.byteOffset, distance: distance, available: available)
                }
                copyMatch(&output, distance: distance, length: length)
            }
        }
    }

    /// Appends `length` bytes copied from `distance` bytes back (the ranges may overlap).
    @inline(__always)
    private static func copyMatch(_ output: inout [UInt8], distance: Int, length: Int) {
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: length))
        output.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            if distance >= length {
                (base + start).update(from: base + start - distance, count: length)
            } else {
                for i in start..<(start + length) { base[i] = base[i - distance] }
            }
        }
    }

    /// Reads a dynamic block's code descriptions (RFC 1951 §3.2.7).
    private static func dynamicCodes(_ reader: inout BitReader) throws -> (HuffmanCode, HuffmanCode) {
        let literalCount = try reader.bits(5) + 257
        let distanceCount = try reader.bits(5) + 1
        let codeLengthCount = try reader.bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw GzipError.invalidHuffmanData(
                offset: reader.byteOffset,
                reason: "too many codes (\(literalCount) literal/length, \(distanceCount) distance)")
        }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount {
            codeLengthLengths[codeLengthOrder[i]] = UInt8(try reader.bits(3))
        }
        let codeLengthCode = try HuffmanCode(lengths: codeLengthLengths[...], offset: reader.byteOffset)
        guard !codeLengthCode.isIncomplete else {
            throw GzipError.invalidHuffmanData(offset: reader.byteOffset, reason: "incomplete code-length code")
        }

        let total = literalCount + distanceCount
        var lengths = [UInt8](repeating: 0, count: total)
        var index = 0
        while index < total {
            let symbol = try reader.decode(codeLengthCode)
            if symbol < 16 {
                lengths[index] = UInt8(symbol)
                index += 1
                continue
            }
            var value: UInt8 = 0
            let repeatCount: Int
            switch symbol {
            case 16:
                guard index > 0 else {
                    throw GzipError.invalidHuffmanData(
                        offset: reader.byteOffset, reason: "repeat of a code length with no previous length")
                }
                value = lengths[index - 1]
                repeatCount = try 3 + reader.bits(2)
            case 17:
                repeatCount = try 3 + reader.bits(3)
            default:
                repeatCount = try 11 + reader.bits(7)
            }
            guard index + repeatCount <= total else {
                throw GzipError.invalidHuffmanData(offset: reader.byteOffset, reason: "code lengths overrun the table")
            }
            for i in index..<(index + repeatCount) { lengths[i] = value }
            index += repeatCount
        }
        guard lengths[256] != 0 else {
            throw GzipError.invalidHuffmanData(offset: reader.byteOffset, reason: "no end-of-block code")
        }
        let literals = try HuffmanCode(lengths: lengths[0..<literalCount], offset: reader.byteOffset)
        guard !literals.isIncomplete || literals.isSingleShortCode else {
            throw GzipError.invalidHuffmanData(offset: reader.byteOffset, reason: "incomplete literal/length code")
        }
        let distances = try HuffmanCode(lengths: lengths[literalCount...], offset: reader.byteOffset)
        guard !distances.isIncomplete || distances.isSingleShortCode else {
            throw GzipError.invalidHuffmanData(offset: reader.byteOffset, reason: "incomplete distance code")
        }
        return (literals, distances)
    }
}

/// Reads a DEFLATE bit stream: bits come least-significant first within each byte.
struct BitReader {
    let bytes: UnsafeRawBufferPointer
    /// The next byte to load into ``buffer``.
    var position: Int
    private var buffer: UInt64 = 0
    private var count = 0

    init(bytes: UnsafeRawBufferPointer, position: Int) {
        self.bytes = bytes
        self.position = position
    }

    /// The index of the byte holding the next unread bit (for error messages).
    var byteOffset: Int { position - (count + 7) / 8 }

    @inline(__always)
    private mutating func refill() {
        while count <= 56 && position < bytes.count {
            buffer |= UInt64(bytes[position]) << UInt64(count)
            position += 1
            count += 8
        }
    }

    /// The next `n` bits (0...32) as an integer, first bit lowest.
    @inline(__always)
    mutating func bits(_ n: Int) throws -> Int {
        if count < n {
            refill()
            if count < n { throw GzipError.truncated(offset: bytes.count) }
        }
        let value = Int(truncatingIfNeeded: buffer & ((1 << UInt64(n)) &- 1))
        buffer >>= UInt64(n)
        count -= n
        return value
    }

    /// Decodes one symbol of `code`.
    @inline(__always)
    mutating func decode(_ code: HuffmanCode) throws -> Int {
        if count < code.maxLength { refill() }
        let entry = code.table[Int(truncatingIfNeeded: buffer & code.mask)]
        let length = Int(entry & 15)
        guard length != 0 else {
            if count < code.maxLength { throw GzipError.truncated(offset: bytes.count) }
            throw GzipError.invalidHuffmanData(offset: byteOffset, reason: "bit pattern matches no code")
        }
        guard length <= count else { throw GzipError.truncated(offset: bytes.count) }
        buffer >>= UInt64(length)
        count -= length
        return Int(entry >> 4)
    }

    /// Drops the bits left in the current byte and gives back whole buffered bytes,
    /// so ``position`` is the next unread byte.
    mutating func rewindToByteBoundary() {
        position -= count / 8
        buffer = 0
        count = 0
    }
}

/// A canonical Huffman code decoded through one lookup table indexed by the
/// next `maxLength` input bits.
struct HuffmanCode: Sendable {
    /// `symbol << 4 | length`; 0 where no code matches.
    let table: [UInt16]
    let maxLength: Int
    let mask: UInt64
    /// Whether the code lengths leave some bit patterns unused.
    let isIncomplete: Bool
    /// Whether the code has exactly one symbol, with a one-bit code (allowed to be incomplete).
    let isSingleShortCode: Bool

    /// Builds the code from per-symbol bit lengths (0 = unused, at most 15).
    /// Throws when the lengths are over-subscribed.
    init(lengths: ArraySlice<UInt8>, offset: Int) throws {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths { counts[Int(length)] += 1 }
        var left = 1
        for length in 1...15 {
            left = (left << 1) - counts[length]
            guard left >= 0 else {
                throw GzipError.invalidHuffmanData(offset: offset, reason: "over-subscribed code lengths")
            }
        }
        let used = lengths.count - counts[0]
        isIncomplete = left > 0 && used > 0
        isSingleShortCode = used == 0 || (used == 1 && counts[1] == 1)
        let maxLength = (1...15).last { counts[$0] > 0 } ?? 0
        self.maxLength = maxLength
        mask = (1 << UInt64(maxLength)) - 1

        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            let shorter = length == 1 ? 0 : counts[length - 1]  // counts[0] counts unused symbols
            code = (code + shorter) << 1
            nextCode[length] = code
        }
        var table = [UInt16](repeating: 0, count: 1 << maxLength)
        for (symbol, lengthByte) in lengths.enumerated() where lengthByte > 0 {
            let length = Int(lengthByte)
            let code = nextCode[length]
            nextCode[length] += 1
            var reversed = 0
            for bit in 0..<length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
            let entry = UInt16(symbol << 4 | length)
            var index = reversed
            while index < table.count {
                table[index] = entry
                index += 1 << length
            }
        }
        self.table = table
    }

    static let fixedLiterals: HuffmanCode = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        return try! HuffmanCode(lengths: lengths[...], offset: 0)
    }()

    static let fixedDistances: HuffmanCode = {
        try! HuffmanCode(lengths: [UInt8](repeating: 5, count: 30)[...], offset: 0)
    }()
}
