public import Foundation
import TowersCore

/// A rectangular table of numbers parsed from CSV text (plain or gzip-compressed).
///
/// Values are stored row-major in ``values``. Blank lines are skipped; fields may
/// be surrounded by spaces or double quotes. Every row must have as many fields
/// as the first (or as the header, with `hasHeader: true`).
///
/// ```swift
/// let table = try NumericCSV(contentsOf: URL(fileURLWithPath: "points.csv.gz"))
/// print(table.rowCount, table.columnCount, table[0, 2])
/// ```
public struct NumericCSV: Sendable, Equatable {
    /// The name used in error messages (the file's path, or what the caller passed).
    public let source: String
    /// The header's field names, when read with `hasHeader: true`.
    public let header: [String]?
    /// The number of data rows.
    public let rowCount: Int
    /// The number of fields in every row.
    public let columnCount: Int
    /// All values, row-major: row `r`, column `c` is at `r * columnCount + c`.
    public let values: [Double]
    /// The 1-based source line of each data row (for error messages about values).
    public let lineNumbers: [Int]

    /// Reads a CSV file; gzip-compressed files (recognised by their magic bytes,
    /// whatever their name) are decompressed first.
    ///
    /// - Parameters:
    ///   - url: The file to read.
    ///   - source: The file name to use in error messages; defaults to the URL's path.
    ///   - separator: The field separator, an ASCII character other than a line break or a quote.
    ///   - hasHeader: Whether the first non-blank line names the columns (``header``).
    ///   - maximumDecompressedSize: The cap on a gzip file's decompressed size.
    /// - Throws: ``CSVError``.
    public init(
        contentsOf url: URL, source: String? = nil, separator: Unicode.Scalar = ",", hasHeader: Bool = false,
        maximumDecompressedSize: Int = Gzip.defaultMaximumSize
    ) throws {
        let name = source ?? url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CSVError.unreadable(file: name, reason: error.localizedDescription)
        }
        try self.init(
            data: data, source: name, separator: separator, hasHeader: hasHeader,
            maximumDecompressedSize: maximumDecompressedSize)
    }

    /// Parses CSV bytes (UTF-8, or gzip-compressed UTF-8).
    ///
    /// ```swift
    /// let t = try NumericCSV(data: Data("1,2\n3,4\n".utf8), source: "inline.csv")
    /// t[1, 0]   // 3
    /// ```
    /// - Throws: ``CSVError``.
    public init(
        data: Data, source: String, separator: Unicode.Scalar = ",", hasHeader: Bool = false,
        maximumDecompressedSize: Int = Gzip.defaultMaximumSize
    ) throws {
        guard separator.isASCII, separator != "\n", separator != "\r", separator != "\"" else {
            throw CSVError.invalidSeparator(file: source, separator: separator)
        }
        var text = data
        if Gzip.isGzip(data) {
            do {
                text = try Gzip.decompress(data, maximumSize: maximumDecompressedSize)
            } catch let error as GzipError {
                throw CSVError.badCompression(file: source, error)
            }
        }
        let parsed = try text.withUnsafeBytes { raw in
            try CSVParser(bytes: raw, source: source, separator: UInt8(separator.value), hasHeader: hasHeader).parse()
        }
        self.source = source
        header = parsed.header
        rowCount = parsed.lineNumbers.count
        columnCount = parsed.columnCount
        values = parsed.values
        lineNumbers = parsed.lineNumbers
    }

    /// Parses CSV text.
    ///
    /// ```swift
    /// let t = try NumericCSV(string: "x,y\n1,2\n", source: "inline.csv", hasHeader: true)
    /// ```
    public init(string: String, source: String, separator: Unicode.Scalar = ",", hasHeader: Bool = false) throws {
        try self.init(data: Data(string.utf8), source: source, separator: separator, hasHeader: hasHeader)
    }

    /// The value at `row`, `column` (0-based).
    public subscript(row: Int, column: Int) -> Double {
        guard row >= 0 && row < rowCount && column >= 0 && column < columnCount else {
            fail("index (\(row), \(column)) out of range for a \(rowCount)×\(columnCount) table")
        }
        return values[row * columnCount + column]
    }

    /// One row's values.
    public func row(_ index: Int) -> ArraySlice<Double> {
        guard index >= 0 && index < rowCount else { fail("row \(index) out of range 0..<\(rowCount)") }
        return values[(index * columnCount)..<((index + 1) * columnCount)]
    }

    /// One column's values, top to bottom.
    public func column(_ index: Int) -> [Double] {
        guard index >= 0 && index < columnCount else {
            fail("column \(index) out of range 0..<\(columnCount)")
        }
        return (0..<rowCount).map { values[$0 * columnCount + index] }
    }
}

