import Foundation
import Testing
import TowersCore

@testable import Train

@Suite("Dataset and Digits")
struct DatasetTests {
    private func toy(rows: Int = 23, features: Int = 3) throws -> Dataset {
        try Dataset(
            features: (0..<(rows * features)).map { Float($0) }, labels: (0..<rows).map { $0 % 4 },
            featureCount: features)
    }

    @Test("shape, rows, tensors and subsets")
    func basics() throws {
        let data = try toy()
        #expect(data.count == 23)
        #expect(data.classes == [0, 1, 2, 3])
        #expect(Array(data.row(2)) == [6, 7, 8])
        let all = data.featureTensor()
        #expect(all.shape == [23, 3])
        #expect(all.scalars == data.features)
        let picked = data.features(rows: [5, 0, 5])
        #expect(picked.shape == [3, 3])
        #expect(picked.scalars == [15, 16, 17, 0, 1, 2, 15, 16, 17])
        let asDouble = data.features(rows: [1], as: Double.self)
        #expect(asDouble.scalars == [3, 4, 5])
        let sub = data.subset([22, 1])
        #expect(sub.labels == [2, 1])
        #expect(sub.features == [66, 67, 68, 3, 4, 5])
        #expect(data.labelCounts() == [0: 6, 1: 6, 2: 6, 3: 5])
        #expect(data.indicesByClass()[3] == [3, 7, 11, 15, 19])
    }

    @Test("seeded shuffling is a reproducible permutation that changes with seed and epoch")
    func shuffling() throws {
        let data = try toy(rows: 200)
        let a = data.shuffledIndices(seed: 9, epoch: 0)
        #expect(a == data.shuffledIndices(seed: 9, epoch: 0))
        #expect(a.sorted() == Array(0..<200))
        #expect(a != Array(0..<200))
        #expect(a != data.shuffledIndices(seed: 9, epoch: 1))
        #expect(a != data.shuffledIndices(seed: 10, epoch: 0))
        #expect(data.shuffled(seed: 9).labels == a.map { data.labels[$0] })
    }

    @Test("mini-batches cover every row once per epoch")
    func batches() throws {
        let data = try toy(rows: 23)
        let epoch = try data.batches(size: 5, seed: 4, epoch: 2)
        #expect(epoch.count == 5)
        var seen: [Int] = []
        for batch in epoch {
            #expect(batch.features.shape == [batch.indices.count, 3])
            #expect(batch.labels == batch.indices.map { data.labels[$0] })
            #expect(batch.features.scalars == batch.indices.flatMap { Array(data.row($0)) })
            seen += batch.indices
        }
        #expect(seen == data.shuffledIndices(seed: 4, epoch: 2))
        #expect(epoch.indexBatches.map(\.count) == [5, 5, 5, 5, 3])
        #expect(try data.batches(size: 5, seed: 4, dropLast: true).map(\.indices.count) == [5, 5, 5, 5])
        #expect(try data.batches(size: 10, seed: nil).flatMap(\.indices) == Array(0..<23))
        #expect(try Array(data.batches(size: 5, seed: 4, epoch: 2)).map(\.indices) == epoch.indexBatches)
    }

    @Test("digits: 1797 images, split 1437 train / 360 test, features in [0, 1]")
    func digits() throws {
        let digits = try Digits.load()
        #expect(digits.all.count == 1797)
        #expect(digits.train.count == 1437)
        #expect(digits.test.count == 360)
        #expect(digits.all.featureCount == 64)
        #expect(digits.testIndices == Array(stride(from: 0, to: 1797, by: 5)))
        #expect(digits.trainIndices.allSatisfy { $0 % 5 != 0 })
        #expect(digits.test.labels == digits.testIndices.map { digits.all.labels[$0] })
        #expect(Array(digits.test.row(3)) == Array(digits.all.row(15)))
        #expect(Array(digits.train.row(0)) == Array(digits.all.row(1)))

        let counts = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
        let testCounts = [42, 28, 26, 48, 38, 39, 30, 26, 36, 47]
        let all = digits.all.labelCounts(), test = digits.test.labelCounts(), train = digits.train.labelCounts()
        for label in 0..<10 {
            #expect(all[label] == counts[label])
            #expect(test[label] == testCounts[label])
            #expect(train[label] == counts[label] - testCounts[label])
        }
        #expect(digits.all.features.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(digits.all.features.contains(1))
        let first = Array(digits.all.row(0).prefix(8))
        #expect(first == [0, 0, 5, 13, 9, 1, 0, 0].map { Float($0) / 16 })
        #expect(digits.all.labels[0] == 0)
        #expect(digits.all.labels[1796] == 8)
        #expect(digits.train.featureTensor().shape == [1437, 64])
    }

    @Test("digits loader rejects wrong widths and out-of-range values with line and column")
    func digitsValidation() throws {
        let row = (0..<64).map { _ in "3" }.joined(separator: ",")
        let good = try NumericCSV(string: row + ",7\n" + row + ",2\n", source: "d.csv")
        #expect(try Digits.dataset(from: good).labels == [7, 2])
        #expect(
            throws: CSVError.invalidValue(
                file: "d.csv", line: 2, column: 65, reason: "label 12.0 is not an integer in 0...9")
        ) {
            try Digits.dataset(from: NumericCSV(string: row + ",7\n" + row + ",12\n", source: "d.csv"))
        }
        #expect(throws: CSVError.invalidValue(file: "d.csv", line: 1, column: 5, reason: "pixel 17.0 is not in 0...16"))
        {
            try Digits.dataset(from: NumericCSV(string: "3,3,3,3,17" + row.dropFirst(9) + ",1\n", source: "d.csv"))
        }
        #expect {
            try Digits.dataset(from: NumericCSV(string: "1,2,3\n", source: "d.csv"))
        } throws: { error in
            "\(error)" == "d.csv line 1, column 1: expected 65 fields (64 pixels and a label), found 3"
        }
    }

    @Test("features that do not make one row per label, and an empty batch size, are DatasetErrors")
    func badDatasetInput() throws {
        #expect(throws: DatasetError.featuresDoNotMakeRows(features: 5, labels: 2, featureCount: 3)) {
            _ = try Dataset(features: [1, 2, 3, 4, 5], labels: [0, 1], featureCount: 3)
        }
        #expect(throws: DatasetError.featuresDoNotMakeRows(features: 0, labels: 0, featureCount: 0)) {
            _ = try Dataset(features: [], labels: [], featureCount: 0)
        }
        // labels.count × featureCount overflows: an error, not a trap.
        #expect(throws: DatasetError.featuresDoNotMakeRows(features: 0, labels: 2, featureCount: Int.max)) {
            _ = try Dataset(features: [], labels: [0, 1], featureCount: .max)
        }
        let data = try Dataset(features: [1, 2, 3, 4], labels: [0, 1], featureCount: 2)
        #expect(throws: DatasetError.invalidArgument(name: "size", value: "0", allowed: "1 or more")) {
            _ = try data.batches(size: 0, seed: nil)
        }
    }
}
