public import Foundation
public import TowersCore

/// A safetensors file (https://github.com/huggingface/safetensors) in memory:
/// named tensors plus optional string metadata. Reads and writes the format
/// byte-for-byte compatible with Python's `safetensors` package, for `F32` and
/// `F64` tensors.
///
/// Layout: an 8-byte little-endian header length `N`; `N` bytes of UTF-8 JSON
/// mapping each name to `{"dtype", "shape", "data_offsets": [begin, end]}`
/// (offsets into the data buffer) plus an optional `"__metadata__"` object of
/// strings; then the data buffer. Towers writes the header padded with spaces
/// to a multiple of 8 bytes and the tensors contiguously in name order (by
/// UTF-8 bytes), and writes files atomically.
///
/// ```swift
/// var file = SafetensorsFile(metadata: ["step": "1200"])
/// file["dense/kernel"] = AnyTensorData(Tensor<Float>.randomNormal([4, 3], seed: 1))
/// try file.write(to: URL(fileURLWithPath: "model.safetensors"))
///
/// let loaded = try SafetensorsFile.read(from: URL(fileURLWithPath: "model.safetensors"))
/// let kernel = try loaded.tensor(named: "dense/kernel", as: Float.self)
/// ```
public struct SafetensorsFile: Sendable, Equatable {
    /// The tensors by name.
    public var tensors: [String: AnyTensorData]
    /// The `__metadata__` strings (empty when the file has none).
    public var metadata: [String: String]

    /// The header key reserved for metadata.
    public static let metadataKey = "__metadata__"

