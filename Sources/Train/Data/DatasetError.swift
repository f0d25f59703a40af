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
    /// Triplet sampling needs two labels (for negatives) and a label on two rows
    /// (for anchor and positive).
    case cannotMakeTriplets(rows: Int, labels: Int, largestClass: Int)
    /// The model's input width is not the data's feature count.
    case featureCountMismatch(model: Int, data: Int)
    /// The features given do not make whole rows, one per label.
    case featuresDoNotMakeRows(features: Int, labels: Int, featureCount: Int)
    /// An argument outside its range: its name, the value given and what is allowed.
    case invalidArgument(name: String, value: String, allowed: String)

    public var description: String {
        switch self {
        case .cannotMakePairs(let part, let rows, let labels, let largestClass):
            return "the \(part) cannot make pairs: \(rows) row(s) with \(labels) label(s), the most common on "
                + "\(largestClass) row(s); pairs need at least two labels and a label on at least two rows"
        case .cannotMakeTriplets(let rows, let labels, let largestClass):
            return "the rows cannot make triplets: \(rows) row(s) with \(labels) label(s), the most common on "
                + "\(largestClass) row(s); triplets need at least two labels and a label on at least two rows"
        case .featureCountMismatch(let model, let data):
            return "the model's input takes \(model) features, but the data have \(data) per row"
        case .featuresDoNotMakeRows(let features, let labels, let featureCount):
            return "\(features) feature(s) do not make \(labels) row(s) of \(featureCount) (featureCount must be "
                + "positive and features.count must be labels.count × featureCount)"
        case .invalidArgument(let name, let value, let allowed):
            return "\(name) = \(value) is not allowed: \(allowed)"
        }
    }

    /// The label counts of `labels`: (number of labels, rows of the most common).
    static func labelSummary(_ labels: [Int]) -> (labels: Int, largest: Int) {
        var counts: [Int: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        return (counts.count, counts.values.max() ?? 0)
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
