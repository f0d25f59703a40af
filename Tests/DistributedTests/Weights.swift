import Foundation
import Testing
import Towers

/// Comparisons of checkpoints written by different runs.
enum Weights {
    /// The largest difference between the model weights (`…/kernel`, `…/bias`;
    /// not optimizer slots) of two checkpoints, relative to the largest weight:
    /// `max |a − b| / max |b|` over every weight, with the tensor where it occurs.
    ///
    /// One scale for the whole model, not one per tensor: the last layer's bias of
    /// a siamese tower is exactly 0 in theory (it cancels in `a − b`), and its
    /// rounding noise relative to itself would be 1.
    static func largestRelativeDifference(_ a: URL, _ b: URL) throws -> (name: String, value: Double) {
        let x = try SafetensorsFile.read(from: a), y = try SafetensorsFile.read(from: b)
        #expect(x.names == y.names, "the two checkpoints hold different tensors")
        var scale = 0.0, worst = (name: "", difference: 0.0)
        for name in x.names where name.hasSuffix("/kernel") || name.hasSuffix("/bias") {
            guard let p = x[name], let q = y[name], p.dtype == .float32 else { continue }
            let u = try p.scalars(as: Float.self), v = try q.scalars(as: Float.self)
            #expect(u.count == v.count, "\(name): \(u.count) vs \(v.count) elements")
            scale = max(scale, v.map { Double(abs($0)) }.max() ?? 0)
            let difference = zip(u, v).map { Double(abs($0 - $1)) }.max() ?? 0
            if difference >= worst.difference { worst = (name, difference) }
        }
        #expect(scale > 0, "no weights in \(b.path)")
        return (worst.name, worst.difference / scale)
    }

    /// The tensors whose bytes differ between two checkpoints.
    static func differingTensors(_ a: URL, _ b: URL) throws -> [String] {
        let x = try SafetensorsFile.read(from: a), y = try SafetensorsFile.read(from: b)
        let names = Set(x.names).union(y.names).subtracting([SafetensorsFile.metadataKey]).sorted()
        return names.filter { x[$0] != y[$0] }
    }
}
