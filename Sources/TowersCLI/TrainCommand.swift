import ArgumentParser
import Foundation
import Towers

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a siamese tower 64-128-64-32 with contrastive loss on the digits (the main job).",
        discussion: """
            With --data FILE.csv the tower's input is the file's feature count. The checkpoint             (siamese.safetensors), the loss of every step (loss.csv) and the plots go to --output-dir;             --resume continues the run saved there, with the same options, up to --steps.
            """)

    // Numbers are parsed unconditionally, so `--momentum -1` reaches validate()
    // (and its range message) instead of being taken for an option.
    @Option(parsing: .unconditional, help: "Train until this step (1...1000000000), counting resumed steps.")
    var steps = 3000
    @Option(parsing: .unconditional, help: "Pairs per step (1...\(Self.maxBatchSize)).") var batchSize = 64
    @Option(parsing: .unconditional, help: "SGD learning rate (finite, > 0).") var learningRate = 0.05
    @Option(parsing: .unconditional, help: "SGD momentum (0 ≤ m < 1).") var momentum = 0.9
    @Option(parsing: .unconditional, help: "Contrastive margin (finite, > 0).") var margin = 1.0
    @Option(
        parsing: .unconditional,
        help: "Scale gradients down to this global norm when theirs is larger (finite, > 0; default: no clipping).")
    var clipNorm: Double?
    @Option(parsing: .unconditional, help: "Random seed (initial weights and pairs).") var seed: UInt64 = 0
    @Option(
        parsing: .unconditional,
        help: "OpenBLAS threads (1...\(Self.maxThreads)). The tower's matrices are small, so one thread is fastest.")
    var threads = 1
    @Option(help: "Where the checkpoint and the SVG plots go (created if missing).") var outputDir = "runs"
    @Option(
        parsing: .unconditional, help: "Save a checkpoint every N steps, N ≥ 1 (the last good one survives a NaN).")
    var checkpointEvery = 500
    @Flag(
        help:
            "Run every step eagerly (scopes entered and operations recorded each step) instead of capturing the first step and replaying it."
    )
    var eager = false
    @Flag(
        help:
            "Continue the run whose checkpoint is in --output-dir: weights, optimizer state and step count restored, the same options required."
    )
    var resume = false
    @OptionGroup var dataOptions: DataOptions

    static let maxBatchSize = 65_536
    static let maxThreads = 256

    func validate() throws {
        try OptionCheck.integer("--steps", steps, in: 1...1_000_000_000)
        try OptionCheck.integer("--batch-size", batchSize, in: 1...Self.maxBatchSize)
        try OptionCheck.number("--learning-rate", learningRate, allowed: "a finite number > 0") { $0 > 0 }
        try OptionCheck.number("--momentum", momentum, allowed: "in [0, 1)") { $0 >= 0 && $0 < 1 }
        try OptionCheck.number("--margin", margin, allowed: "a finite number > 0") { $0 > 0 }
        if let clipNorm {
            try OptionCheck.number("--clip-norm", clipNorm, allowed: "a finite number > 0") { $0 > 0 }
        }
        try OptionCheck.integer("--threads", threads, in: 1...Self.maxThreads)
        try OptionCheck.integer("--checkpoint-every", checkpointEvery, in: 1...Int.max)
        guard !outputDir.isEmpty else { throw ValidationError("--output-dir must not be empty") }
        _ = try OptionCheck.outputDirectory(outputDir)  // creates it
        if resume {
            let path = Self.checkpointURL(outputDir).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError(
                    "--resume: there is no checkpoint \(path) to resume from (train without --resume first)")
            }
        }
    }

    static func checkpointURL(_ outputDir: String) -> URL {
        URL(fileURLWithPath: outputDir, isDirectory: true).appendingPathComponent("siamese.safetensors")
    }

    func run() throws {
        do { try train() } catch let error as UsageError { throw UsageError.exit(error, command: "train") }
    }

    private func train() throws {
        let out = URL(fileURLWithPath: outputDir, isDirectory: true)
        BLAS.threadCount = threads
        print(BLAS.summary)
        let data = try dataOptions.load()
        var recipe = SiameseRecipe()
        recipe.layerSizes[0] = data.split.all.featureCount
        recipe.steps = steps
        recipe.batchSize = batchSize
        recipe.learningRate = learningRate
        recipe.momentum = momentum
        recipe.margin = margin
        recipe.clipNorm = clipNorm
        recipe.seed = seed
        recipe.execution = eager ? .eager : .captured
        print(
            "\(data.name): \(data.split.train.count) train rows, \(data.split.test.count) test rows (index % 5 == 0), "
                + "\(data.split.all.featureCount) features, \(data.split.all.classes.count) labels")
        let training = try SiameseTraining(recipe: recipe, data: data.split)
        let record = RunRecord(recipe, data: data)

        let checkpoint = Self.checkpointURL(outputDir)
        let lossLog = out.appendingPathComponent("loss.csv")
        var losses: [Float] = []
        var lastGood: URL? = nil
        if resume {
            let file = try SafetensorsFile.read(from: checkpoint)
            try RunRecord.checkResume(file: file, path: checkpoint.path, this: record)
            do {
                try Checkpoint.load(into: training.store, from: checkpoint)
                try Checkpoint.finishLoading(training.store)
            } catch let error as CheckpointError {
                throw CLIWording.checkpoint(
                    error, path: checkpoint.path, model: "tower \(record.values["train.layers"]!) and SGD",
                    fix: "Resume a run of `towers train` with the same --data, --label-column and --header.")
            }
            let done = training.stepCount
            guard done < steps else {
                throw UsageError(
                    "--steps \(steps): \(checkpoint.path) is already at step \(done); pass a larger --steps to train on"
                )
            }
            if let previous = LossLog.read(lossLog, steps: done) {
                losses = previous
            } else {
                print(
                    "note: \(lossLog.path) does not hold the losses of steps 1...\(done); loss.csv and loss.svg start at step \(done + 1)"
                )
            }
            lastGood = checkpoint
            print("resumed \(checkpoint.path) at step \(done)")
        }
        let first = training.stepCount + 1
        let save = {
            try LossLog.write(losses, to: lossLog)
            try Checkpoint.save(training.store, to: checkpoint, metadata: record.values)
        }

        var progress = ProgressBar(total: steps, first: first)
        let start = Date()
        for step in first...steps {
            let loss: Float
            do {
                loss = try training.step(lastGoodCheckpoint: lastGood)
            } catch let error as TrainingError {
                throw CLIWording.training(error, learningRate: learningRate, clipNorm: clipNorm)
            }
            losses.append(loss)
            progress.update(step: step, loss: loss, elapsed: Date().timeIntervalSince(start))
            if step % checkpointEvery == 0 {
                try save()
                lastGood = checkpoint
            }
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        if let captured = training.capturedStep {
            let towers =
                captured.towersRunInParallel
                ? "towers in parallel" : "towers one after another (\(captured.serialTowersReason ?? "one tower"))"
            print("captured step: \(captured.operationCount) operations, \(towers)")
        }
        try save()

        let report = SharingReport(store: training.store)
        print(report)
        print("model parameters (one tower, shared by both): \(report.trainableParameters)")
        let evaluation = try training.evaluate()
        let trained = steps - first + 1
        print(
            String(
                format: "trained %d steps (to step %d) in %.2f s (%.0f steps/s)", trained, steps, seconds,
                Double(trained) / seconds))
        print(String(format: "test 1-NN accuracy: %.4f", evaluation.oneNearestNeighborAccuracy))
        print(
            String(
                format: "pair verification accuracy: %.4f (threshold %.3f)", evaluation.pairAccuracy,
                evaluation.threshold))

        let testEmbeddings = try training.embeddings(data.split.test)
        let projected = SVGPlot.principalComponents(testEmbeddings)
        let points = zip(projected, data.split.test.labels).map { (x: $0.0.0, y: $0.0.1, label: $0.1) }
        let embeddingsSVG = out.appendingPathComponent("embeddings.svg")
        let lossSVG = out.appendingPathComponent("loss.svg")
        let digits = dataOptions.data == nil
        let scatter = SVGPlot.scatter(
            points, title: "Test embeddings (PCA of 32-d), by \(digits ? "digit" : "label")", xLabel: "PC 1",
            yLabel: "PC 2"
        ) { digits ? "digit \($0)" : "label \($0)" }
        try AtomicFile.write(Data(scatter.utf8), to: embeddingsSVG)
        let chart = SVGPlot.lineChart(
            losses, title: "Contrastive loss",
            xLabel: losses.count == steps ? "step" : "step after \(steps - losses.count)",
            yLabel: "loss")
        try AtomicFile.write(Data(chart.utf8), to: lossSVG)
        print("wrote \(checkpoint.path), \(lossLog.path), \(embeddingsSVG.path), \(lossSVG.path)")
    }
}

/// A progress bar on a terminal, plain lines otherwise.
struct ProgressBar {
    let total: Int
    /// The first step of this process (after a resumed one's).
    let first: Int
    let isTerminal = isatty(STDOUT_FILENO) != 0
    private var lastLine = 0

    init(total: Int, first: Int = 1) {
        self.total = total
        self.first = first
        lastLine = first - 1
    }

    mutating func update(step: Int, loss: Float, elapsed: Double) {
        let rate = Double(step - first + 1) / Swift.max(elapsed, 1e-9)
        if isTerminal {
            guard step == total || step % 10 == 0 else { return }
            let width = 30, filled = width * step / Swift.max(total, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            print(
                "\r\(bar) " + String(format: "%5d/%d  loss %.4f  %6.0f steps/s", step, total, loss, rate),
                terminator: "")
            fflush(nil)
        } else if step == total || step - lastLine >= Swift.max(total / 10, 1) {
            lastLine = step
            print(String(format: "step %5d/%d  loss %.4f  %.0f steps/s", step, total, loss, rate))
        }
    }

    func finish() { if isTerminal { print("") } }
}
