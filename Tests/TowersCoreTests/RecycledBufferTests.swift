import TestSupport
import Testing
import TowersCore

/// Tensor buffers are recycled by size, so a fresh output buffer holds whatever
/// an old tensor left there. Every operation must write its whole output, and
/// gradients must start from zero. Each test first leaves NaN-filled buffers of
/// the sizes it is about to allocate; a buffer that is not fully written then
/// shows NaN. (A parallel test may take a poisoned buffer first; that can only
/// make this test miss, never fail wrongly.)
@Suite struct RecycledBufferTests {
    /// Frees `copies` NaN-filled buffers of `bytes` bytes, which the pool keeps.
    static func poison(bytes: Int, copies: Int = 16) throws {
        var tensors: [Tensor<Float>] = []
        for _ in 0..<copies { tensors.append(try .filled([bytes / 4], with: .nan)) }
        tensors.removeAll()
    }

    @Test func emptyReductionsAndProductsAreZero() throws {
        try Self.poison(bytes: 6 * 4)
        #expect(try Tensor<Float>.zeros([3, 0]).matmul(Tensor<Float>.zeros([0, 2])).scalars == [0, 0, 0, 0, 0, 0])
        try Self.poison(bytes: 6 * 8)
        #expect(
            try Tensor<Double>.zeros([2, 0]).matmul(Tensor<Double>.zeros([3, 0]), transposeOther: true).scalars
                == [0, 0, 0, 0, 0, 0])
        try Self.poison(bytes: 6 * 4)
        #expect(try Tensor<Float>.zeros([3, 0, 2]).sum(axis: 1).scalars == [0, 0, 0, 0, 0, 0])
        try Self.poison(bytes: 6 * 4)
        #expect(try Tensor<Float>.zeros([3, 0, 2]).mean(axis: 1).scalars == [0, 0, 0, 0, 0, 0])
        try Self.poison(bytes: 4 * 4)
        #expect(
            try Tensor<Float>.zeros([4, 0]).cosineSimilarity(to: Tensor<Float>.zeros([4, 0])).scalars == [0, 0, 0, 0])
        try Self.poison(bytes: 4 * 4)
        #expect(
            try Tensor<Float>.zeros([4, 0]).squaredDistance(to: Tensor<Float>.zeros([4, 0])).scalars == [0, 0, 0, 0])
        try Self.poison(bytes: 4)
        #expect(try Tensor<Float>.zeros([0, 5]).sum().scalar == 0)
        try Self.poison(bytes: 8 * 4)
        #expect(try Tensor<Float>.zeros([2, 4]).scalars == [Float](repeating: 0, count: 8))
    }

    @Test func gradientsStartFromZeroInRecycledBuffers() throws {
        let x: Tensor<Float> = Fixture.normal([4, 3], seed: 220)
        let w: Tensor<Float> = Fixture.normal([3, 5], seed: 221)
        let b: Tensor<Float> = Fixture.normal([5], seed: 222)
        func loss(_ w: Tensor<Float>, _ b: Tensor<Float>) throws -> Tensor<Float> {
            weightedSum((x.matmul(w) + b).tanh().gather(rows: [1, 1, 3]))
        }
        let expected = try gradients(at: [w, b]) { ps in try loss(ps[0], ps[1]) }
        let w2 = w.copy().requiringGradient(), b2 = b.copy().requiringGradient()
        for bytes in [15 * 4, 5 * 4, 20 * 4, 12 * 4] { try Self.poison(bytes: bytes) }
        try loss(w2, b2).backward()
        expectClose(w2.grad!, expected[0]!, relative: 1e-6, absolute: 1e-7)
        expectClose(b2.grad!, expected[1]!, relative: 1e-6, absolute: 1e-7)
    }
}
