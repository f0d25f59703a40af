import Foundation
import Towers

/// Workload 4: forward + backward of a Conv2D and of an unrolled LSTM.
enum LayerBench {
    /// Conv2D 3×3, 32 → 64 channels, `same` padding, on 28×28×32 at batch 32.
    static func conv2D(quick: Bool) throws -> BenchResult {
        let batch = quick ? 4 : 32
        let store = VariableStore(seed: 0)
        let conv = Conv2D<Float>(filters: 64, kernelSize: (3, 3), padding: .same)
        let x = Tensor<Float>.randomUniform([batch, 28, 28, 32], seed: 1)
        let seconds = try timePerCall(repetitions: quick ? 2 : 5, callsPerRepetition: quick ? 1 : 3, warmup: 1) {
            try store.asDefault { try conv(x).sum().backward() }
        }
        let flops = 3 * 2 * Double(batch * 28 * 28) * Double(3 * 3 * 32 * 64)
        return BenchResult(
            name: "conv2d-3x3-32-64-28x28-b\(batch)", value: seconds * 1000, unit: "ms",
            details: ["GFLOP/s": flops / seconds / 1e9], note: "forward + backward")
    }

    /// An LSTM cell of 256 units unrolled over 20 steps at batch 32 (input 256).
    static func lstm(quick: Bool) throws -> BenchResult {
        let (steps, batch, units) = (quick ? 5 : 20, 32, 256)
        let store = VariableStore(seed: 0)
        let cell = LSTMCell<Float>(units: units)
        let inputs = (0..<steps).map { Tensor<Float>.randomUniform([batch, units], seed: UInt64($0)) }
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
