/// Why a CSV file could not be read as a table of numbers. Every case names the
/// file, and those about one field give its 1-based line and column.
///
/// ```swift
/// do {
///     _ = try NumericCSV(contentsOf: url)
/// } catch let error as CSVError {
///     print(error)   // "digits.csv line 17, column 65: 'x' is not a number"
/// }
/// ```
public enum CSVError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read at all.
    case unreadable(file: String, reason: String)
    /// The file is gzip-compressed but could not be decompressed.
    case badCompression(file: String, GzipError)
    /// The file has no data rows.
    case empty(file: String)
    /// A field does not parse as a number.
    case notANumber(file: String, line: Int, column: Int, field: String)
    /// A row has a different number of fields than the first row (or the header).
    case fieldCountMismatch(file: String, line: Int, expected: Int, found: Int, firstLine: Int)
    /// The separator is not an ASCII character other than a line break or a quote.
    case invalidSeparator(file: String, separator: Unicode.Scalar)
    /// A field is a number but not a valid value for its column (reported by loaders
    /// such as ``Digits``).
    case invalidValue(file: String, line: Int, column: Int, reason: String)
    /// A column asked for by number or header name that the table does not have.
    case noSuchColumn(file: String, column: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .badCompression(let file, let error):
            return "\(file): \(error)"
        case .empty(let file):
            return "\(file): no data rows (the file is empty)"
        case .notANumber(let file, let line, let column, let field):
            return "\(file) line \(line), column \(column): '\(Self.shorten(field))' is not a number"
        case .fieldCountMismatch(let file, let line, let expected, let found, let firstLine):
            return "\(file) line \(line): \(found) field\(found == 1 ? "" : "s"), "
                + "but line \(firstLine) has \(expected)"
        case .invalidSeparator(let file, let separator):
            return "\(file): the separator \(String(reflecting: String(separator))) is not an ASCII character "
                + "other than a line break or a quote"
        case .invalidValue(let file, let line, let column, let reason):
            return "\(file) line \(line), column \(column): \(reason)"
        case .noSuchColumn(let file, let column, let reason):
            return "\(file): no column \(String(reflecting: column)): \(reason)"
        }
    }

    private static func shorten(_ field: String) -> String {
        field.count <= 40 ? field : field.prefix(37) + "..."
    }
}
