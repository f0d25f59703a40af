import Foundation
import Towers

/// One row of the results table.
struct BenchResult: Codable {
    var name: String
    /// The main figure and its unit (GFLOP/s, steps/s, ms).
    var value: Double
    var unit: String
    /// Further figures (e.g. the baseline and the ratio).
    var details: [String: Double]
    var note: String

    static func table(_ rows: [BenchResult]) -> String {
        let header = ["workload", "result", "details"]
        let body = rows.map { r in
            [
                r.name, String(format: "%.1f %@", r.value, r.unit as NSString),
                r.details.sorted { $0.key < $1.key }.map { String(format: "%@ %.3g", $0.key as NSString, $0.value) }
                    .joined(separator: ", ") + (r.note.isEmpty ? "" : " — " + r.note),
            ]
        }
        let widths = (0..<2).map { i in ([header] + body).map { $0[i].count }.max()! }
        return ([header] + body).map { row in
            row[0].padding(toLength: widths[0], withPad: " ", startingAt: 0) + "  "
                + row[1].padding(toLength: widths[1], withPad: " ", startingAt: 0) + "  " + row[2]
        }.joined(separator: "\n")
    }
}

struct BenchReport: Codable {
    var machine: String
    var cores: Int
    var buildMode: String
    var blasKernel: String
    var threads: Int
    var peakResidentMegabytes: Int
    var results: [BenchResult]
}

enum Machine {
    struct Info {
        var cpu: String
        var cores: Int
    }

    static var current: Info {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        return Info(cpu: model, cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    static var buildMode: String {
        #if DEBUG
            "debug"
        #else
            "release"
        #endif
    }

    static var peakResidentMegabytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }
}

/// Seconds per call of `body`, the median of `repetitions` timed batches after a warm-up.
func timePerCall(
    repetitions: Int, callsPerRepetition: Int, warmup: Int = 3, _ body: () throws -> Void
) rethrows
    -> Double
{
    for _ in 0..<warmup { try body() }
    var samples: [Double] = []
    for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<callsPerRepetition { try body() }
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(callsPerRepetition))
    }
    return samples.sorted()[samples.count / 2]
}
