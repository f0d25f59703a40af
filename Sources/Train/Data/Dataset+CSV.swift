/// A column of a CSV table: the last, the `n`th (1-based, as in error messages),
/// or the one a header names.
///
/// ```swift
/// let label: CSVColumn = .last                 // also .number(1), .named("species")
/// ```
public enum CSVColumn: Sendable, Equatable, CustomStringConvertible {
    case last
    /// 1-based.
    case number(Int)
    /// The column whose header field is this name (the table must have a header).
    case named(String)

    /// Parses `last`, a column number (1-based) or a header name.
    ///
    /// ```swift
    /// CSVColumn("3")        // .number(3)
    /// CSVColumn("last")     // .last
    /// CSVColumn("species")  // .named("species")
    /// ```
    public init(_ text: String) {
        if text == "last" {
            self = .last
        } else if let n = Int(text) {
            self = .number(n)
        } else {
            self = .named(text)
        }
    }

    public var description: String {
        switch self {
        case .last: "last"
        case .number(let n): "\(n)"
        case .named(let name): name
        }
    }

    /// The 0-based index of this column in `table`.
    ///
    /// - Throws: ``CSVError/noSuchColumn(file:column:reason:)``.
    public func index(in table: NumericCSV) throws(CSVError) -> Int {
        switch self {
        case .last:
            return table.columnCount - 1
        case .number(let n):
            guard n >= 1 && n <= table.columnCount else {
                throw .noSuchColumn(
                    file: table.source, column: description, reason: "the file has \(table.columnCount) columns")
            }
            return n - 1
        case .named(let name):
            guard let header = table.header else {
                throw .noSuchColumn(file: table.source, column: name, reason: "the file was read without a header")
            }
            guard let i = header.firstIndex(of: name) else {
                throw .noSuchColumn(
                    file: table.source, column: name,
                    reason: "the header has " + header.map { String(reflecting: $0) }.joined(separator: ", "))
            }
            return i
        }
    }
}

extension Dataset {
    /// A labelled data set from a CSV table: the label column's values must be
    /// integers, every other column is a feature (finite numbers, used as they are).
    ///
    /// ```swift
    /// let table = try NumericCSV(contentsOf: URL(fileURLWithPath: "points.csv"), hasHeader: true)
    /// let data = try Dataset(csv: table, labelColumn: .named("class"))
    /// ```
    /// - Throws: ``CSVError`` naming the file, line and column of a bad value, or a
    ///   label column the table does not have (or a table with no feature column).
    public init(csv table: NumericCSV, labelColumn: CSVColumn = .last) throws(CSVError) {
        let labelIndex = try labelColumn.index(in: table)
        guard table.columnCount >= 2 else {
            throw .noSuchColumn(
                file: table.source, column: "features",
                reason: "the file has 1 column, the label; a data set needs at least one feature column")
        }
        var features: [Float] = []
        features.reserveCapacity(table.rowCount * (table.columnCount - 1))
        var labels: [Int] = []
        labels.reserveCapacity(table.rowCount)
        for row in 0..<table.rowCount {
            for (column, value) in table.row(row).enumerated() {
                let line = table.lineNumbers[row]
                if column == labelIndex {
                    guard value == value.rounded(), abs(value) <= 1e15 else {
                        throw .invalidValue(
                            file: table.source, line: line, column: column + 1,
                            reason: "label \(value) is not an integer")
                    }
                    labels.append(Int(value))
                } else {
                    guard value.isFinite, Float(value).isFinite else {
                        throw .invalidValue(
                            file: table.source, line: line, column: column + 1,
                            reason: "\(value) is not a finite Float feature")
                    }
                    features.append(Float(value))
                }
            }
        }
        self.init(validFeatures: features, labels: labels, featureCount: table.columnCount - 1)
    }

    /// A 64-bit FNV-1a hash of the features (their bits), labels and width: equal
    /// for equal data sets (for example, to check that a resumed run trains on the
    /// same data).
    ///
    /// ```swift
    /// let a = try Digits.loadAll().fingerprint
    /// ```
    public var fingerprint: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) {
            var w = word
            for _ in 0..<8 {
                h ^= w & 0xFF
                h = h &* 0x0000_0100_0000_01B3
                w >>= 8
            }
        }
        mix(UInt64(featureCount))
        for f in features { mix(UInt64(f.bitPattern)) }
        for l in labels { mix(UInt64(bitPattern: Int64(l))) }
        return h
    }
}
