import Foundation
import FuzzSupport
import Train

/// One libFuzzer input: any bytes must parse or throw a `SafetensorsError`, never
/// trap; a file that parses must serialize and parse back to itself.
func fuzzSafetensors(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Data(bytes: $0, count: count) } ?? Data()
    guard let file = try? SafetensorsFile(bytes: bytes, source: "fuzz") else { return 0 }
    guard let again = try? SafetensorsFile(bytes: file.serialized(), source: "fuzz again"), again == file else {
        fatalError("a file that parsed did not round-trip through serialized()")
    }
    return 0
}

fuzz(fuzzSafetensors)
