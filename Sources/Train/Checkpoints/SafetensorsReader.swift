import Foundation
import TowersCore

/// Validating parser for the safetensors layout.
struct SafetensorsReader {
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
        if case .null = value { return [:] }  // as Python's safetensors reads it
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
        var seenFields = Set<String>()
        for (key, _) in fields where !seenFields.insert(key).inserted {
            throw SafetensorsError.duplicateField(file: file, tensor: name, field: key)
        }
        func field(_ key: String) throws -> SafetensorsJSON {
            guard let found = fields.first(where: { $0.key == key }) else {
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
            if dim.isTooLargeInteger { throw invalid("shape", "\(shapeValue.text) is too large") }
            guard let d = dim.nonNegativeInt else {
                throw invalid("shape", "must hold non-negative integers, found \(dim.text)")
            }
            shape.append(d)
        }

        let offsetsValue = try field("data_offsets")
        guard case .array(let offsets) = offsetsValue, offsets.count == 2 else {
            throw invalid("data_offsets", "must be an array of two integers [begin, end]")
        }
        if offsets.contains(where: \.isTooLargeInteger) {
            throw invalid("data_offsets", "\(offsetsValue.text) are beyond any file Towers reads")
        }
        guard let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt else {
            throw invalid(
                "data_offsets",
                "must hold non-negative integers, found [\(offsets[0].text), \(offsets[1].text)]")
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