/// A single pass over CSV bytes.
private struct CSVParser {
    let bytes: UnsafeRawBufferPointer
    let source: String
    let separator: UInt8
    let hasHeader: Bool

    struct Result {
        var header: [String]?
        var columnCount = 0
        var values: [Double] = []
        var lineNumbers: [Int] = []
    }

    func parse() throws -> Result {
        var result = Result()
        var firstLine = 0
        var lineNumber = 0
        var lineStart = 0
        var fields: [Range<Int>] = []
        while lineStart < bytes.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            let next = lineEnd + 1
            if lineEnd > lineStart && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            defer { lineStart = next }

            split(lineStart..<lineEnd, into: &fields)
            if fields.count == 1 && fields[0].isEmpty { continue }  // blank line

            if firstLine == 0 {
                firstLine = lineNumber
                result.columnCount = fields.count
                if hasHeader {
                    result.header = fields.map { String(decoding: slice($0), as: UTF8.self) }
                    continue
                }
            } else if fields.count != result.columnCount {
                throw CSVError.fieldCountMismatch(
                    file: source, line: lineNumber, expected: result.columnCount, found: fields.count,
                    firstLine: firstLine)
            }
            for (column, field) in fields.enumerated() {
                guard let value = number(field) else {
                    throw CSVError.notANumber(
                        file: source, line: lineNumber, column: column + 1,
                        field: String(decoding: slice(field), as: UTF8.self))
                }
                result.values.append(value)
            }
            result.lineNumbers.append(lineNumber)
        }
        guard !result.lineNumbers.isEmpty else { throw CSVError.empty(file: source) }
        return result
    }

    private func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[range])
    }

    /// Splits a line at separators into trimmed field ranges (quotes removed).
    private func split(_ line: Range<Int>, into fields: inout [Range<Int>]) {
        fields.removeAll(keepingCapacity: true)
        var start = line.lowerBound
        var i = line.lowerBound
        while true {
            if i == line.upperBound || bytes[i] == separator {
                fields.append(trim(start..<i))
                if i == line.upperBound { return }
                start = i + 1
            }
            i += 1
        }
    }

    private func trim(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        func isSpace(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
        while lower < upper && isSpace(bytes[lower]) { lower += 1 }
        while upper > lower && isSpace(bytes[upper - 1]) { upper -= 1 }
        if upper - lower >= 2 && bytes[lower] == UInt8(ascii: "\"") && bytes[upper - 1] == UInt8(ascii: "\"") {
            lower += 1
            upper -= 1
        }
        return lower..<upper
    }

    /// Parses a field: plain integers directly, anything else through `Double.init`.
    private func number(_ range: Range<Int>) -> Double? {
        guard !range.isEmpty else { return nil }
        if range.count <= 15 {
            var i = range.lowerBound
            let negative = bytes[i] == UInt8(ascii: "-")
            if negative || bytes[i] == UInt8(ascii: "+") { i += 1 }
            if i < range.upperBound {
                var value = 0
                var allDigits = true
                while i < range.upperBound {
                    let digit = Int(bytes[i]) - 48
                    guard digit >= 0 && digit <= 9 else {
                        allDigits = false
                        break
                    }
                    value = value * 10 + digit
                    i += 1
                }
                if allDigits { return Double(negative ? -value : value) }
            }
        }
        return Double(String(decoding: slice(range), as: UTF8.self))
    }
}
