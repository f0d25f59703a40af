import Foundation
import Testing
import TowersCore

@testable import Train

@Suite("Gzip decoding through zlib")
struct GzipTests {
    private func decode(_ base64: String) throws -> Data {
        try Gzip.decompress(Data(base64Encoded: base64)!)
    }

    @Test("embedded fixtures: empty, stored, fixed and dynamic Huffman")
    func fixtures() throws {
        #expect(try decode("H4sIAAAAAAAAAwMAAAAAAAAAAAA=") == Data())
        let stored = "H4sIAAAAAAAEAwEnANj/aGVsbG8gdG93ZXJzCmhlbGxvIHRvd2VycwpoZWxsbyB0b3dlcnMKsR6kHCcAAAA="
        #expect(try decode(stored) == Data(String(repeating: "hello towers\n", count: 3).utf8))
        let fixed = "H4sIAAAAAAACA8tIzcnJ11HIQKIUSvLLU4uKFVEER+VG5UByAKIZe1IwAgAA"
        #expect(try decode(fixed) == Data(String(repeating: "hello, hello, hello towers! ", count: 20).utf8))
        let dynamic =
            "H4sIAAAAAAACA+2OSRLCIBREr9LurZTzUF7ApYtcAAwQFPkJYUg4vcTyCu5cv+7XXbcCfdD3J7ijZCFpxCO8ugEUhYMv2LA8oSFV4cZK"
            + "7jWBl1DSvoXUURSUhYXRfSBXumpY4EoJUYzaKjN99Q2THllwx4bPwAVD12o7giS4mcV9YM7nZaGNEvNMpFRhtd5sd/vD8XRG/f/6k6"
            + "9vBSVx1wQCAAA="
        let sentence =
            "The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs! How vexingly "
            + "quick daft zebras jump; sphinx of black quartz, judge my vow. 0123456789 "
        #expect(try decode(dynamic) == Data(String(repeating: sentence, count: 3).utf8))
    }

    @Test("CRC-32 check value")
    func crc32() {
        #expect(Gzip.crc32(Data("123456789".utf8)) == 0xCBF4_3926)
        #expect(Gzip.crc32(Data()) == 0)
    }

