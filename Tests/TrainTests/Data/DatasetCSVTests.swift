import Foundation
import Testing
import Train

/// `Dataset(csv:labelColumn:)`: the user's own CSV as a labelled data set, and
/// the checks `SiameseTraining` makes of it.
@Suite("Data sets from CSV")
struct DatasetCSVTests {
    static let text = "x,y,label\n0.5,1,0\n1.5,2,1\n2.5,3,1\n"

    @Test("the label column by number, name or position; the other columns are the features, in order")
    func labelColumns() throws {
        let table = try NumericCSV(string: Self.text, source: "t.csv", hasHeader: true)
        let last = try Dataset(csv: table)
        #expect(last.featureCount == 2 && last.labels == [0, 1, 1])
        #expect(last.features == [0.5, 1, 1.5, 2, 2.5, 3])
        #expect(try Dataset(csv: table, labelColumn: .named("label")) == last)
        #expect(try Dataset(csv: table, labelColumn: .number(3)) == last)
        let first = try Dataset(csv: table, labelColumn: .number(2))  // y as the label
        #expect(first.labels == [1, 2, 3] && first.features == [0.5, 0, 1.5, 1, 2.5, 1])
        #expect(CSVColumn("last") == .last && CSVColumn("2") == .number(2) && CSVColumn("y") == .named("y"))
    }

    @Test(
        "bad labels, features and columns name the file, line and column",
        arguments: [
            ("1,0\n2,0.5\n", CSVColumn.last, "t.csv line 2, column 2: label 0.5 is not an integer"),
            ("1,0\ninf,1\n", .last, "t.csv line 2, column 1: inf is not a finite Float feature"),
            ("1e39,0\n", .last, "t.csv line 1, column 1: 1e+39 is not a finite Float feature"),
            ("1,0\n", .number(3), "t.csv: no column \"3\": the file has 2 columns"),
            ("1,0\n", .named("c"), "t.csv: no column \"c\": the file was read without a header"),
            ("0\n1\n", .last, "t.csv: no column \"features\": the file has 1 column, the label"),
        ])
    func badInput(text: String, column: CSVColumn, message: String) throws {
        let table = try NumericCSV(string: text, source: "t.csv")
        let error = #expect(throws: CSVError.self) { try Dataset(csv: table, labelColumn: column) }
        #expect(error.map { "\($0)".hasPrefix(message) } == true, "\(String(describing: error))")
    }

    @Test("a named column that the header lacks lists the header")
    func unknownName() throws {
        let table = try NumericCSV(string: Self.text, source: "t.csv", hasHeader: true)
        #expect(
            throws: CSVError.noSuchColumn(file: "t.csv", column: "z", reason: "the header has \"x\", \"y\", \"label\"")
        ) {
            try Dataset(csv: table, labelColumn: .named("z"))
        }
    }

    @Test("the fingerprint changes with any feature, label or the width")
    func fingerprint() throws {
        let a = try Dataset(features: [1, 2, 3, 4], labels: [0, 1], featureCount: 2)
        #expect(try a.fingerprint == Dataset(features: [1, 2, 3, 4], labels: [0, 1], featureCount: 2).fingerprint)
        #expect(try a.fingerprint != Dataset(features: [1, 2, 3, 5], labels: [0, 1], featureCount: 2).fingerprint)
        #expect(try a.fingerprint != Dataset(features: [1, 2, 3, 4], labels: [1, 1], featureCount: 2).fingerprint)
        #expect(
            try a.fingerprint != Dataset(features: [1, 2, 3, 4], labels: [0, 1, 0, 1], featureCount: 1).fingerprint)
    }

    @Test("SiameseTraining refuses data that cannot make pairs, or of another width, with a typed error")
    func trainingChecksData() throws {
        let width = try Dataset(
            features: [Float](repeating: 0, count: 45), labels: (0..<15).map { $0 % 2 }, featureCount: 3)
        #expect(throws: DatasetError.featureCountMismatch(model: 64, data: 3)) {
            _ = try SiameseTraining(recipe: SiameseRecipe(), data: Digits.split(width))
        }
        var recipe = SiameseRecipe()
        recipe.layerSizes[0] = 3
        let oneLabel = try Dataset(
            features: [Float](repeating: 0, count: 30), labels: [Int](repeating: 4, count: 10), featureCount: 3)
        let error = #expect(throws: DatasetError.self) {
            _ = try SiameseTraining(recipe: recipe, data: Digits.split(oneLabel))
        }
        #expect(
            error
                == .cannotMakePairs(
                    part: "training rows (those whose index is not divisible by 5)", rows: 8, labels: 1, largestClass: 8
                ))
        _ = try SiameseTraining(recipe: recipe, data: Digits.split(width))
    }
}
