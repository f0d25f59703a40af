import Foundation
import Testing
import Towers

/// `mpirun -np 2` runs that train: the ranks against one process on the same
/// pairs, every optimizer, the eager path, fused buckets, and resuming.
/// Serialized: each run takes both cores.
extension MPIRuns {
    @Suite("data-parallel training")
    struct TrainingTests {
        /// The bound of the issue: weights within 1e-5, relative to each tensor's largest value.
        static let tolerance = 1e-5

        @Test("towers train --distributed: 2 ranks × 32 pairs end within 1e-5 of 1 process × 64 pairs after 100 steps")
        func cliTwoRanksMatchOneProcess() throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let common = ["train", "--steps", "100", "--checkpoint-every", "1000", "--seed", "3"]
            let two = try MPIRun.run(
                "towers", common + ["--distributed", "--batch-size", "32", "--output-dir", scratch.file("two").path],
                ranks: 2)
            #expect(two.status == 0, "\(two.output)")
            let one = try MPIRun.run(
                "towers", common + ["--batch-size", "64", "--output-dir", scratch.file("one").path], ranks: nil)
            #expect(one.status == 0, "\(one.output)")

            let worst = try Weights.largestRelativeDifference(
                scratch.file("two/siamese.safetensors"), scratch.file("one/siamese.safetensors"))
            #expect(worst.value <= Self.tolerance, "\(worst.name) differs by \(worst.value) relative")
            // Rank 0 alone prints, with the ranks and the global batch.
            let summary = "distributed: 2 ranks (all on this machine), 32 pairs per rank, global batch 64"
            #expect(two.output.components(separatedBy: summary).count == 2, "\(two.output)")
            #expect(two.output.components(separatedBy: "digits: 1437 train rows").count == 2)
            #expect(two.output.components(separatedBy: "test 1-NN accuracy").count == 2)
        }

        @Test(
            "2 ranks starting from different weights end bit-identical, and within 1e-5 of 1 process, after 100 steps",
            .serialized, arguments: ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
        func everyOptimizer(_ optimizer: String) throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            // Small fused buffers for Adam: every variable in a bucket of its own or shared.
            let fusion = optimizer == "adam" ? ["--fusion-bytes", "4096"] : []
            let args = ["--out", scratch.url.path, "--optimizer", optimizer, "--steps", "100", "--batch", "64"]
            let two = try MPIRun.run("MPIHarness", args + fusion + ["--seed-by-rank"], ranks: 2)
            #expect(two.status == 0, "\(two.output)")
            #expect(
                two.output.contains("trained 100 steps on 2 rank(s), 32 pairs each; 100 exchanges"), "\(two.output)")
            let one = try MPIRun.run("MPIHarness", args + ["--no-mpi"], ranks: nil)
            #expect(one.status == 0, "\(one.output)")

            let rank0 = scratch.file("rank-0-of-2.safetensors"), rank1 = scratch.file("rank-1-of-2.safetensors")
            #expect(try Weights.differingTensors(rank0, rank1) == [])
            #expect(try Data(contentsOf: rank0) == Data(contentsOf: rank1))
            let worst = try Weights.largestRelativeDifference(rank0, scratch.file("rank-0-of-1.safetensors"))
            #expect(worst.value <= Self.tolerance, "\(optimizer): \(worst.name) differs by \(worst.value) relative")
        }

        @Test("eager steps: 2 ranks bit-identical and within 1e-5 of 1 process")
        func eager() throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let args = ["--out", scratch.url.path, "--steps", "100", "--batch", "64", "--eager"]
            let two = try MPIRun.run("MPIHarness", args, ranks: 2)
            #expect(two.status == 0, "\(two.output)")
            let one = try MPIRun.run("MPIHarness", args + ["--no-mpi"], ranks: nil)
            #expect(one.status == 0, "\(one.output)")
            let rank0 = scratch.file("rank-0-of-2.safetensors")
            #expect(try Data(contentsOf: rank0) == Data(contentsOf: scratch.file("rank-1-of-2.safetensors")))
            let worst = try Weights.largestRelativeDifference(rank0, scratch.file("rank-0-of-1.safetensors"))
            #expect(worst.value <= Self.tolerance, "\(worst.name) differs by \(worst.value) relative")
        }

        @Test("towers train --distributed --resume: 20 + 20 steps on 2 ranks equal 40 steps, byte for byte")
        func cliResume() throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let common = ["train", "--distributed", "--batch-size", "16", "--checkpoint-every", "1000", "--seed", "5"]
            let whole = try MPIRun.run(
                "towers", common + ["--steps", "40", "--output-dir", scratch.file("whole").path], ranks: 2)
            #expect(whole.status == 0, "\(whole.output)")
            let first = try MPIRun.run(
                "towers", common + ["--steps", "20", "--output-dir", scratch.file("split").path], ranks: 2)
            #expect(first.status == 0, "\(first.output)")
            let second = try MPIRun.run(
                "towers", common + ["--steps", "40", "--resume", "--output-dir", scratch.file("split").path], ranks: 2)
            #expect(second.status == 0, "\(second.output)")
            #expect(second.output.components(separatedBy: "resumed ").count == 2, "rank 0 alone reads and says so")
            let a = try Data(contentsOf: scratch.file("whole/siamese.safetensors"))
            let b = try Data(contentsOf: scratch.file("split/siamese.safetensors"))
            #expect(a == b)
        }

        @Test("resuming: rank 0 reads the checkpoint and broadcasts it; 60 + 40 steps equal 100 steps bit for bit")
        func resume() throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let whole = scratch.file("whole"), first = scratch.file("first"), second = scratch.file("second")
            for d in [whole, first, second] {
                try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            }
            let checkpoint = scratch.file("adam.safetensors").path
            let args = ["--optimizer", "adam", "--batch", "64"]
            let a = try MPIRun.run("MPIHarness", args + ["--out", whole.path, "--steps", "100"], ranks: 2)
            #expect(a.status == 0, "\(a.output)")
            let b = try MPIRun.run(
                "MPIHarness", args + ["--out", first.path, "--steps", "60", "--save", checkpoint], ranks: 2)
            #expect(b.status == 0, "\(b.output)")
            // Rank 1 starts from other weights; the broadcast after the load must overwrite them.
            let c = try MPIRun.run(
                "MPIHarness",
                args + ["--out", second.path, "--steps", "100", "--resume", checkpoint, "--seed-by-rank"],
                ranks: 2)
            #expect(c.status == 0, "\(c.output)")
            for rank in 0..<2 {
                let name = "rank-\(rank)-of-2.safetensors"
                #expect(
                    try Weights.differingTensors(
                        whole.appendingPathComponent(name), second.appendingPathComponent(name))
                        == [])
            }
        }
    }
}