    @Test("not gzip, and every truncation of a valid stream, throw typed errors")
    func truncation() throws {
        #expect(throws: GzipError.notGzip) { try Gzip.decompress(Data("plain text".utf8)) }
        #expect(throws: GzipError.notGzip) { try Gzip.decompress(Data()) }
        let sentence = "The quick brown fox jumps over the lazy dog. "
        let original = Data(String(repeating: sentence, count: 3).utf8)
        let full = try gzipWithPython(original, level: 9)
        for length in 0..<full.count {
            #expect(throws: GzipError.self, "prefix of \(length) bytes") {
                try Gzip.decompress(full.prefix(length))
            }
        }
    }

    @Test("flipped bits never crash: either a GzipError or the original bytes")
    func corruption() throws {
        var rng = SeededRandom(seed: 2024)
        var unnoticed = 0
        let original = Data((0..<4000).map { UInt8(truncatingIfNeeded: $0 * $0 / 7) })
        for level in [0, 1, 6, 9] {
            let valid = try gzipWithPython(original, level: level)
            for _ in 0..<300 {
                var corrupt = valid
                let index = Int.random(in: 0..<corrupt.count, using: &rng)
                corrupt[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
                do {
                    let decoded = try Gzip.decompress(corrupt)
                    // Some flips are harmless: unchecked header fields (mtime, XFL, OS), padding
                    // bits, or a distance that points at identical bytes. The CRC vouches for the rest.
                    #expect(decoded == original, "byte \(index) flipped, level \(level)")
                    if decoded == original { unnoticed += 1 }
                } catch {
                    #expect(error is GzipError)
                }
            }
        }
        #expect(unnoticed < 200)
    }

    @Test("trailer checks: CRC and ISIZE mismatches are reported")
    func trailer() throws {
        let valid = try gzipWithPython(Data("abcabcabc".utf8), level: 6)
        var badCRC = valid
        badCRC[valid.count - 8] ^= 0xFF
        #expect {
            try Gzip.decompress(badCRC)
        } throws: { error in
            guard case .crcMismatch = error as? GzipError else { return false }
            return "\(error)".contains("CRC32 mismatch")
        }
        var badSize = valid
        badSize[valid.count - 4] ^= 0x01
        #expect {
            try Gzip.decompress(badSize)
        } throws: { error in
            guard case .sizeMismatch = error as? GzipError else { return false }
            return true
        }
        var garbage = valid
        garbage.append(contentsOf: [1, 2, 3])
        #expect(throws: GzipError.trailingGarbage(offset: valid.count)) { try Gzip.decompress(garbage) }
        var padded = valid
        padded.append(contentsOf: [0, 0, 0, 0])
        #expect(try Gzip.decompress(padded) == Data("abcabcabc".utf8))
    }

    /// A gzip member around a raw DEFLATE body, with an empty-output trailer.
    private func member(_ deflate: [UInt8]) -> Data {
        Data([0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0x03] + deflate + [0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test("hand-made corrupt DEFLATE streams give zlib's reason and the offset")
    func corruptDeflate() {
        func expectCorrupt(_ deflate: [UInt8], _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(sourceLocation: sourceLocation) {
                try Gzip.decompress(member(deflate))
            } throws: { error in
                guard case .corrupt(let offset, let actual) = error as? GzipError else { return false }
                return actual == reason && offset >= 10 && "\(error)".hasPrefix("corrupt gzip data at byte ")
            }
        }
        // Block type 3 (reserved): BFINAL=1, BTYPE=11.
        expectCorrupt([0x07], "invalid block type")
        // Stored block whose NLEN is not ~LEN.
        expectCorrupt([0x01, 0x05, 0x00, 0x00, 0x00], "invalid stored block lengths")
        // Fixed block: a back-reference (length 3, distance 1) before any literal.
        expectCorrupt([0x03, 0x02, 0x00], "invalid distance too far back")
        // Dynamic blocks: every code length zero (no end-of-block code), and HLIT = 31 (> 286 symbols).
        expectCorrupt([0x05] + [UInt8](repeating: 0, count: 40), "invalid code -- missing end-of-block")
        expectCorrupt([0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "too many length or distance symbols")
        // A header that names another compression method, or sets reserved flags.
        #expect(throws: GzipError.corrupt(offset: 4, reason: "unknown compression method")) {
            try Gzip.decompress(Data([0x1F, 0x8B, 0x07, 0, 0, 0, 0, 0, 0, 0x03, 0x03, 0x00]))
        }
        #expect(throws: GzipError.self) {
            try Gzip.decompress(Data([0x1F, 0x8B, 0x08, 0xE0, 0, 0, 0, 0, 0, 0x03, 0x03, 0x00]))
        }
    }

    @Test("a decompressed-size cap: a small file that inflates far beyond it throws tooLarge")
    func sizeCap() throws {
        let size = 8 << 20
        let bomb = try gzipWithPython(Data(count: size), level: 9)
        #expect(bomb.count < 16 << 10)
        #expect(throws: GzipError.tooLarge(limit: 1 << 20)) { try Gzip.decompress(bomb, maximumSize: 1 << 20) }
        #expect(throws: GzipError.tooLarge(limit: size - 1)) { try Gzip.decompress(bomb, maximumSize: size - 1) }
        #expect(throws: GzipError.tooLarge(limit: 0)) { try Gzip.decompress(bomb, maximumSize: 0) }
        #expect(try Gzip.decompress(bomb, maximumSize: size) == Data(count: size))
        #expect(try Gzip.decompress(bomb) == Data(count: size))
        #expect("\(GzipError.tooLarge(limit: 1 << 20))".contains("more than 1048576 bytes"))
        // Two members count together.
        let twice = bomb + bomb
        #expect(throws: GzipError.tooLarge(limit: size)) { try Gzip.decompress(twice, maximumSize: size) }
        // The default is far above the embedded data, and CSV readers pass the cap through.
        let digits = try Data(contentsOf: try #require(Digits.resourceURL))
        #expect(try Gzip.decompress(digits).count * 100 < Gzip.defaultMaximumSize)
        #expect(throws: CSVError.badCompression(file: "d.csv.gz", .tooLarge(limit: 1000))) {
            try NumericCSV(data: digits, source: "d.csv.gz", maximumDecompressedSize: 1000)
        }
    }

    @Test("streams made by Python's gzip and zlib at every level and strategy")
    func pythonInterop() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let script = """
            import gzip, zlib, random, struct, sys, os
            out = sys.argv[1]
            random.seed(12345)
            def save(name, raw, packed):
                open(os.path.join(out, name + '.raw'), 'wb').write(raw)
                open(os.path.join(out, name), 'wb').write(packed)
            words = [b'tower', b'shared', b'weights', b'siamese', b'scope', b'variable', b'reuse', b'\\n', b', ']
            text = b' '.join(random.choice(words) for _ in range(40000))
            inputs = {
                'empty': b'', 'one': b'x', 'random': random.randbytes(70000), 'text': text,
                'run': b'a' * 70000, 'mixed': random.randbytes(3000) + text[:50000] + b'\\0' * 40000,
            }
            for name, raw in inputs.items():
                for level in range(10):
                    save(f'{name}-l{level}.gz', raw, gzip.compress(raw, compresslevel=level, mtime=0))
                for strategy in ['Z_FIXED', 'Z_HUFFMAN_ONLY', 'Z_RLE', 'Z_FILTERED']:
                    c = zlib.compressobj(6, zlib.DEFLATED, 31, 8, getattr(zlib, strategy))
                    save(f'{name}-{strategy}.gz', raw, c.compress(raw) + c.flush())
            # Sync flushes produce empty stored blocks mid-stream.
            c = zlib.compressobj(6, zlib.DEFLATED, 31)
            parts = [c.compress(text[i:i + 9000]) + c.flush(zlib.Z_SYNC_FLUSH) for i in range(0, 63000, 9000)]
            save('text-syncflush.gz', text[:63000], b''.join(parts) + c.flush())
            # Optional header fields: FEXTRA, FNAME, FCOMMENT and FHCRC.
            body = zlib.compressobj(6, zlib.DEFLATED, -15)
            deflated = body.compress(text[:5000]) + body.flush()
            header = b'\\x1f\\x8b\\x08' + bytes([4 | 8 | 16 | 2]) + struct.pack('<I', 1700000000) + b'\\x00\\x03'
            header += struct.pack('<H', 6) + b'AB\\x02\\x00hi' + b'name.txt\\0' + b'a comment\\0'
            header += struct.pack('<H', zlib.crc32(header) & 0xFFFF)
            trailer = struct.pack('<II', zlib.crc32(text[:5000]), 5000)
            save('headers.gz', text[:5000], header + deflated + trailer)
            # Two members concatenated decode to the concatenation.
            save('members.gz', b'first,' + b'second', gzip.compress(b'first,') + gzip.compress(b'second'))
            """
        let result = try Python.run(script, arguments: [directory.url.path])
        try #require(result.status == 0, "python failed: \(result.stderr)")

        let names = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
            .filter { !$0.hasSuffix(".raw") }.sorted()
        #expect(names.count == 6 * 14 + 3)
        for name in names {
            let packed = try Data(contentsOf: directory.file(name))
            let expected = try Data(contentsOf: directory.file(name + ".raw"))
            let decoded = try Gzip.decompress(packed)
            #expect(decoded == expected, "\(name)")
        }
    }

    @Test("a flipped header CRC16 is caught")
    func headerCRC() throws {
        // Minimal member with FHCRC: header, CRC16, empty fixed block, trailer.
        var header: [UInt8] = [0x1F, 0x8B, 0x08, 0x02, 0, 0, 0, 0, 0, 0x03]
        let crc = Gzip.crc32(Data(header))
        header += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF)]
        let body: [UInt8] = [0x03, 0x00]  // final fixed block with only end-of-block
        let trailer: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(try Gzip.decompress(Data(header + body + trailer)) == Data())
        var bad = header
        bad[10] ^= 1
        #expect(throws: GzipError.corrupt(offset: 12, reason: "header crc mismatch")) {
            try Gzip.decompress(Data(bad + body + trailer))
        }
    }
}

/// `data` gzip-compressed by Python at `level` (with mtime 0).
func gzipWithPython(_ data: Data, level: Int) throws -> Data {
    let directory = try TemporaryDirectory()
    defer { directory.cleanup() }
    let input = directory.file("in"), output = directory.file("out.gz")
    try data.write(to: input)
    let result = try Python.run(
        "import gzip, sys; open(sys.argv[2], 'wb').write(gzip.compress(open(sys.argv[1], 'rb').read(), "
            + "compresslevel=int(sys.argv[3]), mtime=0))",
        arguments: [input.path, output.path, String(level)])
    try #require(result.status == 0, "python gzip failed: \(result.stderr)")
    return try Data(contentsOf: output)
}
