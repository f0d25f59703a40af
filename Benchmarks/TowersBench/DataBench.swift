import Foundation
import Towers

/// Loading the embedded digits: gzip decompression, CSV parsing and the data set.
enum DataBench {
    /// `Digits.load(contentsOf:)` on the embedded `digits.csv.gz` (not the cached
    /// copy), next to the gzip decompression alone.
    static func digitsLoad(quick: Bool) throws -> BenchResult {
        guard let url = Digits.resourceURL else {
            throw CSVError.unreadable(file: Digits.resourceName, reason: "resource not found")
        }
        let compressed = try Data(contentsOf: url)
        let reps = quick ? 2 : 9, calls = quick ? 2 : 10
        let load = try timePerCall(repetitions: reps, callsPerRepetition: calls) {
            _ = try Digits.load(contentsOf: url)
        }
        let inflate = try timePerCall(repetitions: reps, callsPerRepetition: calls) {
            _ = try Gzip.decompress(compressed)
        }
        return BenchResult(
            name: "digits-load", value: load * 1000, unit: "ms", details: ["gunzip ms": inflate * 1000],
            note: "read, gunzip, parse 1797 CSV rows, scale")
    }
}
