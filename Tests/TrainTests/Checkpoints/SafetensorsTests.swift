import Foundation
import Testing
import TowersCore

@testable import Train

/// A safetensors file from a header string and a data buffer (no padding added).
func safetensorsBytes(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) throws -> Data {
    var bytes = Data()
    let headerBytes = Array(header.utf8)
    withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: headerBytes)
    bytes.append(contentsOf: data)
    return bytes
}

@Suite("Safetensors format")
struct SafetensorsTests {
    private func sample() throws -> SafetensorsFile {
        var file = SafetensorsFile(metadata: ["format": "pt", "step": "12", "note": "quote \" and ünïcode"])
        file.set("dense/kernel", try Tensor<Float>.randomNormal([4, 3], seed: 1))
        file.set("dense/bias", Tensor<Float>([0.5, -1.25, 3e-8]))
        file.set("tower_1/w", try Tensor<Double>.randomUniform([2, 2, 3], lower: -1, upper: 1, seed: 2))
        file.set("scalar", Tensor<Double>(Double.pi))
        file.set("empty", try Tensor<Float>.zeros([0, 5]))
        file.set("ключ/β", Tensor<Float>([1, 2]))
        return file
    }

    @Test("Float and Double tensors round-trip through bytes and files")
    func roundTrip() throws {
        let file = try sample()
        let bytes = try file.serialized()
        let decoded = try SafetensorsFile(bytes: bytes)
        #expect(decoded == file)
        let kernel = try decoded.tensor(named: "dense/kernel", as: Float.self)
        #expect(kernel.shape == [4, 3])
        #expect(try kernel.scalars == Tensor<Float>.randomNormal([4, 3], seed: 1).scalars)
        let w: Tensor<Double> = try decoded.tensor(named: "tower_1/w")
        #expect(try w.scalars == Tensor<Double>.randomUniform([2, 2, 3], lower: -1, upper: 1, seed: 2).scalars)
        #expect(try decoded.tensor(named: "scalar", as: Double.self).shape == [])
        #expect(try decoded.tensor(named: "scalar", as: Double.self).scalar == Double.pi)
        #expect(try decoded.tensor(named: "empty", as: Float.self).shape == [0, 5])
        #expect(decoded.metadata["note"] == "quote \" and ünïcode")

        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let url = directory.file("model.safetensors")
        try file.write(to: url)
        #expect(try SafetensorsFile.read(from: url) == file)
        #expect(try Data(contentsOf: url) == bytes)
    }

