/// A data set that cannot be used the way it was asked to be.
///
/// ```swift
/// do {
///     _ = try SiameseTraining(recipe: recipe, data: Digits.split(tiny))
/// } catch let error as DatasetError {
///     print(error)   // "the training rows ... cannot make pairs: ..."
/// }
/// ```
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Pair sampling needs two labels (for different pairs) and a label on two rows
    /// (for same pairs); `part` names the rows (the training or the test rows).
    case cannotMakePairs(part: String, rows: Int, labels: Int, largestClass: Int)
    /// The model's input width is not the data's feature count.
    case featureCountMismatch(model: Int, data: Int)

    public var description: String {
        switch self {
        case .cannotMakePairs(let part, let rows, let labels, let largestClass):
            return "the \(part) cannot make pairs: \(rows) row(s) with \(labels) label(s), the most common on "
                + "\(largestClass) row(s); pairs need at least two labels and a label on at least two rows"
        case .featureCountMismatch(let model, let data):
            return "the model's input takes \(model) features, but the data have \(data) per row"
        }
    }

    /// Throws unless `dataset` can make same and different pairs.
    static func checkPairs(_ dataset: Dataset, part: String) throws(DatasetError) {
        let counts = dataset.labelCounts()
        let largest = counts.values.max() ?? 0
        guard counts.count >= 2, largest >= 2 else {
            throw .cannotMakePairs(part: part, rows: dataset.count, labels: counts.count, largestClass: largest)
        }
    }
}
