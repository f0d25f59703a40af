import ArgumentParser
import Foundation
import Towers

/// What defines a training run, written into its checkpoint's metadata
/// (`train.*` keys) so that `--resume` can check it continues the same run.
struct RunRecord: Equatable {
    /// Metadata keys in the order messages list them, with the option each comes from.
    static let fields: [(key: String, option: String)] = [
        ("train.data_fingerprint", "--data"), ("train.layers", "--data"), ("train.seed", "--seed"),
        ("train.batch_size", "--batch-size"), ("train.learning_rate", "--learning-rate"),
        ("train.momentum", "--momentum"), ("train.margin", "--margin"), ("train.clip_norm", "--clip-norm"),
    ]

    var values: [String: String]

    init(_ recipe: SiameseRecipe, data: DataOptions.Loaded) {
        values = [
            "train.data": data.name,
            "train.data_fingerprint": String(data.fingerprint, radix: 16),
            "train.layers": recipe.layerSizes.map(String.init).joined(separator: "-"),
            "train.seed": "\(recipe.seed)",
            "train.batch_size": "\(recipe.batchSize)",
            "train.learning_rate": "\(recipe.learningRate)",
            "train.momentum": "\(recipe.momentum)",
            "train.margin": "\(recipe.margin)",
            "train.clip_norm": recipe.clipNorm.map { "\($0)" } ?? "none",
        ]
    }

    /// Refuses to resume a run trained with other options or data, naming each.
    static func checkResume(file: SafetensorsFile, path: String, this: RunRecord) throws {
        guard file.metadata["train.seed"] != nil else {
            throw UsageError(
                "--resume: \(path) does not record the options it was trained with (it was not written by "
                    + "`towers train` \(TowersVersion.string)); start a new run in another --output-dir")
        }
        var differences: [String] = []
        for (key, option) in fields where file.metadata[key] != this.values[key] {
            let saved = file.metadata[key] ?? "none"
            if key == "train.data_fingerprint" || key == "train.layers" {
                let name = file.metadata["train.data"] ?? "other data"
                if !differences.contains(where: { $0.hasPrefix("--data") }) {
                    differences.append(
                        "--data: the run trained on \(name), this command gives \(this.values["train.data"]!) (other rows, labels or width)"
                    )
                }
            } else {
                differences.append("\(option): the run used \(saved), this command gives \(this.values[key]!)")
            }
        }
        guard differences.isEmpty else {
            throw UsageError(
                "--resume: \(path) was trained with other options; pass the run's options to continue it:\n  "
                    + differences.joined(separator: "\n  "))
        }
    }
}

/// The loss of every step, one line each (`step,loss`, 9 significant digits: a
/// `Float` reads back exactly), next to the checkpoint.
enum LossLog {
    static func write(_ losses: [Float], to url: URL) throws {
        var text = "step,loss\n"
        for (i, loss) in losses.enumerated() { text += "\(i + 1),\(String(format: "%.9g", Double(loss)))\n" }
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// The first `steps` losses in `url`, or `nil` when the file is missing or
    /// does not hold steps 1...`steps` in order.
    static func read(_ url: URL, steps: Int) -> [Float]? {
        guard FileManager.default.fileExists(atPath: url.path),
            let table = try? NumericCSV(contentsOf: url, hasHeader: true), table.columnCount == 2,
            table.rowCount >= steps
        else { return nil }
        var losses: [Float] = []
        for row in 0..<steps {
            guard table[row, 0] == Double(row + 1) else { return nil }
            losses.append(Float(table[row, 1]))
        }
        return losses
    }
}
