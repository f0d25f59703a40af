import Foundation
import FuzzSupport
import Train

/// One libFuzzer input: the first byte picks the separator and whether there is a
/// header; the rest is CSV (plain or gzip, capped at 4 MiB). Parsing returns a
/// rectangular table or throws a `CSVError`, never traps.
func fuzzCSV(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let separators: [Unicode.Scalar] = [",", ";", "\t", " ", "|", "\"", "\n", "é"]
    let separator = separators[Int(start[0] & 7)]
    let hasHeader = start[0] & 8 != 0
    let bytes = Data(bytes: start + 1, count: count - 1)
    do {
        let table = try NumericCSV(
            data: bytes, source: "fuzz.csv", separator: separator, hasHeader: hasHeader,
            maximumDecompressedSize: 4 << 20)
        if table.values.count != table.rowCount * table.columnCount || table.lineNumbers.count != table.rowCount {
            fatalError("a \(table.rowCount)×\(table.columnCount) table holds \(table.values.count) values")
        }
    } catch is CSVError {
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    return 0
}

fuzz(fuzzCSV)
