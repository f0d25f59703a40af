import Foundation
import Testing
import Towers

@testable import TowersDistributed

/// The start-up check's comparison, in one process.
@Suite("model signatures")
struct ModelSignatureTests {
    typealias E = ModelSignature.Entry

    static let reference = ModelSignature(entries: [
        E(name: "tower/dense/kernel", shape: [64, 128], dtype: "Float32"),
        E(name: "tower/dense/bias", shape: [128], dtype: "Float32"),
        E(name: "global_step", shape: [], dtype: "Int64"),
    ])

    @Test("equal models have no difference, whatever the creation order")
    func equal() {
        let shuffled = ModelSignature(entries: Self.reference.entries.reversed())
        #expect(shuffled.firstDifference(from: Self.reference, rank: 1) == nil)
        #expect(ModelSignature.firstMismatch([Self.reference, shuffled, Self.reference]) == nil)
    }

    @Test("a shape, a dtype, a missing and an extra variable are each named with both sides")
    func differences() {
        var entries = Self.reference.entries
        entries[2].shape = [128, 64]  // tower/dense/kernel (sorted last)
        #expect(
            ModelSignature(entries: entries).firstDifference(from: Self.reference, rank: 2)
                == "'tower/dense/kernel' is [128, 64] Float32 on rank 2 but [64, 128] Float32 on rank 0")

        entries = Self.reference.entries
        entries[0].dtype = "Int32"  // global_step
        #expect(
            ModelSignature(entries: entries).firstDifference(from: Self.reference, rank: 1)
                == "'global_step' is [] Int32 on rank 1 but [] Int64 on rank 0")

        let missing = ModelSignature(entries: Array(Self.reference.entries.dropFirst()))
        #expect(
            missing.firstDifference(from: Self.reference, rank: 1)
                == "rank 1 has no variable 'global_step' ([] Int64 on rank 0)")

        let extra = ModelSignature(entries: Self.reference.entries + [E(name: "z", shape: [2], dtype: "Float64")])
        #expect(
            extra.firstDifference(from: Self.reference, rank: 3)
                == "rank 3 has a variable 'z' ([2] Float64) that rank 0 does not have")
    }

    @Test("the first difference in name order, on the lowest rank that differs")
    func firstInNameOrder() throws {
        var late = Self.reference.entries
        late[2].shape = [1, 1]  // tower/dense/kernel
        var early = Self.reference.entries
        early[1].shape = [7]  // tower/dense/bias, before the kernel
        early[2].shape = [1, 1]
        let mismatch = try #require(
            ModelSignature.firstMismatch([
                Self.reference, Self.reference, ModelSignature(entries: late), ModelSignature(entries: early),
            ]))
        #expect(mismatch.rank == 2)
        #expect(mismatch.difference.hasPrefix("'tower/dense/kernel'"))
        let second = try #require(ModelSignature.firstMismatch([Self.reference, ModelSignature(entries: early)]))
        #expect(second.difference == "'tower/dense/bias' is [7] Float32 on rank 1 but [128] Float32 on rank 0")
    }

    @Test("a signature survives its encoding, and a store's lists every variable with its dtype")
    func encoding() throws {
        #expect(try ModelSignature(decoding: Self.reference.encoded()) == Self.reference)
        let store = VariableStore(seed: 0)
        _ = try store.getVariable("w", shape: [2, 3], dtype: Float.self)
        _ = try store.getVariable("n", shape: [], dtype: Int64.self, initializer: .zeros, trainable: false)
        #expect(
            ModelSignature(store: store).entries == [
                E(name: "n", shape: [], dtype: "Int64"), E(name: "w", shape: [2, 3], dtype: "Float32"),
            ])
    }

    @Test("errors every rank throws together are collective; MPI and option errors are not")
    func collectiveErrors() {
        let collective: [DistributedError] = [
            .modelMismatch(rank: 1, difference: "x"),
            .nonFiniteLoss(step: 3, ranks: [1], losses: [.nan], lastGoodCheckpoint: nil),
            .diverged(step: 4, variable: "w", ranks: [2]), .rootFailed(operation: "write", message: "disk full"),
        ]
        let local: [DistributedError] = [
            .mpi(call: "MPI_Allreduce", code: 5, message: "m"), .unavailable(reason: "r"),
            .invalidOption(name: "fusionBytes", message: "m"), .variablesChanged(detail: "d"),
        ]
        #expect(collective.allSatisfy { $0.isCollective })
        #expect(!local.contains { $0.isCollective })
        #expect(
            DistributedError.nonFiniteLoss(step: 3, ranks: [1, 3], losses: [.nan, .infinity], lastGoodCheckpoint: nil)
                .description.hasPrefix("loss became non-finite at step 3 (rank 1: nan, rank 3: inf)"))
    }
}
