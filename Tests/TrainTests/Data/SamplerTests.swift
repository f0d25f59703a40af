import Foundation
import Models
import Testing
import TowersCore

@testable import Train

@Suite("Pair and triplet samplers")
struct SamplerTests {
    @Test("pair sampler: half same-class by default, labels agree with the data set")
    func pairs() throws {
        let train = try Digits.load().train
        var sampler = try PairSampler(dataset: train, seed: 42)
        var same = 0, total = 0
        for _ in 0..<20 {
            let batch = try sampler.sample(64)
            #expect(batch.count == 64)
            #expect(batch.labels.filter { $0 == .same }.count == 32)
            for k in 0..<batch.count {
                let (i, j) = (batch.left[k], batch.right[k])
                #expect(batch.labels[k] == PairLabel(train.labels[i], train.labels[j]))
                if batch.labels[k] == .same {
                    #expect(i != j)
                    same += 1
                }
                total += 1
            }
        }
        #expect(same * 2 == total)
        let batch = try sampler.sample(10)
        let (left, right) = train.pairTensors(batch)
        #expect(left.shape == [10, 64] && right.shape == [10, 64])
        #expect(left.scalars == batch.left.flatMap { Array(train.row($0)) })
        #expect(right.scalars == batch.right.flatMap { Array(train.row($0)) })
        let targets = batch.targets()
        #expect(targets.scalars == batch.labels.map { $0 == .same ? 1 : 0 })
        #expect(batch.targets(as: Double.self, same: 0, different: 1).scalars == targets.scalars.map { 1 - Double($0) })
    }

    @Test("pair sampler: reproducible from its seed, fraction configurable")
    func pairSeedsAndFractions() throws {
        let labels = (0..<300).map { $0 % 7 }
        var a = try PairSampler(labels: labels, seed: 5), b = try PairSampler(labels: labels, seed: 5)
        var c = try PairSampler(labels: labels, seed: 6)
        let first = try a.sample(50)
        #expect(try first == b.sample(50))
        #expect(try first != c.sample(50))
        #expect(try a.sample(50) != first)

        for fraction in [0.0, 0.25, 0.9, 1.0] {
            var sampler = try PairSampler(labels: labels, sameFraction: fraction, seed: 1)
            let batch = try sampler.sample(40)
            #expect(batch.labels.filter { $0 == .same }.count == Int((40 * fraction).rounded()))
            for k in 0..<40 {
                #expect(batch.labels[k] == PairLabel(labels[batch.left[k]], labels[batch.right[k]]))
            }
        }
        // Singleton classes never anchor a same pair.
        var sparse = try PairSampler(labels: [0, 1, 1, 2], sameFraction: 1, seed: 3)
        let pairs = try sparse.sample(20)
        #expect(Set(pairs.left).isSubset(of: [1, 2]) && Set(pairs.right).isSubset(of: [1, 2]))
        #expect(zip(pairs.left, pairs.right).allSatisfy { $0 != $1 })
    }

