import Foundation
import FuzzSupport
import Train

/// One libFuzzer input: gzip decompression (capped at 4 MiB) returns data or throws
/// a `GzipError`, never traps.
func fuzzGzip(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Data(bytes: $0, count: count) } ?? Data()
    do {
        let output = try Gzip.decompress(bytes, maximumSize: 4 << 20)
        if output.count > 4 << 20 { fatalError("output of \(output.count) bytes exceeds the cap") }
    } catch is GzipError {
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    return 0
}

fuzz(fuzzGzip)
