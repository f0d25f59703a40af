import Foundation
import Testing

@testable import Train

@Suite("Numeric CSV")
struct CSVTests {
    @Test("parses numbers, blank lines, CRLF, spaces and quotes")
    func parsing() throws {
        let text = "1,2.5,-3\r\n\n 4 , \"5\" ,6e2\n-0.25,+7,1E-3\n\n"
        let table = try NumericCSV(string: text, source: "inline.csv")
        #expect(table.rowCount == 3)
        #expect(table.columnCount == 3)
        #expect(table.values == [1, 2.5, -3, 4, 5, 600, -0.25, 7, 0.001])
        #expect(table.lineNumbers == [1, 3, 4])
        #expect(table[1, 2] == 600)
        #expect(Array(table.row(2)) == [-0.25, 7, 0.001])
        #expect(table.column(0) == [1, 4, -0.25])
        #expect(table.header == nil)
    }

    @Test("header row and other separators")
    func header() throws {
        let table = try NumericCSV(string: "x;y\n1;2\n3;4", source: "s.csv", separator: ";", hasHeader: true)
        #expect(table.header == ["x", "y"])
        #expect(table.values == [1, 2, 3, 4])
        #expect(table.lineNumbers == [2, 3])
    }

    @Test("a non-numeric field names file, line and column")
    func notANumber() throws {
        var lines = (1...20).map { row in (0..<65).map { String(($0 + row) % 17) }.joined(separator: ",") }
        var fields = lines[16].split(separator: ",").map(String.init)
        fields[64] = "x"
        lines[16] = fields.joined(separator: ",")
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let url = directory.file("digits.csv")
        try Data(lines.joined(separator: "\n").utf8).write(to: url)

        let expected = CSVError.notANumber(file: url.path, line: 17, column: 65, field: "x")
        #expect(throws: expected) { try NumericCSV(contentsOf: url) }
        #expect(expected.description == "\(url.path) line 17, column 65: 'x' is not a number")
        #expect {
            try NumericCSV(contentsOf: url, source: "digits.csv")
        } throws: { error in
            "\(error)" == "digits.csv line 17, column 65: 'x' is not a number"
        }
        #expect(throws: CSVError.notANumber(file: "a.csv", line: 2, column: 2, field: "")) {
            try NumericCSV(string: "1,2,3\n3,,4", source: "a.csv")
        }
    }

    @Test("a row with a different field count")
    func fieldCount() {
        let error = CSVError.fieldCountMismatch(file: "b.csv", line: 4, expected: 3, found: 2, firstLine: 2)
        #expect(throws: error) { try NumericCSV(string: "\n1,2,3\n4,5,6\n7,8\n", source: "b.csv") }
        #expect(error.description == "b.csv line 4: 2 fields, but line 2 has 3")
        #expect(throws: CSVError.fieldCountMismatch(file: "h.csv", line: 2, expected: 2, found: 3, firstLine: 1)) {
            try NumericCSV(string: "a,b\n1,2,3\n", source: "h.csv", hasHeader: true)
        }
    }

    @Test("empty files, missing files and broken gzip")
    func emptyAndUnreadable() throws {
        #expect(throws: CSVError.empty(file: "e.csv")) { try NumericCSV(string: "", source: "e.csv") }
        #expect(throws: CSVError.empty(file: "e.csv")) { try NumericCSV(string: "\n \n\r\n", source: "e.csv") }
        #expect(throws: CSVError.empty(file: "e.csv")) {
            try NumericCSV(string: "x,y\n", source: "e.csv", hasHeader: true)
        }
        #expect(CSVError.empty(file: "e.csv").description == "e.csv: no data rows (the file is empty)")
        #expect {
            try NumericCSV(contentsOf: URL(fileURLWithPath: "/nonexistent/towers.csv"))
        } throws: { error in
            guard case .unreadable(let file, _) = error as? CSVError else { return false }
            return file == "/nonexistent/towers.csv"
        }
        let broken = Data([0x1F, 0x8B, 0x08, 0x00, 0, 0])
        #expect(throws: CSVError.badCompression(file: "z.csv.gz", .truncated(offset: 6))) {
            try NumericCSV(data: broken, source: "z.csv.gz")
        }
    }

    @Test("gzip-compressed CSV is decompressed transparently")
    func gzipped() throws {
        try Python.require(["gzip"])
        let text = (0..<500).map { "\($0),\(Double($0) / 4),\(-$0)" }.joined(separator: "\n") + "\n"
        let packed = try gzipWithPython(Data(text.utf8), level: 6)
        let table = try NumericCSV(data: packed, source: "t.csv.gz")
        #expect(table.rowCount == 500)
        #expect(table[499, 1] == 124.75)
        #expect(table[499, 2] == -499)
    }

    @Test("the embedded digits file decodes to 1797 lines of 65 fields")
    func digitsFile() throws {
        let url = try #require(Digits.resourceURL)
        let compressed = try Data(contentsOf: url)
        let text = try Gzip.decompress(compressed)
        #expect(text.filter { $0 == UInt8(ascii: "\n") }.count == 1797)
        let table = try NumericCSV(contentsOf: url)
        #expect(table.rowCount == 1797)
        #expect(table.columnCount == 65)
        #expect(table.lineNumbers.last == 1797)
        #expect(table[1796, 64] == 8)
        #expect(table.row(0).prefix(64).reduce(0, +) == 294)
    }
}