    @Test("layout: 8-byte aligned header padded with spaces, tensors contiguous in name order")
    func layout() throws {
        let file = try sample()
        let bytes = try file.serialized()
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{\"__metadata__\":{"))
        let json = try #require(
            JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])
        var cursor = 0
        for name in file.names {
            let entry = try #require(json[name] as? [String: Any])
            let offsets = try #require(entry["data_offsets"] as? [Int])
            #expect(offsets[0] == cursor)
            cursor = offsets[1]
            #expect(entry["dtype"] as? String == file[name]!.dtype.safetensorsName)
            #expect(entry["shape"] as? [Int] == file[name]!.shape)
        }
        #expect(8 + headerLength + cursor == bytes.count)
        #expect(file.names == ["dense/bias", "dense/kernel", "empty", "scalar", "tower_1/w", "ключ/β"])
        #expect(try SafetensorsFile().serialized() == safetensorsBytes(header: "{}      "))
    }

    @Test("typed accessors: missing names, dtype mismatches, conversion, raw entries")
    func accessors() throws {
        let file = try sample()
        #expect(throws: SafetensorsError.tensorNotFound(file: nil, name: "nope")) {
            try file.tensor(named: "nope", as: Float.self)
        }
        let mismatch = SafetensorsError.dtypeMismatch(tensor: "dense/kernel", expected: .float64, found: .float32)
        #expect(throws: mismatch) { try file.tensor(named: "dense/kernel", as: Double.self) }
        #expect(mismatch.description == "tensor 'dense/kernel': stored as F32, requested as F64")
        #expect(throws: SafetensorsError.dtypeMismatch(tensor: nil, expected: .float32, found: .float64)) {
            try file["scalar"]!.tensor(as: Float.self)
        }
        #expect(file["dense/bias"]!.converted(to: Double.self).scalars == [0.5, -1.25, Double(Float(3e-8))])
        #expect(try file["dense/bias"]!.scalars(as: Float.self) == [0.5, -1.25, 3e-8])

        let raw = try AnyTensorData(dtype: .float64, shape: [2], bytes: Data(count: 16))
        #expect(raw.count == 2)
        #expect(try raw.scalars(as: Double.self) == [0, 0])
        #expect(throws: SafetensorsError.byteCountMismatch(shape: [2, 2], dtype: .float32, byteCount: 12)) {
            try AnyTensorData(dtype: .float32, shape: [2, 2], bytes: Data(count: 12))
        }
        #expect(throws: SafetensorsError.self) {
            try AnyTensorData(dtype: .float32, shape: [-1], bytes: Data())
        }
        #expect(try AnyTensorData(shape: [1], scalars: [Float(1)]).bytes == Data([0, 0, 0x80, 0x3F]))

        var reserved = SafetensorsFile()
        reserved.set("__metadata__", Tensor<Float>([1]))
        #expect(throws: SafetensorsError.reservedName("__metadata__")) { try reserved.serialized() }
    }

    @Test("reading a missing file or writing into a missing directory throws")
    func fileErrors() {
        #expect {
            try SafetensorsFile.read(from: URL(fileURLWithPath: "/nonexistent/x.safetensors"))
        } throws: { error in
            guard case .unreadable(let file, _) = error as? SafetensorsError else { return false }
            return file == "/nonexistent/x.safetensors"
        }
        #expect {
            try SafetensorsFile().write(to: URL(fileURLWithPath: "/nonexistent/x.safetensors"))
        } throws: { error in
            guard case .writeFailed(let file, _) = error as? SafetensorsError else { return false }
            return file == "/nonexistent/x.safetensors"
        }
    }
}

@Suite("Safetensors corrupt files")
struct SafetensorsCorruptionTests {
    private let file = "bad.safetensors"

    private func read(_ bytes: Data) throws -> SafetensorsFile {
        try SafetensorsFile(bytes: bytes, source: file)
    }

    private func expectError(
        _ expected: SafetensorsError, header: String, data: [UInt8] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(throws: expected, sourceLocation: sourceLocation) {
            try read(safetensorsBytes(header: header, data: data))
        }
        #expect(expected.description.hasPrefix(file + ": "), sourceLocation: sourceLocation)
    }

    @Test("every truncation of a valid file throws the right typed error")
    func truncation() throws {
        var valid = SafetensorsFile(metadata: ["k": "v"])
        valid.set("a", Tensor<Float>([1, 2, 3]))
        valid.set("b", try Tensor<Double>([[1, 2], [3, 4]]))
        let bytes = try valid.serialized()
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        for length in 0..<bytes.count {
            let prefix = bytes.prefix(length)
            do {
                _ = try read(prefix)
                Issue.record("prefix of \(length) bytes was accepted")
            } catch let error as SafetensorsError {
                switch error {
                case .fileTooShort(let name, let count):
                    #expect(length < 8 && count == length && name == file)
                case .headerTooLong(_, let declared, let available):
                    #expect(length >= 8 && length < 8 + headerLength)
                    #expect(declared == UInt64(headerLength) && available == length - 8)
                case .offsetsOutOfBounds(_, let tensor, _, _, let size):
                    #expect(length >= 8 + headerLength && size == length - 8 - headerLength)
                    #expect(tensor == "b" || tensor == "a")
                default:
                    Issue.record("prefix of \(length) bytes: unexpected \(error)")
                }
                #expect("\(error)".hasPrefix("bad.safetensors: "))
            }
        }
        #expect(try read(bytes) == valid)
    }

