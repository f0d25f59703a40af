import Foundation
import Testing
import Towers

@Suite("towers command line")
struct CLITests {
    /// The first line of standard error, which must say what is wrong.
    private func firstLine(_ result: CLIResult) -> String {
        String(result.stderr.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    @Test(
        "an invalid option exits 64 with one line naming the option, the value and the range",
        arguments: [
            (["--checkpoint-every=0"], "--checkpoint-every 0 is out of range: it must be at least 1"),
            (["--momentum=-1"], "--momentum -1.0 is out of range: it must be in [0, 1)"),
            (["--momentum", "-1"], "--momentum -1.0 is out of range: it must be in [0, 1)"),
            (["--momentum=nan"], "--momentum nan is out of range"),
            (["--momentum=1.5"], "--momentum 1.5 is out of range"),
            (["--batch-size=-1"], "--batch-size -1 is out of range: it must be from 1 to 65536"),
            (["--batch-size", "-1"], "--batch-size -1 is out of range"),
            (["--batch-size=0"], "--batch-size 0 is out of range"),
            (["--batch-size", "100000000"], "--batch-size 100000000 is out of range"),
            (["--threads=0"], "--threads 0 is out of range: it must be from 1 to 256"),
            (["--threads=-1"], "--threads -1 is out of range"),
            (["--threads=3000000000"], "--threads 3000000000 is out of range"),
            (["--margin=-1"], "--margin -1.0 is out of range: it must be a finite number > 0"),
            (["--learning-rate", "nan"], "--learning-rate nan is out of range: it must be a finite number > 0"),
            (["--learning-rate=-0.1"], "--learning-rate -0.1 is out of range"),
            (["--steps=0"], "--steps 0 is out of range"),
            (["--steps=x"], "The value 'x' is invalid for '--steps <steps>'"),
        ])
    func invalidOption(arguments: [String], message: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try CLI.run(["train", "--output-dir", scratch.file("runs").path] + arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(firstLine(result).hasPrefix("Error: " + message), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(arguments): nothing ran")
    }

    @Test("--learning-rate nan is refused before anything runs: a good checkpoint in --output-dir is kept")
    func nanLearningRateKeepsCheckpoint() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let checkpoint = scratch.file("siamese.safetensors")
        let good = Data("a good checkpoint".utf8)
        try good.write(to: checkpoint)
        let result = try CLI.run(["train", "--steps", "1", "--learning-rate", "nan", "--output-dir", scratch.url.path])
        #expect(result.status == 64)
        #expect(try Data(contentsOf: checkpoint) == good)
    }

    @Test("an --output-dir that is a file, a device, a FIFO or under a file is one sentence, exit 64")
    func outputDirProblems() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = scratch.file("plain")
        try Data("x".utf8).write(to: file)
        let fifo = scratch.file("fifo")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let cases = [
            (file.path, "is not a directory (it names a file)"),
            ("/dev/null", "is not a directory (it names a device)"),
            (fifo.path, "is not a directory (it names a FIFO)"),
            (file.path + "/runs", "cannot be created: \(file.path) is a file"),
        ]
        for (path, message) in cases {
            let result = try CLI.run(["train", "--steps", "1", "--output-dir", path])
            #expect(result.status == 64, "\(path): \(result.stderr)")
            #expect(firstLine(result) == "Error: --output-dir \(path) \(message)", "\(path)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain"))
        }
    }

    @Test("inspect escapes control characters in names and metadata")
    func inspectEscapes() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var file = SafetensorsFile(metadata: ["note\u{7}": "red \u{1B}[31mtext\r\u{9B}"])
        file.set("evil\u{1B}]0;title\u{7}/w", Tensor<Float>([1, 2]))
        let url = scratch.file("evil.safetensors")
        try file.write(to: url)
        let result = try CLI.run(["inspect", url.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            !result.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F..<0xA0).contains($0.value) }
        )
        #expect(result.stdout.contains("evil\\u{1B}]0;title\\u{7}/w"))
        #expect(result.stdout.contains("metadata note\\u{7}: red \\u{1B}[31mtext\\u{D}\\u{9B}"))
    }

    @Test("eval refuses a checkpoint with NaN weights, naming the tensor")
    func evalRefusesNaN() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let store = VariableStore(seed: 0)
        let training = try SiameseTraining(recipe: SiameseRecipe(), data: try Digits.load(), store: store)
        training.store.variable(named: "tower/dense/bias")?.tensor(as: Float.self)?.fill(with: 0)
        var file = SafetensorsFile()
        for v in store.allVariables {
            if let t = v.tensor(as: Float.self) { file.set(v.name, t) }
            if let t = v.tensor(as: Double.self) { file.set(v.name, t) }
        }
        file.set("tower/dense/bias", try Tensor<Float>(shape: [128], scalars: Array(repeating: .nan, count: 128)))
        let url = scratch.file("nan.safetensors")
        try file.write(to: url)
        let result = try CLI.run(["eval", url.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("'tower/dense/bias' holds NaN or an infinity"), "\(result.stderr)")
        #expect(!result.stdout.contains("threshold nan"))
    }

    @Test("--version prints the package's version")
    func version() throws {
        let result = try CLI.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == TowersVersion.string + "\n")
    }
}
