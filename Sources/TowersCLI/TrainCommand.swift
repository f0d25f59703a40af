import ArgumentParser
import Foundation
import Towers
import TowersDistributed

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a siamese tower 64-128-64-32 with contrastive loss on the digits (the main job).")

    // Numbers are parsed unconditionally, so `--momentum -1` reaches validate()
    // (and its range message) instead of being taken for an option.
    @Option(parsing: .unconditional, help: "Training steps (1...1000000000).") var steps = 3000
    @Option(parsing: .unconditional, help: "Pairs per step (1...\(Self.maxBatchSize)).") var batchSize = 64
    @Option(parsing: .unconditional, help: "SGD learning rate (finite, > 0).") var learningRate = 0.05
    @Option(parsing: .unconditional, help: "SGD momentum (0 ≤ m < 1).") var momentum = 0.9
    @Option(parsing: .unconditional, help: "Contrastive margin (finite, > 0).") var margin = 1.0
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
            "Data-parallel training over MPI: start it with `mpirun -np N towers train --distributed`. --batch-size is then the pairs per rank (the global batch is N times it); rank 0 prints and writes the files."
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
        try OptionCheck.integer("--threads", threads, in: 1...Self.maxThreads)
        try OptionCheck.integer("--checkpoint-every", checkpointEvery, in: 1...Int.max)
        try OptionCheck.number("--collective-timeout", collectiveTimeout, allowed: "a finite number > 0") { $0 > 0 }
        guard !outputDir.isEmpty else { throw ValidationError("--output-dir must not be empty") }
        _ = try OptionCheck.outputDirectory(outputDir)  // creates it
    }

    func run() throws {
        guard distributed else { return try train(session: nil) }
        let session = try DistributedSession(collectiveTimeout: collectiveTimeout)
        do {
            try train(session: session)
        } catch {
            throw session.fail(error)
        }
        session.world.finalize()
    }

    /// Trains alone (`session == nil`) or as one rank of an MPI job, where rank 0
    /// prints and writes the files.
    private func train(session: DistributedSession?) throws {
        let isRoot = session?.isRoot ?? true
        let out = URL(fileURLWithPath: outputDir, isDirectory: true)
        BLAS.threadCount = threads
        if isRoot { print(BLAS.summary) }
        var recipe = SiameseRecipe()
        recipe.steps = steps
        recipe.batchSize = batchSize
        recipe.learningRate = learningRate
        recipe.momentum = momentum
        recipe.margin = margin
        recipe.seed = seed
        recipe.execution = eager ? .eager : .captured
        recipe.towersInParallel = session?.towersInParallel ?? true
        let data = try Digits.load()
        if isRoot { print("digits: \(data.train.count) train rows, \(data.test.count) test rows (index % 5 == 0)") }
        let training = try SiameseTraining(recipe: recipe, data: data)
        let parallel = try session?.attach(training)
        if let session, isRoot {
            print(session.summary(batchSize: batchSize, towersInParallel: recipe.towersInParallel))
        }

        let checkpoint = out.appendingPathComponent("siamese.safetensors")
        var lastGood: URL? = nil
        var progress = ProgressBar(total: steps)
        let start = Date()
        for step in 1...steps {
            let loss = try training.step(lastGoodCheckpoint: lastGood)
            if isRoot { progress.update(step: step, loss: loss, elapsed: Date().timeIntervalSince(start)) }
            if step % checkpointEvery == 0 {
                try parallel?.saveCheckpoint(to: checkpoint) ?? Checkpoint.save(training.store, to: checkpoint)
                lastGood = checkpoint
            }
        }
        let seconds = Date().timeIntervalSince(start)
        try parallel?.saveCheckpoint(to: checkpoint) ?? Checkpoint.save(training.store, to: checkpoint)
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
        print(String(format: "trained %d steps in %.2f s (%.0f steps/s)", steps, seconds, Double(steps) / seconds))
        print(String(format: "test 1-NN accuracy: %.4f", evaluation.oneNearestNeighborAccuracy))
        print(
            String(
                format: "pair verification accuracy: %.4f (threshold %.3f)", evaluation.pairAccuracy,
                evaluation.threshold))

        let testEmbeddings = try training.embeddings(data.test)
        let projected = SVGPlot.principalComponents(testEmbeddings)
        let points = zip(projected, data.test.labels).map { (x: $0.0.0, y: $0.0.1, label: $0.1) }
        let embeddingsSVG = out.appendingPathComponent("embeddings.svg")
        let lossSVG = out.appendingPathComponent("loss.svg")
        try AtomicFile.write(
            Data(SVGPlot.scatter(points, title: "Test embeddings (PCA of 32-d), by digit").utf8), to: embeddingsSVG)
        try AtomicFile.write(Data(SVGPlot.lineChart(training.losses, title: "Contrastive loss").utf8), to: lossSVG)
        print("wrote " + ([checkpoint, embeddingsSVG, lossSVG] + graphFiles).map(\.path).joined(separator: ", "))
    }
}

/// A progress bar on a terminal, plain lines otherwise.
struct ProgressBar {
    let total: Int
    let isTerminal = isatty(STDOUT_FILENO) != 0
    private var lastLine = 0

    init(total: Int) { self.total = total }

    mutating func update(step: Int, loss: Float, elapsed: Double) {
        let rate = Double(step) / Swift.max(elapsed, 1e-9)
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