    @Test("flipped bytes anywhere never crash the reader")
    func flips() throws {
        var valid = SafetensorsFile(metadata: ["k": "v"])
        valid.set("layer/w", try Tensor<Float>.ones([3, 2]))
        valid.set("layer/b", try Tensor<Double>.zeros([2]))
        let bytes = try valid.serialized()
        var rng = SeededRandom(seed: 77)
        var failures = 0
        for trial in 0..<3000 {
            var corrupt = bytes
            let index = trial < bytes.count ? trial : rng.nextInt(below: bytes.count)
            corrupt[index] ^= UInt8(truncatingIfNeeded: 1 + rng.nextInt(below: 255))
            do {
                _ = try read(corrupt)
            } catch {
                #expect(error is SafetensorsError)
                failures += 1
            }
        }
        #expect(failures > 1000)
    }

    @Test("malformed headers give specific errors that name the file")
    func headers() {
        let f32x2 = #""dtype":"F32","shape":[2]"#
        expectError(.invalidJSON(file: file, reason: "invalid literal at header byte 0"), header: "not json")
        expectError(.invalidJSON(file: file, reason: "unexpected end, expected a value at header byte 0"), header: "")
        expectError(.invalidJSON(file: file, reason: "expected ':' at header byte 5"), header: #"{"a" 1}"#)
        expectError(
            .invalidJSON(file: file, reason: "unexpected text after the JSON value at header byte 3"), header: "{} x")
        expectError(.headerNotObject(file: file), header: "[1, 2]    ")
        expectError(.entryNotObject(file: file, tensor: "a"), header: #"{"a": 3}"#)
        expectError(
            .missingField(file: file, tensor: "a", field: "dtype"),
            header: #"{"a": {"shape": [], "data_offsets": [0, 4]}}"#)
        expectError(
            .missingField(file: file, tensor: "a", field: "shape"),
            header: #"{"a": {"dtype": "F32", "data_offsets": [0, 4]}}"#)
        expectError(
            .missingField(file: file, tensor: "a", field: "data_offsets"),
            header: #"{"a": {"dtype": "F32", "shape": []}}"#)
        expectError(
            .unsupportedDType(file: file, tensor: "h", dtype: "U8"),
            header: #"{"h": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}}"#, data: [0, 0])
        expectError(
            .invalidField(file: file, tensor: "a", field: "dtype", reason: "is a number, not a string"),
            header: #"{"a": {"dtype": 32, "shape": [2], "data_offsets": [0, 8]}}"#)
        expectError(
            .invalidField(file: file, tensor: "a", field: "shape", reason: "must hold non-negative integers, found -2"),
            header: #"{"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}"#)
        expectError(
            .invalidField(
                file: file, tensor: "a", field: "shape", reason: "must hold non-negative integers, found 2.0"),
            header: #"{"a": {"dtype": "F32", "shape": [2.0], "data_offsets": [0, 8]}}"#)
        expectError(
            .invalidField(file: file, tensor: "a", field: "shape", reason: "is a string, not an array"),
            header: #"{"a": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}}"#)
        expectError(
            .invalidField(file: file, tensor: "a", field: "shape", reason: "[4611686018427387904, 4] is too large"),
            header: #"{"a": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}}"#)
        expectError(
            .invalidField(
                file: file, tensor: "a", field: "data_offsets", reason: "must be an array of two integers [begin, end]"),
            header: "{\"a\": {\(f32x2), \"data_offsets\": [0]}}")
        expectError(
            .invalidField(
                file: file, tensor: "a", field: "data_offsets",
                reason: "must hold non-negative integers, found [0, 1e3]"),
            header: "{\"a\": {\(f32x2), \"data_offsets\": [0, 1e3]}}")
        expectError(
            .invalidField(file: file, tensor: "a", field: "data_offsets", reason: "begin 8 is after end 0"),
            header: "{\"a\": {\(f32x2), \"data_offsets\": [8, 0]}}", data: Array(repeating: 0, count: 8))
        expectError(
            .sizeMismatch(file: file, tensor: "a", shape: [2], dtype: .float32, expectedBytes: 8, actualBytes: 12),
            header: "{\"a\": {\(f32x2), \"data_offsets\": [0, 12]}}", data: Array(repeating: 0, count: 12))
        expectError(
            .offsetsOutOfBounds(file: file, tensor: "a", begin: 0, end: 8, bufferSize: 4),
            header: "{\"a\": {\(f32x2), \"data_offsets\": [0, 8]}}", data: [0, 0, 0, 0])
        expectError(
            .offsetsOutOfBounds(
                file: file, tensor: "a", begin: 9_223_372_036_854_775_800, end: 9_223_372_036_854_775_804, bufferSize: 0
            ),
            header: #"{"a": {"dtype":"F32","shape":[1], "data_offsets": [9223372036854775800, 9223372036854775804]}}"#)
        expectError(
            .overlappingTensors(file: file, tensor: "b", other: "a"),
            header: "{\"a\": {\(f32x2), \"data_offsets\": [0, 8]}, \"b\": {\(f32x2), \"data_offsets\": [4, 12]}}",
            data: Array(repeating: 0, count: 12))
        expectError(
            .gapBeforeTensor(file: file, tensor: "b", expectedBegin: 8, begin: 12),
            header: "{\"a\": {\(f32x2), \"data_offsets\": [0, 8]}, \"b\": {\(f32x2), \"data_offsets\": [12, 20]}}",
            data: Array(repeating: 0, count: 20))
        expectError(
            .gapBeforeTensor(file: file, tensor: "a", expectedBegin: 0, begin: 4),
            header: "{\"a\": {\(f32x2), \"data_offsets\": [4, 12]}}", data: Array(repeating: 0, count: 12))
        expectError(
            .trailingBytes(file: file, count: 4),
            header: "{\"a\": {\(f32x2), \"data_offsets\": [0, 8]}}", data: Array(repeating: 0, count: 12))
        expectError(
            .duplicateName(file: file, name: "a"),
            header: "{\"a\": {\(f32x2), \"data_offsets\": [0, 8]}, \"a\": {\(f32x2), \"data_offsets\": [0, 8]}}",
            data: Array(repeating: 0, count: 8))
        expectError(
            .invalidMetadata(file: file, reason: "value of 'step' is a number, not a string"),
            header: #"{"__metadata__": {"step": 3}}"#)
        expectError(
            .invalidMetadata(file: file, reason: "is an array, not an object"), header: #"{"__metadata__": []}"#)
        expectError(
            .invalidJSON(file: file, reason: "nesting deeper than 64 levels at header byte 79"),
            header: "{\"__metadata__\":" + String(repeating: "[", count: 100000))
        expectError(
            .invalidJSON(file: file, reason: "control character in a string at header byte 2"),
            header: "{\"\u{1}\": 1}")
        expectError(.invalidJSON(file: file, reason: "invalid escape '\\q' at header byte 3"), header: #"{"\q": 1}"#)
        expectError(.invalidJSON(file: file, reason: "unterminated string at header byte 1"), header: #"{"abc"#)
        expectError(
            .invalidJSON(file: file, reason: "unpaired surrogate in a \\u escape at header byte 8"),
            header: #"{"\ud800": 1}"#)
    }

    @Test("as Python's safetensors: a duplicate field in an entry, -0, and non-integers are rejected")
    func pythonRules() throws {
        let f32x2 = #""dtype":"F32","shape":[2]"#
        let eight = [UInt8](repeating: 0, count: 8)
        expectError(
            .duplicateField(file: file, tensor: "a", field: "dtype"),
            header: #"{"a": {"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, data: eight)
        expectError(
            .duplicateField(file: file, tensor: "a", field: "shape"),
            header: #"{"a": {"dtype":"F32","shape":[3],"shape":[2],"data_offsets":[0,8]}}"#, data: eight)
        // The same key spelled with an escape is the same key.
        expectError(
            .duplicateField(file: file, tensor: "a", field: "data_offsets"),
            header: "{\"a\": {\(f32x2),\"data_offsets\":[0,8],\"data_offset\\u0073\":[0,8]}}", data: eight)
        expectError(
            .invalidField(file: file, tensor: "a", field: "shape", reason: "must hold non-negative integers, found -0"),
            header: #"{"a": {"dtype":"F32","shape":[-0, 2],"data_offsets":[0,0]}}"#)
        expectError(
            .invalidField(
                file: file, tensor: "a", field: "data_offsets", reason: "must hold non-negative integers, found [-0, 8]"
            ),
            header: "{\"a\": {\(f32x2),\"data_offsets\":[-0,8]}}", data: eight)
        expectError(
            .invalidField(
                file: file, tensor: "a", field: "shape", reason: "must hold non-negative integers, found 2e0"),
            header: #"{"a": {"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}"#, data: eight)
        expectError(
            .invalidField(
                file: file, tensor: "a", field: "shape", reason: "[18446744073709551616] is too large"),
            header: #"{"a": {"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}}"#, data: eight)
        expectError(
            .invalidField(file: file, tensor: "a", field: "shape", reason: "[18446744073709551615] is too large"),
            header: #"{"a": {"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,8]}}"#, data: eight)
        expectError(
            .invalidField(
                file: file, tensor: "a", field: "data_offsets",
                reason: "[0, 9223372036854775808] are beyond any file Towers reads"),
            header: "{\"a\": {\(f32x2),\"data_offsets\":[0,9223372036854775808]}}", data: eight)
        // Accepted as Python accepts them: unknown fields, null metadata, surrounding spaces.
        let lenient = try read(
            safetensorsBytes(
                header: "  {\"__metadata__\": null, \"a\": {\(f32x2),\"data_offsets\":[0,8],\"extra\":1}}  ",
                data: eight))
        #expect(lenient.metadata.isEmpty)
        #expect(try lenient.tensor(named: "a", as: Float.self).scalars == [0, 0])
    }

    @Test("invalid UTF-8 in the header, and absurd header lengths")
    func rawBytes() throws {
        var bytes = try safetensorsBytes(header: "{\"\u{E9}\": 1}")
        bytes[10] = 0xFF  // break the two-byte UTF-8 sequence
        #expect(throws: SafetensorsError.invalidJSON(file: file, reason: "string is not valid UTF-8 at header byte 1"))
        {
            try read(bytes)
        }
        #expect(throws: SafetensorsError.headerTooLong(file: file, headerLength: UInt64.max, available: 2)) {
            try read(safetensorsBytes(header: "{}", declaredLength: UInt64.max))
        }
        #expect(
            SafetensorsError.headerTooLong(file: file, headerLength: 100, available: 2).description
                == "bad.safetensors: header length 100 is larger than the 2 bytes that follow it "
                + "(truncated or not a safetensors file?)")
        #expect(throws: SafetensorsError.fileTooShort(file: file, byteCount: 3)) { try read(Data([1, 2, 3])) }
    }

    @Test("zero-sized tensors may share an offset; entries may come in any order")
    func permissive() throws {
        let header =
            #"{"z": {"dtype": "F64", "shape": [0], "data_offsets": [8, 8]}, "#
            + #""b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}, "#
            + #""a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "#
            + #""y": {"dtype": "F32", "shape": [0, 3], "data_offsets": [0, 0]}}    "#
        let decoded = try read(safetensorsBytes(header: header, data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]))
        #expect(try decoded.tensor(named: "a", as: Float.self).scalars == [1])
        #expect(try decoded.tensor(named: "b", as: Float.self).scalars == [2])
        #expect(try decoded.tensor(named: "z", as: Double.self).shape == [0])
        #expect(decoded.names == ["a", "b", "y", "z"])
    }
}
