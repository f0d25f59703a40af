import TowersCore

extension Initializer {
    /// A (semi-)orthogonal matrix times `gain` (TF's `Orthogonal`): the shape is
    /// flattened to `[∏ shape[..<last], shape[last]]`, a normal matrix is QR-factored
    /// and `Q` (signs fixed by `R`'s diagonal) is used. Needs rank ≥ 2.
    public static func orthogonal(gain: Double = 1, seed: UInt64? = nil) -> Initializer {
        Initializer(name: "orthogonal(\(gain))", seed: seed) { shape, rng, _ throws(InitializerFailure) in
            guard shape.count >= 2 else { throw .needsTwoDimensions(shape) }
            let cols = shape[shape.count - 1], rows = shape.reduce(1, *) / Swift.max(cols, 1)
            // Work on a tall matrix (r ≥ c); transpose back at the end if needed.
            let (r, c) = rows >= cols ? (rows, cols) : (cols, rows)
            var a = (0..<(r * c)).map { _ in rng.nextNormal() }  // (r, c) row-major
            let q = gramSchmidtQ(&a, rows: r, cols: c)
            var out = [Double](repeating: 0, count: rows * cols)
            for i in 0..<rows {
                for j in 0..<cols { out[i * cols + j] = gain * (rows >= cols ? q[i * c + j] : q[j * c + i]) }
            }
            return out
        }
    }

    /// The thin `Q` (r × c, r ≥ c) of `a = QR` by modified Gram–Schmidt with
    /// re-orthogonalisation, columns signed so that `R` has a positive diagonal.
    private static func gramSchmidtQ(_ a: inout [Double], rows r: Int, cols c: Int) -> [Double] {
        var q = a
        for j in 0..<c {
            for _ in 0..<2 {  // twice is enough (Kahan–Parlett)
                for k in 0..<j {
                    var dot = 0.0
                    for i in 0..<r { dot += q[i * c + k] * q[i * c + j] }
                    for i in 0..<r { q[i * c + j] -= dot * q[i * c + k] }
                }
            }
            var norm = 0.0
            for i in 0..<r { norm += q[i * c + j] * q[i * c + j] }
            norm = norm.squareRoot()
            if norm < 1e-12 { norm = 1 }
            for i in 0..<r { q[i * c + j] /= norm }
        }
        return q
    }
}
