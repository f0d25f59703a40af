import ArgumentParser
import Foundation
import Towers

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "List a checkpoint's variables (like TF's inspect_checkpoint).")

    @Argument(help: "A .safetensors checkpoint.") var checkpoint: String

    func run() throws {
        let file = try SafetensorsFile.read(from: URL(fileURLWithPath: checkpoint))
        var total = 0
        let rows = file.names.filter { $0 != SafetensorsFile.metadataKey }.compactMap { name -> [String]? in
            guard let t = file[name] else { return nil }
            total += t.count
            return [terminalSafe(name), "\(t.shape)", "\(t.dtype)", "\(t.count)"]
        }
        let header = ["variable", "shape", "dtype", "params"]
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max()! }
        for row in [header] + rows {
            print(
                row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                    separator: "  "))
        }
        print("\(rows.count) variables, \(total) parameters")
        for (k, v) in file.metadata.sorted(by: { $0.key < $1.key }) {
            print("metadata \(terminalSafe(k)): \(terminalSafe(v))")
        }
    }
}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a trained siamese checkpoint on the test rows of the digits (or of --data).")

    @Argument(help: "A checkpoint written by `towers train`.") var checkpoint = "runs/siamese.safetensors"
    @OptionGroup var dataOptions: DataOptions

    /// Loading refuses NaN or infinite weights (``CheckpointError``), so no "threshold nan".
    func run() throws {
        do { try evaluate() } catch let error as UsageError { throw UsageError.exit(error, command: "eval") }
    }

    private func evaluate() throws {
        let data = try dataOptions.load()
        var recipe = SiameseRecipe()
        recipe.layerSizes[0] = data.split.all.featureCount
        let training = try SiameseTraining(recipe: recipe, data: data.split)
        let url = URL(fileURLWithPath: checkpoint)
        // The model's weights only: a checkpoint of any optimizer's run fits.
        let report: LoadReport
        do {
            report = try Checkpoint.loadWeights(into: training.store, from: url)
            try Checkpoint.finishLoading(training.store)
        } catch let error as CheckpointError {
            let layers = recipe.layerSizes.map(String.init).joined(separator: "-")
            throw CLIWording.checkpoint(
                error, path: checkpoint, model: "tower \(layers) for \(data.name)",
                fix: "Evaluate a checkpoint of `towers train` with the --data, --label-column and --header it was "
                    + "trained with.")
        }
        print(report)
        let e = try training.evaluate()
        print(String(format: "test 1-NN accuracy: %.4f", e.oneNearestNeighborAccuracy))
        print(String(format: "pair verification accuracy: %.4f (threshold %.3f)", e.pairAccuracy, e.threshold))
    }
}

struct BLASCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas", abstract: "Show the OpenBLAS kernel, configuration, threads and Towers' repair.")

    func run() throws {
        print("kernel:        \(BLAS.kernelName)")
        print("configuration: \(BLAS.configuration)")
        print("threads:       \(BLAS.threadCount)")
        print("start-up:      \(BLAS.repairReport)")
    }
}
