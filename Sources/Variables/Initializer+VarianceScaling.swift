import TowersCore

extension Initializer {
    /// Which fan a variance-scaling initializer divides by.
    public enum FanMode: String, Sendable {
        case fanIn, fanOut, fanAvg
    }

    /// The distribution a variance-scaling initializer samples.
    public enum Distribution: String, Sendable {
        /// A normal truncated at two standard deviations, rescaled to keep the variance.
        case truncatedNormal
        case untruncatedNormal
        case uniform
    }

    /// TensorFlow's fans: `[]` → (1, 1); `[n]` → (n, n); `[a, b]` → (a, b);
    /// `[k…, i, o]` → (i·∏k, o·∏k) for convolution kernels.
    public static func fans(_ shape: [Int]) -> (fanIn: Double, fanOut: Double) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (Double(shape[0]), Double(shape[0]))
        case 2: return (Double(shape[0]), Double(shape[1]))
        default:
            let receptive = Double(shape.dropLast(2).reduce(1, *))
            return (Double(shape[shape.count - 2]) * receptive, Double(shape[shape.count - 1]) * receptive)
        }
    }

    /// Samples with variance `scale / fan` (TF's `VarianceScaling`).
    public static func varianceScaling(
        scale: Double = 1, mode: FanMode = .fanIn, distribution: Distribution = .truncatedNormal, seed: UInt64? = nil
    ) -> Initializer {
        Initializer(name: "varianceScaling(\(scale), \(mode.rawValue), \(distribution.rawValue))", seed: seed) {
            shape, rng in
            let (fanIn, fanOut) = fans(shape)
            let fan = Swift.max(1, mode == .fanIn ? fanIn : mode == .fanOut ? fanOut : (fanIn + fanOut) / 2)
            let variance = scale / fan
            let n = shape.reduce(1, *)
            switch distribution {
            case .truncatedNormal:
                // Standard deviation of N(0,1) truncated to [−2, 2].
                let sd = variance.squareRoot() / 0.879_625_661_034_239_78
                return (0..<n).map { _ in sd * rng.nextTruncatedNormal() }
            case .untruncatedNormal:
                let sd = variance.squareRoot()
                return (0..<n).map { _ in sd * rng.nextNormal() }
            case .uniform:
                let limit = (3 * variance).squareRoot()
                return (0..<n).map { _ in -limit + 2 * limit * rng.nextUniform() }
            }
        }
    }

    /// U(−l, l) with l = √(6 / (fanIn + fanOut)): the default for new floating
    /// variables, as in TF1.
    public static func glorotUniform(seed: UInt64? = nil) -> Initializer {
        renamed("glorotUniform", .varianceScaling(scale: 1, mode: .fanAvg, distribution: .uniform, seed: seed))
    }
    /// Truncated normal with variance 2 / (fanIn + fanOut).
    public static func glorotNormal(seed: UInt64? = nil) -> Initializer {
        renamed("glorotNormal", .varianceScaling(scale: 1, mode: .fanAvg, distribution: .truncatedNormal, seed: seed))
    }
    /// Truncated normal with variance 2 / fanIn (for ReLU layers).
    public static func heNormal(seed: UInt64? = nil) -> Initializer {
        renamed("heNormal", .varianceScaling(scale: 2, mode: .fanIn, distribution: .truncatedNormal, seed: seed))
    }
    /// Uniform with variance 2 / fanIn.
    public static func heUniform(seed: UInt64? = nil) -> Initializer {
        renamed("heUniform", .varianceScaling(scale: 2, mode: .fanIn, distribution: .uniform, seed: seed))
    }
    /// Truncated normal with variance 1 / fanIn.
    public static func lecunNormal(seed: UInt64? = nil) -> Initializer {
        renamed("lecunNormal", .varianceScaling(scale: 1, mode: .fanIn, distribution: .truncatedNormal, seed: seed))
    }
    /// Uniform with variance 1 / fanIn.
    public static func lecunUniform(seed: UInt64? = nil) -> Initializer {
        renamed("lecunUniform", .varianceScaling(scale: 1, mode: .fanIn, distribution: .uniform, seed: seed))
    }

    private static func renamed(_ name: String, _ i: Initializer) -> Initializer {
        Initializer(name: name, seed: i.seed, throwing: i.make)
    }
}
