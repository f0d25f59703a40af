import CBLAS
import Foundation
import Towers

/// Workload 4: forward + backward of a Conv2D and of an unrolled LSTM.
enum LayerBench {
    /// Dense 784 → 512 at batch 128: forward + backward (input gradient included)
    /// next to its three gemm calls alone.
    static func dense(quick: Bool) throws -> BenchResult {
        let (batch, fin, fout) = (128, 784, 512)
        let store = VariableStore(seed: 0)
        let dense = Dense<Float>(units: fout)
        let x = try Tensor<Float>.randomUniform([batch, fin], seed: 1).requiringGradient()
        let reps = quick ? 2 : 7, calls = quick ? 2 : 20
        let seconds = try timePerCall(repetitions: reps, callsPerRepetition: calls) {
            try store.asDefault { try dense(x).sum().backward() }
        }
        let gemm = gemmTime(
            shapes: [
                (batch, fout, fin, false, false), (fin, fout, batch, true, false), (batch, fin, fout, false, true),
            ], repetitions: reps, calls: calls)
        return BenchResult(
            name: "dense-784-512-b128", value: seconds * 1000, unit: "ms",
            details: ["gemm-only ms": gemm * 1000, "ratio to gemm": seconds / gemm], note: "forward + backward")
    }

    /// Seconds per round of direct `cblas_sgemm` calls of the given shapes
    /// (m, n, k, transpose A, transpose B), on preallocated buffers.
    static func gemmTime(shapes: [(Int, Int, Int, Bool, Bool)], repetitions: Int, calls: Int) -> Double {
        let size = shapes.map { Swift.max($0.0 * $0.2, $0.2 * $0.1, $0.0 * $0.1) }.max()!
        let a = [Float](repeating: 0.5, count: size), b = [Float](repeating: 0.25, count: size)
        var c = [Float](repeating: 0, count: size)
        return timePerCall(repetitions: repetitions, callsPerRepetition: calls) {
            for (m, n, k, ta, tb) in shapes {
                cblas_sgemm(
                    CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, blasint(m),
                    blasint(n),
                    blasint(k), 1, a, blasint(ta ? m : k), b, blasint(tb ? k : n), 1, &c, blasint(n))
            }
        }
    }

    /// Conv2D 3×3, 32 → 64 channels, `same` padding, on 28×28×32 at batch 32.
    static func conv2D(quick: Bool) throws -> BenchResult {
        let batch = quick ? 4 : 32
        let store = VariableStore(seed: 0)
        let conv = Conv2D<Float>(filters: 64, kernelSize: (3, 3), padding: .same)
        let x = try Tensor<Float>.randomUniform([batch, 28, 28, 32], seed: 1)
        let seconds = try timePerCall(repetitions: quick ? 2 : 5, callsPerRepetition: quick ? 1 : 3, warmup: 1) {
            try store.asDefault { try conv(x).sum().backward() }
        }
        let flops = 3 * 2 * Double(batch * 28 * 28) * Double(3 * 3 * 32 * 64)
        // The im2col gemms: forward, kernel gradient, patch gradient.
        let rows = batch * 28 * 28, patch = 3 * 3 * 32
        let gemm = gemmTime(
            shapes: [(rows, 64, patch, false, false), (patch, 64, rows, true, false), (rows, patch, 64, false, true)],
            repetitions: quick ? 2 : 5, calls: quick ? 1 : 3)
        return BenchResult(
            name: "conv2d-3x3-32-64-28x28-b\(batch)", value: seconds * 1000, unit: "ms",
            details: ["GFLOP/s": flops / seconds / 1e9, "gemm-only ms": gemm * 1000, "ratio to gemm": seconds / gemm],
            note: "forward + backward")
    }

    /// An LSTM cell of 256 units unrolled over 20 steps at batch 32 (input 256).
    static func lstm(quick: Bool) throws -> BenchResult {
        let (steps, batch, units) = (quick ? 5 : 20, 32, 256)
        let store = VariableStore(seed: 0)
        let cell = LSTMCell<Float>(units: units)
        let inputs = try (0..<steps).map { try Tensor<Float>.randomUniform([batch, units], seed: UInt64($0)) }
        let seconds = try timePerCall(repetitions: quick ? 2 : 5, callsPerRepetition: quick ? 1 : 5, warmup: 1) {
            try store.asDefault {
                let (outputs, _) = try unroll(cell, over: inputs, initialState: cell.zeroState(batchSize: batch))
                outputs.reduce(Tensor<Float>(0)) { $0 + $1.sum() }.backward()
            }
        }
        let flops = 3 * 2 * Double(steps * batch) * Double(2 * units * 4 * units)
        return BenchResult(
            name: "lstm-256-unroll\(steps)-b\(batch)", value: seconds * 1000, unit: "ms",
            details: ["GFLOP/s": flops / seconds / 1e9], note: "forward + backward")
    }
}
