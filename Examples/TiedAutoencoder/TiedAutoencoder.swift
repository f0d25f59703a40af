// A tied autoencoder on the embedded digits: the decoder's layers use the
// encoder's kernels transposed (TiedDense), so the model has one kernel per
// layer pair, updated by the gradients of both uses. Trained with Adam as a
// captured step; prints the test set's reconstruction error beside the error
// of always answering the mean image.
//
//     swift run -c release TiedAutoencoder [--steps N]

import ExampleSupport
import Foundation
import Towers

@main
struct TiedAutoencoder {
    static func main() throws {
        let steps = ExampleArguments.steps(default: 2000)
        let digits = try Digits.load()
        let store = VariableStore(seed: 11)

        // 64 → 32 → 12 → 32 → 64; the decoder's kernels are the encoder's.
        let encode1 = Dense<Float>(units: 32, activation: .relu, name: "encoder1")
        let encode2 = Dense<Float>(units: 12, name: "encoder2")
        let decode2 = TiedDense<Float>(tiedTo: encode2, activation: .relu, name: "decoder2")
        let decode1 = TiedDense<Float>(tiedTo: encode1, activation: .sigmoid, name: "decoder1")
        func reconstruct(_ x: Tensor<Float>) throws -> Tensor<Float> {
            try decode1(try decode2(try encode2(try encode1(x))))
        }

        let adam = try Adam(store: store, learningRate: .constant(3e-3))
        let train = digits.train
        var order = train.shuffledIndices(seed: 5)
        var position = 0
        func nextBatch() -> Tensor<Float> {
            if position + 64 > order.count {
                order = train.shuffledIndices(seed: 5, epoch: position)
                position = 0
            }
            defer { position += 64 }
            return train.features(rows: Array(order[position..<position + 64]))
        }

        let step = try store.capture(nextBatch()) { x in try meanSquaredError(try reconstruct(x), x) }
        try adam.step()
        var loss = step.lastLoss
        for i in 1..<max(steps, 1) {
            loss = try step(nextBatch())
            try adam.step()
            if (i + 1) % 500 == 0 { print(String(format: "step %5d  reconstruction MSE %.5f", i + 1, loss)) }
        }

        print(SharingReport(store: store))
        let test = digits.test.featureTensor()
        let error = try withoutGradients { try store.asDefault { try meanSquaredError(try reconstruct(test), test) } }
        let mean = train.featureTensor().mean(axis: 0)
        let baseline = try meanSquaredError(Tensor<Float>.zeros(test.shape) + mean, test)
        print(
            String(
                format: "test reconstruction MSE: %.5f (the mean image: %.5f; after %d steps)", error.scalar,
                baseline.scalar, steps))
    }
}
