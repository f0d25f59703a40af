import ArgumentParser
import Foundation
import Towers

/// `--data`, `--label-column` and `--header`, shared by `train` and `eval`.
struct DataOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A CSV file (plain or gzip) of numeric features and an integer label per row, instead of the embedded digits.",
            discussion:
                "Features are used as they are (scale them to about -1...1). Rows whose index is divisible by 5 "
                + "are the test set, the rest the training set.", valueName: "file.csv"))
    var data: String?
    @Option(
        help: ArgumentHelp(
            "The label column of --data: its number (1 is the first), 'last', or its name in the header.",
            valueName: "column"))
    var labelColumn = "last"
    @Flag(help: "The first line of --data names the columns.") var header = false

    func validate() throws {
        guard let data else {
            if labelColumn != "last" || header {
                throw ValidationError("--label-column and --header describe a --data file; give --data FILE.csv")
            }
            return
        }
        guard !data.isEmpty else { throw ValidationError("--data must not be empty") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory) else {
            throw ValidationError("--data \(data): no such file")
        }
        guard !isDirectory.boolValue else { throw ValidationError("--data \(data) is a directory, not a CSV file") }
        guard FileManager.default.isReadableFile(atPath: data) else {
            throw ValidationError("--data \(data) cannot be read (permission denied)")
        }
        if case .number(let n) = CSVColumn(labelColumn), n < 1 {
            throw ValidationError("--label-column \(n) is out of range: columns are numbered from 1")
        }
        if case .named = CSVColumn(labelColumn), !header {
            throw ValidationError(
                "--label-column \(labelColumn) names a column, but without --header the file has no names; "
                    + "give its number or add --header")
        }
    }

    /// What the model trains on: a name for messages and the split.
    struct Loaded {
        var name: String
        var split: DigitsSplit
        /// The whole data set's ``Dataset/fingerprint``.
        var fingerprint: UInt64
    }

    /// Reads the data: errors name the file, line and column (``CSVError``).
    func load() throws -> Loaded {
        guard let data else {
            let split = try Digits.load()
            return Loaded(name: "the embedded digits", split: split, fingerprint: split.all.fingerprint)
        }
        let table = try NumericCSV(contentsOf: URL(fileURLWithPath: data), source: data, hasHeader: header)
        let all: Dataset
        do {
            all = try Dataset(csv: table, labelColumn: CSVColumn(labelColumn))
        } catch .noSuchColumn(let file, _, let reason) {
            throw UsageError("--label-column \(labelColumn): \(file) has no such column: \(reason)")
        }
        return Loaded(name: data, split: Digits.split(all), fingerprint: all.fingerprint)
    }
}

/// An error for a command-line user: printed as `Error: <message>`, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// A usage error found while running (options that contradict a file): printed as
/// `Error: <message>` with a pointer to the help, exit status 64 like the checks
/// of `validate()`.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }

    /// Prints the error and returns the exit status to throw.
    static func exit(_ error: UsageError, command: String) -> ExitCode {
        FileHandle.standardError.write(Data("Error: \(error)\nSee 'towers \(command) --help' for the options.\n".utf8))
        return ExitCode(64)
    }
}

/// Messages of library errors in command-line terms.
enum CLIWording {
    /// A training error with advice about this command's options.
    static func training(_ error: TrainingError, learningRate: Double, clipNorm: Double?) -> CLIError {
        let clip =
            clipNorm.map { "lower --clip-norm (now \($0))" } ?? "set --clip-norm (for example --clip-norm 1)"
        return CLIError(error.description(advice: "Lower --learning-rate (now \(learningRate)) or \(clip)."))
    }

    /// A checkpoint that does not fit the model this command builds.
    static func checkpoint(_ error: CheckpointError, path: String, model: String, fix: String) -> any Error {
        switch error {
        case .mismatch(let report), .incomplete(let report):
            return CLIError(
                "\(path) does not fit the model this command builds (\(model)); nothing was used.\n\(report)\n\(fix)")
        default:
            return error
        }
    }
}
