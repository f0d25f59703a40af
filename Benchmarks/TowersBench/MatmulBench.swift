import CBLAS
import Foundation
import Towers

/// Workload 1: an n×n×n matmul through `Tensor.matmul` beside a direct
/// `cblas_sgemm` on the same data, in the same process.
enum MatmulBench {
    static func run(n: Int, quick: Bool) throws -> BenchResult {
        let a = try Tensor<Float>.randomUniform([n, n], lower: -1, upper: 1, seed: 1)
        let b = try Tensor<Float>.randomUniform([n, n], lower: -1, upper: 1, seed: 2)
        var c = [Float](repeating: 0, count: n * n)
        let calls = Swift.max(1, (quick ? 50_000_000 : 400_000_000) / (n * n * n))
        let reps = quick ? 3 : 15
        let flops = 2 * Double(n) * Double(n) * Double(n)
        // Alternate the two in rounds and keep each one's median, so that clock
        // drift and the other core's activity hit both alike.
        var directSamples: [Double] = [], towersSamples: [Double] = []
        func measureDirect() {
            directSamples.append(
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        timePerCall(repetitions: 1, callsPerRepetition: calls, warmup: 1) {
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(n), blasint(n), 1,
                                pa.baseAddress, blasint(n), pb.baseAddress, blasint(n), 0, &c, blasint(n))
                        }
                    }
                })
        }
        func measureTowers() {
            towersSamples.append(
                timePerCall(repetitions: 1, callsPerRepetition: calls, warmup: 1) {
                    _ = withoutGradients { a.matmul(b) }
                })
        }
        // Which one goes first alternates too: the second of a pair finds the
        // OpenBLAS threads already awake.
        for round in 0..<reps {
            if round % 2 == 0 {
                measureDirect()
                measureTowers()
            } else {
                measureTowers()
                measureDirect()
            }
        }
        let direct = directSamples.sorted()[reps / 2], towers = towersSamples.sorted()[reps / 2]
        let ours = flops / towers / 1e9, roof = flops / direct / 1e9
        return BenchResult(
            name: "matmul-\(n)", value: ours, unit: "GFLOP/s",
            details: ["cblas_sgemm GFLOP/s": roof, "ratio": ours / roof], note: "")
    }
}
