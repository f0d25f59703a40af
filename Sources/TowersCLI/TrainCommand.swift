import ArgumentParser
import Foundation
import Towers
import TowersDistributed

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
        help:
            "Threads (1...\(Self.maxThreads)): the cores the captured step's two towers run on at once, and OpenBLAS's threads for large products. Default: this machine's cores."
    )
    var threads = min(ProcessInfo.processInfo.activeProcessorCount, Self.maxThreads)
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
    @Flag(
        help:
            "Data-parallel training over MPI: start it with `mpirun -np N towers train --distributed`. --batch-size is then the pairs per rank (the global batch is N times it); rank 0 prints and writes the files, and restores them with --resume."
    )
    var distributed = false
    @Option(
        parsing: .unconditional,
        help:
            "With --distributed: seconds a rank waits for the others in one exchange before it stops the job (> 0).")
    var collectiveTimeout = Communicator.defaultCollectiveTimeout

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
        try OptionCheck.number("--collective-timeout", collectiveTimeout, allowed: "a finite number > 0") { $0 > 0 }
        guard !outputDir.isEmpty else { throw ValidationError("--output-dir must not be empty") }
        _ = try OptionCheck.outputDirectory(outputDir)  // creates it
        // With --distributed only rank 0 reads the checkpoint (the others may not see the file).
        if resume && !distributed {
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
        guard distributed else {
            do { try train(session: nil) } catch let error as UsageError {
                throw UsageError.exit(error, command: "train")
            }
            return
        }
        let session = try DistributedSession(collectiveTimeout: collectiveTimeout)
        do {
            try train(session: session)
        } catch {
            throw session.fail(error)
        }
        session.world.finalize()
    }

    /// Trains alone (`session == nil`) or as one rank of an MPI job, where rank 0
    /// prints, reads and writes the files.
    private func train(session: DistributedSession?) throws {
        let isRoot = session?.isRoot ?? true
        let out = URL(fileURLWithPath: outputDir, isDirectory: true)
        BLAS.threadCount = threads
        if isRoot { print(BLAS.summary) }
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
        recipe.towersInParallel = session?.towersInParallel ?? true
        if isRoot {
            print(
                "\(data.name): \(data.split.train.count) train rows, \(data.split.test.count) test rows "
                    + "(index % 5 == 0), \(data.split.all.featureCount) features, \(data.split.all.classes.count) labels"
            )
        }
        let training = try SiameseTraining(recipe: recipe, data: data.split)
        let record = RunRecord(recipe, data: data)
        let parallel = try session?.attach(training)
        if let session, isRoot {
            print(session.summary(batchSize: batchSize, towersInParallel: recipe.towersInParallel))
        }

        let checkpoint = Self.checkpointURL(outputDir)
        let lossLog = out.appendingPathComponent("loss.csv")
        var losses: [Float] = []
        var lastGood: URL? = nil
        if resume {
            if isRoot {
                guard FileManager.default.fileExists(atPath: checkpoint.path) else {
                    throw UsageError(
                        "--resume: there is no checkpoint \(checkpoint.path) to resume from (train without --resume first)"
                    )
                }
                let file = try SafetensorsFile.read(from: checkpoint)
                try RunRecord.checkResume(file: file, path: checkpoint.path, this: record)
            }
            do {
                if let parallel {
                    // Rank 0 loads; every rank receives its values.
                    try parallel.restoreCheckpoint(from: checkpoint)
                } else {
                    try Checkpoint.load(into: training.store, from: checkpoint)
                    try Checkpoint.finishLoading(training.store)
                }
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
            if isRoot {
                if let previous = LossLog.read(lossLog, steps: done) {
                    losses = previous
                } else {
                    print(
                        "note: \(lossLog.path) does not hold the losses of steps 1...\(done); loss.csv and loss.svg start at step \(done + 1)"
                    )
                }
                print("resumed \(checkpoint.path) at step \(done)")
            }
            lastGood = checkpoint
        }
        let first = training.stepCount + 1
        let save = {
            if isRoot { try LossLog.write(losses, to: lossLog) }
            if let parallel {
                try parallel.saveCheckpoint(to: checkpoint, metadata: record.values)
            } else {
                try Checkpoint.save(training.store, to: checkpoint, metadata: record.values)
            }
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
            if isRoot { progress.update(step: step, loss: loss, elapsed: Date().timeIntervalSince(start)) }
            if step % checkpointEvery == 0 {
                try save()
                lastGood = checkpoint
            }
        }
        let seconds = Date().timeIntervalSince(start)
        try save()
        guard isRoot else { return }
        progress.finish()
        var graphFiles: [URL] = []
        if let captured = training.capturedStep {
            let towers =
                captured.towersRunInParallel
                ? "towers in parallel" : "towers one after another (\(captured.serialTowersReason ?? "one tower"))"
            print("captured step: \(captured.operationCount) operations, \(towers)")
            for (format, name) in [(GraphFormat.svg, "graph.svg"), (.dot, "graph.dot")] {
                let url = out.appendingPathComponent(name)
                try AtomicFile.write(Data(captured.graph(as: format).utf8), to: url)
                graphFiles.append(url)
            }
        }

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
        print(
            "wrote "
                + ([checkpoint, lossLog, embeddingsSVG, lossSVG] + graphFiles).map(\.path).joined(separator: ", "))
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
