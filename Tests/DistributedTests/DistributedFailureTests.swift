import Foundation
import Testing
import Towers

#if canImport(Glibc)
    import Glibc
#endif

/// `mpirun -np 2` runs where a rank fails: every one must end the job with a
/// non-zero exit, quickly, with an error from every rank, and leave no
/// partial checkpoint. Serialized: each run takes both cores.
extension MPIRuns {
    @Suite("a failing rank stops the job")
    struct FailureTests {
        /// Lines of `output` from rank `rank`'s error report.
        static func errorLine(_ output: String, rank: Int) -> String? {
            output.split(separator: "\n").map(String.init).first { $0.hasPrefix("towers rank \(rank) of 2: error: ") }
        }

        @Test("a model that differs on rank 1 is an error on both ranks naming the first difference")
        func mismatchedModel() throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let run = try MPIRun.run(
                "MPIHarness", ["--out", scratch.url.path, "--fault", "mismatch", "--fault-rank", "1"], ranks: 2)
            #expect(run.status != 0)
            let expected =
                "ranks do not hold the same model: 'tower/dense_2/bias' is [16] Float32 on rank 1 but [32] Float32 "
                + "on rank 0; every rank must build the same variables (names, shapes and dtypes) before training"
            for rank in 0..<2 {
                #expect(
                    Self.errorLine(run.output, rank: rank) == "towers rank \(rank) of 2: error: \(expected)",
                    "\(run.output)")
            }
            #expect(!FileManager.default.fileExists(atPath: scratch.file("rank-0-of-2.safetensors").path))
        }

        @Test("kill -9 of rank 1 mid-run (towers train --distributed) ends the job non-zero in under 30 s")
        func killedRank() throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let checkpoint = scratch.file("out/siamese.safetensors")
            let log = scratch.file("log")
            let started = Date()
            let process = try MPIRun.start(
                "towers",
                [
                    "train", "--distributed", "--steps", "1000000", "--batch-size", "32", "--checkpoint-every", "20",
                    "--output-dir", scratch.file("out").path,
                ], ranks: 2, output: log)
            // Training runs once rank 0 has written a checkpoint.
            while !FileManager.default.fileExists(atPath: checkpoint.path), process.isRunning,
                Date().timeIntervalSince(started) < 120
            {
                usleep(50_000)
            }
            let victim = try #require(MPIRun.rankProcess(of: process.processIdentifier, rank: 1))
            let killed = Date()
            kill(victim, SIGKILL)
            let run = MPIRun.wait(process, output: log, started: killed, deadline: 60)
            #expect(!run.timedOut, "the job was still running 60 s after the kill")
            #expect(run.status != 0)
            #expect(run.seconds < 30, "the job took \(run.seconds) s to stop")
            #expect(run.output.contains("exited on signal 9"), "\(run.output)")
            // Rank 0 was stopped too, and said so; its last checkpoint is whole.
            #expect(run.output.contains("towers rank 0 of 2: stopped by SIGTERM"), "\(run.output)")
            let store = VariableStore(seed: 1)
            let training = try SiameseTraining(recipe: SiameseRecipe(), data: try Digits.load(), store: store)
            let report = try Checkpoint.load(into: training.store, from: checkpoint)
            #expect(report.isClean)
            #expect(training.stepCount % 20 == 0 && training.stepCount > 0)
        }

        @Test("a NaN loss on rank 1 stops both ranks before the update; the checkpoint of step 3 is kept")
        func nanLossOnOneRank() throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let checkpoint = scratch.file("ck.safetensors")
            let run = try MPIRun.run(
                "MPIHarness",
                [
                    "--out", scratch.url.path, "--fault", "nan", "--fault-rank", "1", "--at", "5", "--save-every", "3",
                    "--save", checkpoint.path,
                ], ranks: 2)
            #expect(run.status != 0)
            for rank in 0..<2 {
                let line = try #require(Self.errorLine(run.output, rank: rank), "\(run.output)")
                #expect(line.contains("loss became non-finite at step 5 (rank 1: nan); no rank applied that update"))
                #expect(line.contains("the last good checkpoint \(checkpoint.path) was kept"))
            }
            let file = try SafetensorsFile.read(from: checkpoint)
            #expect(file.metadata["global_step"] == "3")
        }

        @Test("an error on rank 1 alone aborts the job at once; rank 0 reports that it was stopped")
        func errorOnOneRank() throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let run = try MPIRun.run(
                "MPIHarness", ["--out", scratch.url.path, "--fault", "throw", "--fault-rank", "1", "--at", "5"],
                ranks: 2,
                deadline: 60)
            #expect(!run.timedOut)
            #expect(run.status != 0)
            #expect(run.seconds < 30)
            #expect(
                run.output.contains("towers rank 1 of 2: error: injected failure on rank 1 at step 5"), "\(run.output)")
            #expect(run.output.contains("towers rank 0 of 2: stopped by SIGTERM"), "\(run.output)")
        }

        @Test("a rank that stops responding: the other's watchdog ends the job after the collective timeout")
        func hungRank() throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let run = try MPIRun.run(
                "MPIHarness",
                ["--out", scratch.url.path, "--fault", "hang", "--fault-rank", "1", "--at", "5", "--timeout", "3"],
                ranks: 2, deadline: 60)
            #expect(!run.timedOut)
            #expect(run.status != 0)
            #expect(run.seconds < 30)
            #expect(
                run.output.contains(
                    "towers rank 0: the gradient allreduce at step 5 has waited 3 s for the other ranks; stopping the job"
                ),
                "\(run.output)")
        }

        @Test(
            "weights changed on one rank outside the optimizer: both ranks refuse the checkpoint, naming the variable")
        func divergedWeights() throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let checkpoint = scratch.file("ck.safetensors")
            let run = try MPIRun.run(
                "MPIHarness",
                [
                    "--out", scratch.url.path, "--fault", "diverge", "--fault-rank", "1", "--at", "5", "--save-every",
                    "10", "--save", checkpoint.path,
                ], ranks: 2)
            #expect(run.status != 0)
            for rank in 0..<2 {
                #expect(
                    Self.errorLine(run.output, rank: rank)
                        == "towers rank \(rank) of 2: error: at step 10 the ranks' weights are no longer identical: "
                        + "'tower/dense/kernel' on rank 1 differs from rank 0's (a rank changed its variables outside "
                        + "the optimizer step)", "\(run.output)")
            }
            #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
        }

        @Test("rank 0 cannot write the checkpoint: every rank stops with rank 0's reason")
        func checkpointFailureOnRoot() throws {
            let scratch = try Scratch()
            defer { scratch.remove() }
            // A regular file where the checkpoint's directory should be.
            let blocker = scratch.file("not-a-directory")
            try Data("x".utf8).write(to: blocker)
            let target = blocker.appendingPathComponent("ck.safetensors").path
            let run = try MPIRun.run(
                "MPIHarness", ["--out", scratch.url.path, "--steps", "4", "--save-every", "2", "--save", target],
                ranks: 2)
            #expect(run.status != 0)
            for rank in 0..<2 {
                let line = try #require(Self.errorLine(run.output, rank: rank), "\(run.output)")
                #expect(
                    line.hasPrefix("towers rank \(rank) of 2: error: rank 0 could not write the checkpoint \(target): ")
                )
            }
        }
    }
}
