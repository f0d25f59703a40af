public import TowersCore

/// Why a safetensors file could not be read, written, or turned into tensors.
///
/// Reading never traps on a corrupt or truncated file: it throws one of these,
/// and the message names the file (its path, or the `source` given to
/// ``SafetensorsFile/init(bytes:source:)``) and what is wrong.
///
/// ```swift
/// do {
///     _ = try SafetensorsFile.read(from: url)
/// } catch let error as SafetensorsError {
///     print(error)   // "/tmp/w.safetensors: tensor 'dense/kernel': unsupported dtype 'U8' ..."
/// }
/// ```
public enum SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read from disk.
    case unreadable(file: String, reason: String)
    /// The file is shorter than the 8-byte header length.
    case fileTooShort(file: String, byteCount: Int)
    /// The header length exceeds the bytes that follow it.
    case headerTooLong(file: String, headerLength: UInt64, available: Int)
    /// The header is not valid (UTF-8) JSON.
    case invalidJSON(file: String, reason: String)
    /// The header is valid JSON but not an object.
    case headerNotObject(file: String)
    /// Two header entries have the same name.
    case duplicateName(file: String, name: String)
    /// A tensor's header entry is not an object.
    case entryNotObject(file: String, tensor: String)
    /// A tensor's entry names a field twice (Python's safetensors rejects it too).
    case duplicateField(file: String, tensor: String, field: String)
    /// A tensor's entry lacks `dtype`, `shape` or `data_offsets`.
    case missingField(file: String, tensor: String, field: String)
    /// A tensor's `shape` or `data_offsets` (or `dtype`) has the wrong form.
    case invalidField(file: String, tensor: String, field: String, reason: String)
    /// A tensor's dtype is not one Towers reads (`F32`, `F64`).
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// A tensor's shape and dtype need a different number of bytes than its offsets span.
    case sizeMismatch(file: String, tensor: String, shape: [Int], dtype: DType, expectedBytes: Int, actualBytes: Int)
    /// A tensor's `data_offsets` reach past the end of the data buffer.
    case offsetsOutOfBounds(file: String, tensor: String, begin: Int, end: Int, bufferSize: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingTensors(file: String, tensor: String, other: String)
    /// Unused bytes lie before a tensor (tensors must be contiguous from offset 0).
    case gapBeforeTensor(file: String, tensor: String, expectedBegin: Int, begin: Int)
    /// Bytes at the end of the data buffer belong to no tensor.
    case trailingBytes(file: String, count: Int)
    /// `__metadata__` is not an object of strings.
    case invalidMetadata(file: String, reason: String)
    /// A requested tensor is not in the file.
    case tensorNotFound(file: String?, name: String)
    /// A tensor was requested as a different scalar type than it is stored in.
    case dtypeMismatch(tensor: String?, expected: DType, found: DType)
    /// Raw bytes do not match the shape and dtype they were given with.
    case byteCountMismatch(shape: [Int], dtype: DType, byteCount: Int)
    /// A tensor name that the format reserves (`__metadata__`).
    case reservedName(String)
    /// Writing the file failed.
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .fileTooShort(let file, let byteCount):
            return "\(file): file is \(byteCount) bytes, too short for the 8-byte header length (truncated?)"
        case .headerTooLong(let file, let headerLength, let available):
            return "\(file): header length \(headerLength) is larger than the \(available) bytes that follow it "
                + "(truncated or not a safetensors file?)"
        case .invalidJSON(let file, let reason):
            return "\(file): header is not valid JSON: \(reason)"
        case .headerNotObject(let file):
            return "\(file): header is not a JSON object"
        case .duplicateName(let file, let name):
            return "\(file): header names '\(name)' more than once"
        case .entryNotObject(let file, let tensor):
            return "\(file): tensor '\(tensor)': entry is not a JSON object"
        case .duplicateField(let file, let tensor, let field):
            return "\(file): tensor '\(tensor)': entry names \"\(field)\" more than once"
        case .missingField(let file, let tensor, let field):
            return "\(file): tensor '\(tensor)': entry has no \"\(field)\""
        case .invalidField(let file, let tensor, let field, let reason):
            return "\(file): tensor '\(tensor)': \"\(field)\" \(reason)"
        case .unsupportedDType(let file, let tensor, let dtype):
            return
                "\(file): tensor '\(tensor)': unsupported dtype '\(dtype)' (Towers reads F32, F64, F16, BF16, I32, I64 and BOOL)"
        case .sizeMismatch(let file, let tensor, let shape, let dtype, let expectedBytes, let actualBytes):
            return "\(file): tensor '\(tensor)': shape \(shape) of \(dtype.safetensorsName) needs \(expectedBytes) "
                + "bytes, but its data_offsets span \(actualBytes)"
        case .offsetsOutOfBounds(let file, let tensor, let begin, let end, let bufferSize):
            return "\(file): tensor '\(tensor)': data_offsets [\(begin), \(end)] run past the end of the "
                + "\(bufferSize)-byte data buffer"
        case .overlappingTensors(let file, let tensor, let other):
            return "\(file): tensors '\(other)' and '\(tensor)' overlap in the data buffer"
        case .gapBeforeTensor(let file, let tensor, let expectedBegin, let begin):
            return "\(file): tensor '\(tensor)': data_offsets start at \(begin), leaving \(begin - expectedBegin) "
                + "unused bytes after offset \(expectedBegin) (tensors must be contiguous)"
        case .trailingBytes(let file, let count):
            return "\(file): the last \(count) bytes of the data buffer belong to no tensor"
        case .invalidMetadata(let file, let reason):
            return "\(file): \"__metadata__\" \(reason)"
        case .tensorNotFound(let file, let name):
            return "\(file.map { "\($0): " } ?? "")no tensor named '\(name)'"
        case .dtypeMismatch(let tensor, let expected, let found):
            return "\(tensor.map { "tensor '\($0)': " } ?? "")stored as \(found.safetensorsName), "
                + "requested as \(expected.safetensorsName)"
        case .byteCountMismatch(let shape, let dtype, let byteCount):
            let needed = requiredByteCount(shape: shape, dtype: dtype).map { "\($0)" } ?? "more than Int.max"
            return "shape \(shape) of \(dtype.safetensorsName) needs \(needed) bytes, got \(byteCount)"
        case .reservedName(let name):
            return "'\(name)' is reserved by the safetensors format and cannot name a tensor"
        case .writeFailed(let file, let reason):
            return "\(file): cannot write: \(reason)"
        }
    }
}
