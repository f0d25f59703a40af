public import Foundation

/// The handwritten digits data set embedded in Towers (UCI "Optical Recognition
/// of Handwritten Digits" test set, as shipped with scikit-learn; CC BY 4.0, see
/// `Sources/Train/Resources/README.md`): 1797 images of 8×8 pixels, each pixel a
/// count 0…16, scaled here to 0…1, with a label 0…9.
///
/// The split is fixed: rows whose index is divisible by 5 form the test set
/// (360 rows), the rest the training set (1437 rows).
///
/// ```swift
/// let digits = try Digits.load()
/// print(digits.train.count, digits.test.count)   // 1437 360
/// let x = digits.train.featureTensor()           // Tensor<Float> [1437, 64]
/// ```
public enum Digits {
    /// Pixels per image (8 × 8).
    public static let featureCount = 64
    /// The number of classes (digits 0…9).
    public static let classCount = 10
    /// The number of images.
    public static let rowCount = 1797
    /// The largest raw pixel value; features are divided by it.
    public static let maxPixel = 16
    /// The name used in error messages about the embedded file.
    public static let resourceName = "digits.csv.gz"

    /// The embedded `digits.csv.gz`, if the resource bundle is present.
    public static var resourceURL: URL? {
        Bundle.module.url(forResource: "digits.csv", withExtension: "gz")
    }

    /// All 1797 images in file order, features scaled to 0…1 (decoded once, then cached).
    ///
    /// - Throws: ``CSVError`` if the resource is missing or malformed.
    public static func loadAll() throws -> Dataset {
        try cached.get()
    }

    /// The embedded data set and its fixed train/test split.
    ///
    /// ```swift
    /// let (train, test) = try { let d = try Digits.load(); return (d.train, d.test) }()
    /// ```
    /// - Throws: ``CSVError`` if the resource is missing or malformed.
    public static func load() throws -> DigitsSplit {
        split(try loadAll())
    }

    /// Splits `all` the Towers way: indices divisible by 5 are test, the rest train.
    public static func split(_ all: Dataset) -> DigitsSplit {
        let testIndices = stride(from: 0, to: all.count, by: 5).map { $0 }
        let trainIndices = (0..<all.count).filter { $0 % 5 != 0 }
        return DigitsSplit(
            all: all, train: all.subset(trainIndices), test: all.subset(testIndices),
            trainIndices: trainIndices, testIndices: testIndices)
    }

    /// Reads a digits CSV (64 pixel counts 0…16 then a label 0…9 per row; plain
    /// or gzip) into a data set with features divided by 16.
    ///
    /// ```swift
    /// let data = try Digits.load(contentsOf: URL(fileURLWithPath: "digits.csv.gz"))
    /// ```
    /// - Throws: ``CSVError`` naming the file, line and column of a bad value.
    public static func load(contentsOf url: URL, source: String? = nil) throws -> Dataset {
        try dataset(from: NumericCSV(contentsOf: url, source: source))
    }

    /// Converts a parsed digits table, checking its width and value ranges.
    public static func dataset(from table: NumericCSV) throws -> Dataset {
        let width = featureCount + 1
        guard table.columnCount == width else {
            throw CSVError.invalidValue(
                file: table.source, line: table.lineNumbers[0], column: 1,
                reason: "expected \(width) fields (\(featureCount) pixels and a label), found \(table.columnCount)")
        }
        var features: [Float] = []
        features.reserveCapacity(table.rowCount * featureCount)
        var labels: [Int] = []
        labels.reserveCapacity(table.rowCount)
        let scale = 1 / Float(maxPixel)
        for row in 0..<table.rowCount {
            let values = table.row(row)
            for (column, value) in values.prefix(featureCount).enumerated() {
                guard value >= 0, value <= Double(maxPixel) else {
                    throw CSVError.invalidValue(
                        file: table.source, line: table.lineNumbers[row], column: column + 1,
                        reason: "pixel \(value) is not in 0...\(maxPixel)")
                }
                features.append(Float(value) * scale)
            }
            let label = values.last!
            guard label == label.rounded(), label >= 0, label < Double(classCount) else {
                throw CSVError.invalidValue(
                    file: table.source, line: table.lineNumbers[row], column: width,
                    reason: "label \(label) is not an integer in 0...\(classCount - 1)")
            }
            labels.append(Int(label))
        }
        return try Dataset(features: features, labels: labels, featureCount: featureCount)
    }

    private static let cached: Result<Dataset, any Error> = Result {
        guard let url = resourceURL else {
            throw CSVError.unreadable(file: resourceName, reason: "resource not found in the Train module's bundle")
        }
        return try load(contentsOf: url, source: resourceName)
    }
}

/// The digits data set with its fixed split (see ``Digits``).
public struct DigitsSplit: Sendable {
    /// All 1797 rows in file order.
    public let all: Dataset
    /// The 1437 rows whose index is not divisible by 5.
    public let train: Dataset
    /// The 360 rows whose index is divisible by 5.
    public let test: Dataset
    /// Indices into ``all`` of the training rows.
    public let trainIndices: [Int]
    /// Indices into ``all`` of the test rows.
    public let testIndices: [Int]
}
