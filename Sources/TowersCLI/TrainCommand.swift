import ArgumentParser
import Foundation
import Towers

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a siamese tower 64-128-64-32 with contrastive loss on the digits (the main job).")

    @Option(help: "Training steps.") var steps = 3000
    @Option(help: "Pairs per step.") var batchSize = 64
    @Option(help: "SGD learning rate.") var learningRate = 0.05
    @Option(help: "SGD momentum.") var momentum = 0.9
    @Option(help: "Contrastive margin.") var margin = 1.0
    @Option(help: "Random seed (initial weights and pairs).") var seed: UInt64 = 0
    @Option(help: "OpenBLAS threads. The tower's matrices are small, so one thread is fastest.") var threads = 1
    @Option(help: "Where the checkpoint and the SVG plots go.") var outputDir = "runs"
    @Option(help: "Save a checkpoint every N steps (the last good one survives a NaN).") var checkpointEvery = 500

    func run() throws {
        BLAS.threadCount = threads
        print(BLAS.summary)
        var recipe = SiameseRecipe()
        recipe.steps = steps
        recipe.batchSize = batchSize
        recipe.learningRate = learningRate
        recipe.momentum = momentum
        recipe.margin = margin
        recipe.seed = seed
        let data = try Digits.load()
        print("digits: \(data.train.count) train rows, \(data.test.count) test rows (index % 5 == 0)")
        let training = try SiameseTraining(recipe: recipe, data: data)

        let out = URL(fileURLWithPath: outputDir, isDirectory: true)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let checkpoint = out.appendingPathComponent("siamese.safetensors")
        var lastGood: URL? = nil
        var progress = ProgressBar(total: steps)
        let start = Date()
        for step in 1...Swift.max(steps, 1) where steps > 0 {
            let loss = try training.step(lastGoodCheckpoint: lastGood)
            progress.update(step: step, loss: loss, elapsed: Date().timeIntervalSince(start))
            if step % checkpointEvery == 0 {
                try Checkpoint.save(training.store, to: checkpoint)
                lastGood = checkpoint
            }
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        try Checkpoint.save(training.store, to: checkpoint)

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
        print("wrote \(checkpoint.path), \(embeddingsSVG.path), \(lossSVG.path)")
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
