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
    public mutating func set<T: TensorElement>(_ name: String, _ tensor: Tensor<T>) {
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
    /// - Parameters:
    ///   - bytes: A whole safetensors file.
    ///   - source: The name used in error messages.
    /// - Throws: ``SafetensorsError``: file too short, header length too large,
    ///   header not a JSON object, an entry missing or malformed, an unsupported
    ///   dtype, offsets that disagree with the shape, fall outside the buffer,
    ///   overlap, or leave gaps.
    public init(bytes: Data, source: String = "safetensors data") throws {
        self = try bytes.withUnsafeBytes { raw in try SafetensorsReader(raw: raw, file: source).read() }
    }
}
