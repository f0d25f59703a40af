import Foundation
import Testing
import Towers

/// `towers train --data`, `--resume`, `--clip-norm`, and messages in command-line terms.
@Suite("towers train: data, resume, clipping")
struct TrainDataResumeTests {
    /// 100 rows of three features and a label 0, 1 or 2, with a header.
    static let points: String = {
        var rng = SeededRandom(seed: 7)
        var text = "a,b,c,label\n"
        for i in 0..<100 {
            let label = i % 3
            let a = Double(label) + Double(rng.nextUniform()) * 0.5
            let b = -Double(label) + Double(rng.nextUniform()) * 0.5
            text += String(format: "%.4f,%.4f,%.4f,%d\n", a, b, Double(rng.nextUniform()), label)
        }
        return text
    }()

    private func firstLine(_ result: CLIResult) -> String {
        String(result.stderr.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    /// A scratch directory holding `points.csv`.
    private func scratchWithData() throws -> (Scratch, String) {
        let scratch = try Scratch()
        let csv = scratch.file("points.csv")
        try Data(Self.points.utf8).write(to: csv)
        return (scratch, csv.path)
    }

    @Test("--data trains on a CSV file: its width, its labels, a label column chosen by name or number")
    func trainsOnCSV() throws {
        let (scratch, csv) = try scratchWithData()
        defer { scratch.remove() }
        for column in ["label", "4", "last"] {
            let out = scratch.file("runs-\(column)").path
            let result = try CLI.run([
                "train", "--data", csv, "--header", "--label-column", column, "--steps", "30", "--output-dir", out,
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("80 train rows, 20 test rows (index % 5 == 0), 3 features, 3 labels"))
            #expect(result.stdout.contains("test 1-NN accuracy: "))
            #expect(result.stdout.contains("tower/dense/kernel             [3, 128]"))
        }
        // The labels as the first column, no header.
        let swapped = scratch.file("first.csv")
        let rows = Self.points.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",")
            return ([f[3]] + f[0..<3]).joined(separator: ",")
        }
        try Data(rows.joined(separator: "\n").utf8).write(to: swapped)
        let result = try CLI.run([
            "train", "--data", swapped.path, "--label-column", "1", "--steps", "5", "--output-dir",
            scratch.file("first").path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("3 features, 3 labels"))
    }

    @Test(
        "bad data is an error naming the file, line and column",
        arguments: [
            ("1,2,0\n3,x,1\n", [], "bad.csv line 2, column 2: 'x' is not a number"),
            ("1,2,0\n3,4,0.5\n", [], "bad.csv line 2, column 3: label 0.5 is not an integer"),
            ("1,2,0\n3,4\n", [], "bad.csv line 2: 2 fields, but line 1 has 3"),
            ("1,2,0\n3,nan,1\n", [], "bad.csv line 2, column 2: nan is not a finite Float feature"),
            ("1,2,0\n3,4,1\n", [], "the training rows (those whose index is not divisible by 5) cannot make pairs"),
            ("a,b\n1,0\n", ["--header", "--label-column", "c"], "--label-column c: bad.csv has no such column"),
            ("1,0\n2,1\n", ["--label-column", "3"], "--label-column 3: bad.csv has no such column: the file has 2"),
        ] as [(String, [String], String)])
    func badData(text: String, options: [String], message: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try Data(text.utf8).write(to: scratch.file("bad.csv"))
        let result = try CLI.run(
            ["train", "--data", "bad.csv", "--steps", "1", "--output-dir", "runs"] + options, in: scratch.url)
        #expect(result.status != 0)
        #expect(firstLine(result).hasPrefix("Error: " + message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("runs/siamese.safetensors").path))
    }

    @Test(
        "data and resume options are checked before anything runs: exit 64, one line naming the option",
        arguments: [
            (["--label-column", "2"], "--label-column and --header describe a --data file; give --data FILE.csv"),
            (["--data", "missing.csv"], "--data missing.csv: no such file"),
            (["--data", "."], "--data . is a directory, not a CSV file"),
            (["--data", "points.csv", "--label-column", "0"], "--label-column 0 is out of range"),
            (
                ["--data", "points.csv", "--label-column", "label"],
                "--label-column label names a column, but without --header"
            ),
            (["--clip-norm", "0"], "--clip-norm 0.0 is out of range: it must be a finite number > 0"),
            (["--clip-norm", "inf"], "--clip-norm inf is out of range"),
            (["--resume"], "--resume: there is no checkpoint"),
        ])
    func optionChecks(arguments: [String], message: String) throws {
        let (scratch, _) = try scratchWithData()
        defer { scratch.remove() }
        let result = try CLI.run(["train", "--output-dir", "runs"] + arguments, in: scratch.url)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(firstLine(result).hasPrefix("Error: " + message), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("--resume continues the step count: loss log, plot and checkpoint equal an uninterrupted run's bytes")
    func resumeIsExact() throws {
        let (scratch, csv) = try scratchWithData()
        defer { scratch.remove() }
        let common = ["train", "--data", csv, "--header", "--checkpoint-every", "10", "--batch-size", "16"]
        let whole = try CLI.run(common + ["--steps", "40", "--output-dir", scratch.file("whole").path])
        #expect(whole.status == 0, "\(whole.stderr)")
        let first = try CLI.run(common + ["--steps", "20", "--output-dir", scratch.file("parts").path])
        #expect(first.status == 0, "\(first.stderr)")
        let rest = try CLI.run(common + ["--steps", "40", "--output-dir", scratch.file("parts").path, "--resume"])
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(rest.stdout.contains("resumed \(scratch.file("parts/siamese.safetensors").path) at step 20"))
        #expect(rest.stdout.contains("trained 20 steps (to step 40)"))
        for name in ["loss.csv", "loss.svg", "siamese.safetensors", "embeddings.svg"] {
            let a = try Data(contentsOf: scratch.file("whole/\(name)"))
            let b = try Data(contentsOf: scratch.file("parts/\(name)"))
            #expect(a == b, "\(name) differs between the uninterrupted and the resumed run")
        }
        let log = try String(contentsOf: scratch.file("parts/loss.csv"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 41)
        let file = try SafetensorsFile.read(from: scratch.file("parts/siamese.safetensors"))
        #expect(file.metadata["global_step"] == "40")

        // Other options than the run's: refused, naming them; the checkpoint is kept.
        let before = try Data(contentsOf: scratch.file("parts/siamese.safetensors"))
        let other = try CLI.run(
            common + [
                "--steps", "50", "--output-dir", scratch.file("parts").path, "--resume", "--learning-rate", "0.1",
            ])
        #expect(other.status == 64)
        #expect(other.stderr.contains("--learning-rate: the run used 0.05, this command gives 0.1"), "\(other.stderr)")
        let done = try CLI.run(common + ["--steps", "40", "--output-dir", scratch.file("parts").path, "--resume"])
        #expect(done.status == 64)
        #expect(done.stderr.contains("is already at step 40; pass a larger --steps"))
        #expect(try Data(contentsOf: scratch.file("parts/siamese.safetensors")) == before)
    }

    @Test("the divergence hint names --learning-rate and --clip-norm, not Swift options")
    func divergenceHint() throws {
        let (scratch, csv) = try scratchWithData()
        defer { scratch.remove() }
        let result = try CLI.run([
            "train", "--data", csv, "--header", "--learning-rate", "1e30", "--steps", "20", "--output-dir",
            scratch.file("runs").path,
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Lower --learning-rate (now 1e+30) or set --clip-norm"), "\(result.stderr)")
        #expect(!result.stderr.contains("clipNorm"))
        let clipped = try CLI.run([
            "train", "--data", csv, "--header", "--learning-rate", "1e30", "--clip-norm", "2", "--steps", "20",
            "--output-dir", scratch.file("runs").path,
        ])
        #expect(clipped.stderr.contains("lower --clip-norm (now 2.0)") || clipped.status == 0, "\(clipped.stderr)")
    }

    @Test("eval loads the weights of a --data run, and says in CLI terms when a checkpoint does not fit")
    func evalWording() throws {
        let (scratch, csv) = try scratchWithData()
        defer { scratch.remove() }
        let out = scratch.file("runs").path
        let train = try CLI.run(["train", "--data", csv, "--header", "--steps", "10", "--output-dir", out])
        #expect(train.status == 0, "\(train.stderr)")
        let checkpoint = scratch.file("runs/siamese.safetensors").path
        let good = try CLI.run(["eval", checkpoint, "--data", csv, "--header"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("optimizer state skipped: global_step"))
        #expect(good.stdout.contains("test 1-NN accuracy: "))

        let wrong = try CLI.run(["eval", checkpoint])  // the digits model: 64 inputs, not 3
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("does not fit the model this command builds (tower 64-128-64-32"))
        #expect(wrong.stderr.contains("shape mismatch for tower/dense/kernel: model [64, 128], file [3, 128]"))
        #expect(wrong.stderr.contains("with the --data, --label-column and --header it was trained with"))
        #expect(!wrong.stderr.contains(".allow"), "no Swift options for a CLI user: \(wrong.stderr)")
    }
}
