import Foundation
import TowersCore
import Variables

/// The names, shapes and dtypes of a store's variables, in name order: what
/// every rank must agree on before training (the contract between ranks).
struct ModelSignature: Equatable, Codable {
    struct Entry: Equatable, Codable {
        var name: String
        var shape: [Int]
        var dtype: String

        var summary: String { "\(shape) \(dtype)" }
    }

    var entries: [Entry]

    init(entries: [Entry]) { self.entries = entries.sorted { $0.name < $1.name } }

    init(store: VariableStore) {
        self.init(entries: store.allVariables.map { Entry(name: $0.name, shape: $0.shape, dtype: "\($0.dtype)") })
    }

    func encoded() -> [UInt8] {
        Array((try? JSONEncoder().encode(self)) ?? Data())
    }

    init(decoding bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(ModelSignature.self, from: Data(bytes))
    }

    /// The first difference between `self` (rank `rank`'s model) and `reference`
    /// (rank 0's), in name order, in one sentence; `nil` when they agree.
    func firstDifference(from reference: ModelSignature, rank: Int) -> String? {
        var i = 0, j = 0
        let mine = entries, theirs = reference.entries
        while i < mine.count || j < theirs.count {
            if i < mine.count, j < theirs.count, mine[i].name == theirs[j].name {
                let a = mine[i], b = theirs[j]
                if a.shape != b.shape || a.dtype != b.dtype {
                    return "'\(a.name)' is \(a.summary) on rank \(rank) but \(b.summary) on rank 0"
                }
                i += 1
                j += 1
            } else if j == theirs.count || (i < mine.count && mine[i].name < theirs[j].name) {
                return "rank \(rank) has a variable '\(mine[i].name)' (\(mine[i].summary)) that rank 0 does not have"
            } else {
                return "rank \(rank) has no variable '\(theirs[j].name)' (\(theirs[j].summary) on rank 0)"
            }
        }
        return nil
    }

    /// The first rank whose signature differs from rank 0's, with the difference.
    static func firstMismatch(_ signatures: [ModelSignature]) -> (rank: Int, difference: String)? {
        guard let reference = signatures.first else { return nil }
        for (rank, signature) in signatures.enumerated().dropFirst() {
            if let difference = signature.firstDifference(from: reference, rank: rank) { return (rank, difference) }
        }
        return nil
    }
}