    /// A file with the given tensors and metadata.
    public init(tensors: [String: AnyTensorData] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor names in the order they are written (by UTF-8 bytes).
    public var names: [String] {
        tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Reads or sets one tensor entry.
    public subscript(name: String) -> AnyTensorData? {
        get { tensors[name] }
        set { tensors[name] = newValue }
    }

    /// Stores a copy of `tensor` under `name`.
    ///
    /// ```swift
    /// file.set("bias", Tensor<Double>.zeros([3]))
    /// ```
    public mutating func set<T: TensorScalar>(_ name: String, _ tensor: Tensor<T>) {
        tensors[name] = AnyTensorData(tensor)
    }

    /// The tensor named `name` as a `Tensor<T>`.
    ///
    /// - Throws: ``SafetensorsError/tensorNotFound(file:name:)`` or
    ///   ``SafetensorsError/dtypeMismatch(tensor:expected:found:)``.
    public func tensor<T: TensorScalar>(named name: String, as type: T.Type = T.self) throws -> Tensor<T> {
        guard let entry = tensors[name] else { throw SafetensorsError.tensorNotFound(file: nil, name: name) }
        guard entry.dtype == T.dtype else {
            throw SafetensorsError.dtypeMismatch(tensor: name, expected: T.dtype, found: entry.dtype)
        }
        return try entry.tensor(as: T.self)
    }

    // MARK: Writing

    /// The file's bytes.
    ///
    /// - Throws: ``SafetensorsError/reservedName(_:)`` if a tensor is named `__metadata__`.
    public func serialized() throws -> Data {
        if tensors[Self.metadataKey] != nil { throw SafetensorsError.reservedName(Self.metadataKey) }
        let order = names
        var header = "{"
        var members: [String] = []
        if !metadata.isEmpty {
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let pairs = keys.map { SafetensorsJSON.quoted($0) + ":" + SafetensorsJSON.quoted(metadata[$0]!) }
            members.append(SafetensorsJSON.quoted(Self.metadataKey) + ":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in order {
            let entry = tensors[name]!
            let end = offset + entry.bytes.count
            let shape = entry.shape.map(String.init).joined(separator: ",")
            members.append(
                SafetensorsJSON.quoted(name) + ":{\"dtype\":\"\(entry.dtype.safetensorsName)\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += members.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        let padding = (8 - headerBytes.count % 8) % 8
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))

        var data = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for name in order { data.append(tensors[name]!.bytes) }
        return data
    }

    /// Writes the file atomically (temporary file in the same directory, `fsync`,
    /// rename), so a crash never leaves a half-written checkpoint.
    ///
    /// - Throws: ``SafetensorsError/reservedName(_:)`` or
    ///   ``SafetensorsError/writeFailed(file:reason:)``.
    public func write(to url: URL) throws {
        let data = try serialized()
        do {
            try AtomicFile.write(data, to: url)
        } catch let error as AtomicFileError {
            throw SafetensorsError.writeFailed(file: url.path, reason: "\(error.step): \(error.reason)")
        }
    }

    // MARK: Reading

    /// Reads and validates a safetensors file.
    ///
    /// ```swift
    /// let file = try SafetensorsFile.read(from: URL(fileURLWithPath: "model.safetensors"))
    /// print(file.names, file.metadata)
    /// ```
    /// - Throws: ``SafetensorsError`` naming the file's path and the problem.
    public static func read(from url: URL) throws -> SafetensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SafetensorsError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try SafetensorsFile(bytes: data, source: url.path)
    }

    /// Parses and validates safetensors bytes.
    ///
    /// ```swift
    /// let file = try SafetensorsFile(bytes: try original.serialized())
    /// ```
    /// - Parameter source: The name used in error messages.
    /// - Throws: ``SafetensorsError``: file too short, header length too large,
    ///   header not a JSON object, an entry missing or malformed, an unsupported
    ///   dtype, offsets that disagree with the shape, fall outside the buffer,
    ///   overlap, or leave gaps.
    public init(bytes: Data, source: String = "safetensors data") throws {
        self = try bytes.withUnsafeBytes { raw in try SafetensorsReader(raw: raw, file: source).read() }
    }
}

/// Validating parser for the safetensors layout.
private struct SafetensorsReader {
    let raw: UnsafeRawBufferPointer
    let file: String

    private struct Entry {
        let name: String
        let dtype: DType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    func read() throws -> SafetensorsFile {
        guard raw.count >= 8 else { throw SafetensorsError.fileTooShort(file: file, byteCount: raw.count) }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(raw[i]) << UInt64(8 * i) }
        let available = raw.count - 8
        guard headerLength <= UInt64(available) else {
            throw SafetensorsError.headerTooLong(file: file, headerLength: headerLength, available: available)
        }
        let dataStart = 8 + Int(headerLength)
        let header: SafetensorsJSON
        do {
            header = try SafetensorsJSON.parse(UnsafeRawBufferPointer(rebasing: raw[8..<dataStart]))
        } catch {
            throw SafetensorsError.invalidJSON(file: file, reason: error.description)
        }
        guard case .object(let members) = header else { throw SafetensorsError.headerNotObject(file: file) }

        var seen = Set<String>()
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in members {
            guard seen.insert(name).inserted else { throw SafetensorsError.duplicateName(file: file, name: name) }
            if name == SafetensorsFile.metadataKey {
                metadata = try readMetadata(value)
            } else {
                entries.append(try readEntry(name, value))
            }
        }

        let bufferSize = raw.count - dataStart
        try checkLayout(entries, bufferSize: bufferSize)

        var tensors: [String: AnyTensorData] = [:]
        tensors.reserveCapacity(entries.count)
        for entry in entries {
            let bytes = Data(UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.end)]))
            tensors[entry.name] = AnyTensorData(validatedDType: entry.dtype, shape: entry.shape, bytes: bytes)
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    private func readMetadata(_ value: SafetensorsJSON) throws -> [String: String] {
        guard case .object(let pairs) = value else {
            throw SafetensorsError.invalidMetadata(file: file, reason: "is \(value.kind), not an object")
        }
        var metadata: [String: String] = [:]
        for (key, item) in pairs {
            guard case .string(let text) = item else {
                throw SafetensorsError.invalidMetadata(
                    file: file, reason: "value of '\(key)' is \(item.kind), not a string")
            }
            guard metadata.updateValue(text, forKey: key) == nil else {
                throw SafetensorsError.invalidMetadata(file: file, reason: "names '\(key)' more than once")
            }
        }
        return metadata
    }

    private func readEntry(_ name: String, _ value: SafetensorsJSON) throws -> Entry {
        guard case .object(let fields) = value else {
            throw SafetensorsError.entryNotObject(file: file, tensor: name)
        }
        func field(_ key: String) throws -> SafetensorsJSON {
            guard let found = fields.last(where: { $0.key == key }) else {
                throw SafetensorsError.missingField(file: file, tensor: name, field: key)
            }
            return found.value
        }
        func invalid(_ key: String, _ reason: String) -> SafetensorsError {
            .invalidField(file: file, tensor: name, field: key, reason: reason)
        }

        let dtypeValue = try field("dtype")
        guard case .string(let dtypeName) = dtypeValue else {
            throw invalid("dtype", "is \(dtypeValue.kind), not a string")
        }
        guard let dtype = DType.allCases.first(where: { $0.safetensorsName == dtypeName }) else {
            throw SafetensorsError.unsupportedDType(file: file, tensor: name, dtype: dtypeName)
        }

        let shapeValue = try field("shape")
        guard case .array(let dims) = shapeValue else { throw invalid("shape", "is \(shapeValue.kind), not an array") }
        var shape: [Int] = []
        for dim in dims {
            guard let d = dim.nonNegativeInt else {
                throw invalid("shape", "must hold non-negative integers, found \(describe(dim))")
            }
            shape.append(d)
        }

        let offsetsValue = try field("data_offsets")
        guard case .array(let offsets) = offsetsValue, offsets.count == 2 else {
            throw invalid("data_offsets", "must be an array of two integers [begin, end]")
        }
        guard let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt else {
            throw invalid(
                "data_offsets",
                "must hold non-negative integers, found [\(describe(offsets[0])), \(describe(offsets[1]))]")
        }
        guard begin <= end else { throw invalid("data_offsets", "begin \(begin) is after end \(end)") }
        guard let needed = requiredByteCount(shape: shape, dtype: dtype) else {
            throw invalid("shape", "\(shape) is too large")
        }
        guard needed == end - begin else {
            throw SafetensorsError.sizeMismatch(
                file: file, tensor: name, shape: shape, dtype: dtype, expectedBytes: needed, actualBytes: end - begin)
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    private func describe(_ value: SafetensorsJSON) -> String {
        switch value {
        case .number(let text): return text
        case .string(let text): return SafetensorsJSON.quoted(text)
        default: return value.kind
        }
    }

    /// Checks that the tensors tile the data buffer exactly: in bounds, no
    /// overlap, no gap, nothing left over.
    private func checkLayout(_ entries: [Entry], bufferSize: Int) throws {
        for entry in entries where entry.end > bufferSize {
            throw SafetensorsError.offsetsOutOfBounds(
                file: file, tensor: entry.name, begin: entry.begin, end: entry.end, bufferSize: bufferSize)
        }
        let sorted = entries.sorted {
            ($0.begin, $0.end) < ($1.begin, $1.end)
                || (($0.begin, $0.end) == ($1.begin, $1.end) && $0.name.utf8.lexicographicallyPrecedes($1.name.utf8))
        }
        var cursor = 0
        var previous: String?
        for entry in sorted {
            if entry.begin < cursor {
                throw SafetensorsError.overlappingTensors(file: file, tensor: entry.name, other: previous ?? "")
            }
            if entry.begin > cursor {
                throw SafetensorsError.gapBeforeTensor(
                    file: file, tensor: entry.name, expectedBegin: cursor, begin: entry.begin)
            }
            if entry.end > entry.begin {
                cursor = entry.end
                previous = entry.name
            }
        }
        if cursor < bufferSize { throw SafetensorsError.trailingBytes(file: file, count: bufferSize - cursor) }
    }
}