    @Test("pair sampler: different pairs reach every other class")
    func differentCoverage() throws {
        let labels = (0..<100).map { $0 % 5 }
        var sampler = try PairSampler(labels: labels, sameFraction: 0, seed: 8)
        let batch = try sampler.sample(2000)
        var partners: [Int: Set<Int>] = [:]
        for (i, j) in zip(batch.left, batch.right) { partners[labels[i], default: []].insert(labels[j]) }
        for label in 0..<5 { #expect(partners[label] == Set(0..<5).subtracting([label])) }
        #expect(Set(batch.right).count > 90)
    }

    @Test("triplet sampler: positive shares the anchor's class, negative does not")
    func triplets() throws {
        let train = try Digits.load().train
        var sampler = try TripletSampler(dataset: train, seed: 11)
        var anchorClasses = Set<Int>()
        for _ in 0..<10 {
            let batch = try sampler.sample(50)
            #expect(batch.count == 50)
            for k in 0..<50 {
                let (a, p, n) = (batch.anchors[k], batch.positives[k], batch.negatives[k])
                #expect(a != p)
                #expect(train.labels[a] == train.labels[p])
                #expect(train.labels[a] != train.labels[n])
                anchorClasses.insert(train.labels[a])
            }
        }
        #expect(anchorClasses == Set(0..<10))
        var again = try TripletSampler(dataset: train, seed: 11)
        var replay = try TripletSampler(dataset: train, seed: 11)
        #expect(try again.sample(30) == replay.sample(30))
        let batch = try again.sample(4)
        let (anchor, positive, negative) = train.tripletTensors(batch)
        #expect(anchor.shape == [4, 64])
        #expect(positive.scalars == batch.positives.flatMap { Array(train.row($0)) })
        #expect(negative.scalars == batch.negatives.flatMap { Array(train.row($0)) })
    }

    @Test("options and labels a sampler cannot use are DatasetErrors naming them, never a trap")
    func badSamplerInput() throws {
        #expect(
            throws: DatasetError.invalidArgument(name: "sameFraction", value: "1.5", allowed: "a fraction in 0...1")
        ) {
            _ = try PairSampler(labels: [0, 0, 1, 1], sameFraction: 1.5, seed: 1)
        }
        #expect(
            throws: DatasetError.invalidArgument(name: "sameFraction", value: "nan", allowed: "a fraction in 0...1")
        ) {
            _ = try PairSampler(labels: [0, 0, 1, 1], sameFraction: .nan, seed: 1)
        }
        // One label: no different pairs; every label on one row: no same pairs.
        #expect(throws: DatasetError.cannotMakePairs(part: "rows", rows: 3, labels: 1, largestClass: 3)) {
            _ = try PairSampler(labels: [7, 7, 7], seed: 1)
        }
        #expect(throws: DatasetError.cannotMakePairs(part: "rows", rows: 2, labels: 2, largestClass: 1)) {
            _ = try PairSampler(labels: [0, 1], seed: 1)
        }
        // Asking only for the kind of pair the labels can give is fine.
        var onlyDifferent = try PairSampler(labels: [0, 1], sameFraction: 0, seed: 1)
        #expect(try onlyDifferent.sample(3).labels == [.different, .different, .different])
        #expect(throws: DatasetError.invalidArgument(name: "batchSize", value: "-1", allowed: "0 or more")) {
            _ = try onlyDifferent.sample(-1)
        }
        #expect(throws: DatasetError.cannotMakeTriplets(rows: 2, labels: 2, largestClass: 1)) {
            _ = try TripletSampler(labels: [0, 1], seed: 1)
        }
        #expect(throws: DatasetError.cannotMakeTriplets(rows: 2, labels: 1, largestClass: 2)) {
            _ = try TripletSampler(labels: [4, 4], seed: 1)
        }
        var triplets = try TripletSampler(labels: [0, 0, 1], seed: 1)
        #expect(throws: DatasetError.invalidArgument(name: "batchSize", value: "-3", allowed: "0 or more")) {
            _ = try triplets.sample(-3)
        }
        let message = DatasetError.cannotMakeTriplets(rows: 2, labels: 2, largestClass: 1).description
        #expect(message.hasPrefix("the rows cannot make triplets: 2 row(s) with 2 label(s)"))
    }

    @Test("reseeded(seed:) draws what a new sampler with that seed draws")
    func reseeded() throws {
        let labels = (0..<60).map { $0 % 6 }
        var used = try PairSampler(labels: labels, sameFraction: 0.3, seed: 1)
        _ = try used.sample(17)
        var again = used.reseeded(seed: 99)
        var fresh = try PairSampler(labels: labels, sameFraction: 0.3, seed: 99)
        for _ in 0..<3 { #expect(try again.sample(25) == fresh.sample(25)) }
        var other = used.reseeded(seed: 100)
        var ninetyNine = try PairSampler(labels: labels, sameFraction: 0.3, seed: 99)
        #expect(try other.sample(25) != ninetyNine.sample(25))
    }
}
