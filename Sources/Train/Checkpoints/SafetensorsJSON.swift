// Why Towers parses safetensors headers itself instead of using Foundation:
// Python's `safetensors` (serde_json) rejects a duplicate field inside a tensor
// entry and any dimension or offset that is not a plain non-negative integer
// (`-0`, `2.0`, `1e2`), and reads offsets as exact 64-bit integers. On this
// toolchain (Swift 6.3.1 on Linux, swift-foundation) JSONSerialization keeps
// the last of duplicate keys and JSONDecoder the first, both silently, and both
// read `-0`, `1.0` and `1e2` as the integers 0, 1 and 100 (JSONSerialization
// even reports `-0` as the same `NSNumber` as `0`). Neither can express those
// checks, so this file keeps the smallest parser that can: objects as ordered
// key/value pairs (duplicates kept, for the reader to reject) and numbers as
// their text (converted exactly, or rejected, by the reader).

/// A JSON value as found in a safetensors header. Objects keep their key order
/// and duplicate keys; numbers keep their text.
enum SafetensorsJSON {
    case object([(key: String, value: SafetensorsJSON)])
    case array([SafetensorsJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// A short name of the value's kind, for error messages.
    var kind: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// The value as written, compactly (objects abbreviated), for error messages.
    var text: String {
        switch self {
        case .number(let text): return text
        case .string(let text): return Self.quoted(text)
        case .array(let elements): return "[" + elements.map(\.text).joined(separator: ", ") + "]"
        case .object: return "{…}"
        case .bool(let value): return "\(value)"
        case .null: return "null"
        }
    }

    /// The value as a non-negative integer that fits in `Int`: written as plain
    /// digits (no sign, fraction or exponent, as Python's safetensors requires).
    var nonNegativeInt: Int? {
        guard case .number(let text) = self, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    /// Whether the value is written as plain digits but exceeds `Int.max`.
    var isTooLargeInteger: Bool {
        guard case .number(let text) = self, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        return Int(text) == nil
    }

    /// Parses a complete JSON document; surrounding whitespace (the header's
    /// space padding) is allowed.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(SafetensorsJSONError) -> SafetensorsJSON {
        var parser = SafetensorsJSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    /// `text` as a JSON string literal, quotes included.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Where and why a safetensors header is not valid JSON.
struct SafetensorsJSONError: Error, CustomStringConvertible {
    /// The byte offset within the header.
    let offset: Int
    let message: String

    var description: String { "\(message) at header byte \(offset)" }
}

/// A strict recursive-descent JSON parser (RFC 8259) with a nesting limit.
private struct SafetensorsJSONParser {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    var depth = 0
    static let maxDepth = 64

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private func fail(_ message: String) -> SafetensorsJSONError {
        SafetensorsJSONError(offset: index, message: message)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let b = current, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(SafetensorsJSONError) {
        guard current == byte else {
            throw fail(current == nil ? "unexpected end, expected \(what)" : "expected \(what)")
        }
        index += 1
    }

    mutating func parseDocument() throws(SafetensorsJSONError) -> SafetensorsJSON {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected text after the JSON value") }
        return value
    }

    private mutating func parseValue() throws(SafetensorsJSONError) -> SafetensorsJSON {
        guard let b = current else { throw fail("unexpected end, expected a value") }
        switch b {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: throw fail("unexpected character '\(printable(b))'")
        }
    }

    private func printable(_ b: UInt8) -> String {
        (0x20..<0x7F).contains(b) ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16)
    }

    private mutating func literal(_ word: StaticString) throws(SafetensorsJSONError) {
        let start = index
        for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard current == expected else {
                index = start
                throw fail("invalid literal")
            }
            index += 1
        }
    }

    private mutating func nest() throws(SafetensorsJSONError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth) levels") }
    }

    private mutating func parseObject() throws(SafetensorsJSONError) -> SafetensorsJSON {
        try nest()
        defer { depth -= 1 }
        index += 1  // {
        var members: [(key: String, value: SafetensorsJSON)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else {
                throw fail(current == nil ? "unexpected end, expected a key" : "expected a string key")
            }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            let value = try parseValue()
            members.append((key, value))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            return .object(members)
        }
    }

    private mutating func parseArray() throws(SafetensorsJSONError) -> SafetensorsJSON {
        try nest()
        defer { depth -= 1 }
        index += 1  // [
        var elements: [SafetensorsJSON] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']'")
            return .array(elements)
        }
    }

    private mutating func parseNumber() throws(SafetensorsJSONError) -> SafetensorsJSON {
        let start = index
        func digits(_ parser: inout SafetensorsJSONParser) -> Int {
            let from = parser.index
            while let b = parser.current, b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") { parser.index += 1 }
            return parser.index - from
        }
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if digits(&self) == 0 {
            throw fail("invalid number")
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw fail("invalid number") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw fail("invalid number") }
        }
        return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    private mutating func hex4() throws(SafetensorsJSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let b = current else { throw fail("unexpected end in a \\u escape") }
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func parseString() throws(SafetensorsJSONError) -> String {
        let start = index
        index += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard let b = current else {
                index = start
                throw fail("unterminated string")
            }
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    index = start
                    throw fail("string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                guard let e = current else { throw fail("unexpected end in an escape") }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard current == UInt8(ascii: "\\") else { throw fail("unpaired surrogate in a \\u escape") }
                        index += 1
                        guard current == UInt8(ascii: "u") else { throw fail("unpaired surrogate in a \\u escape") }
                        index += 1
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate in a \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(code) {
                        throw fail("unpaired surrogate in a \\u escape")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
                    utf8.append(contentsOf: String(scalar).utf8)
                default:
                    index -= 1
                    throw fail("invalid escape '\\\(printable(e))'")
                }
            case 0..<0x20:
                index -= 1
                throw fail("control character in a string")
            default:
                utf8.append(b)
            }
        }
    }
}
