import Testing
import TowersCore
import Variables

/// The values a fresh store (seeded `seed`) gives a `Double` variable `key`.
private func sample(
    _ initializer: Initializer?, _ shape: [Int], seed: UInt64 = 1, key: String = "w"
) throws -> [Double] {
    let store = VariableStore(seed: seed)
    let v: Variable<Double> = try store.getVariable(key, shape: shape, initializer: initializer)
    return doubles(v)
}

/// `AᵀA` for a row-major `rows × cols` matrix `a`.
private func gram(_ a: [Double], rows: Int, cols: Int) -> [[Double]] {
    (0..<cols).map { i in
        (0..<cols).map { j in (0..<rows).reduce(0) { $0 + a[$1 * cols + i] * a[$1 * cols + j] } }
    }
}

/// The largest `|m[i][j] − scale·δij|`.
private func distanceFromIdentity(_ m: [[Double]], scale: Double = 1) -> Double {
    var worst = 0.0
    for i in m.indices {
        for j in m[i].indices { worst = max(worst, abs(m[i][j] - (i == j ? scale : 0))) }
    }
    return worst
}

/// The transpose of a row-major `rows × cols` matrix.
private func transpose(_ a: [Double], rows: Int, cols: Int) -> [Double] {
    (0..<(rows * cols)).map { k in a[(k % rows) * cols + k / rows] }
}

/// The standard deviation of N(0, 1) truncated to [−2, 2].
private let truncatedSD = 0.879_625_661_034_239_78

/// Section 3 of the issue and rule 15 of SEMANTICS.md: every initializer, seeded
/// and reproducible, with loose statistical checks on large shapes.
@Suite("Initializers")
struct InitializerTests {
    // MARK: Fans (rule 15)

    @Test("rule 15: fans for [], [n], [a, b] and [k…, i, o]")
    func fans() {
        #expect(Initializer.fans([]) == (1, 1))
        #expect(Initializer.fans([7]) == (7, 7))
        #expect(Initializer.fans([3, 5]) == (3, 5))
        #expect(Initializer.fans([3, 3, 16, 32]) == (144, 288))
        #expect(Initializer.fans([5, 4, 6]) == (20, 30))
        #expect(Initializer.fans([2, 3, 4, 5, 6]) == (120, 144))
    }

    // MARK: The default (rule 15)

    @Test("rule 15: the default is Glorot uniform within ±√(6/(fanIn+fanOut))", arguments: [[256, 256], [64, 300]])
    func defaultGlorotUniform(shape: [Int]) throws {
        let values = try sample(nil, shape)
        let (fanIn, fanOut) = (Double(shape[0]), Double(shape[1]))
        let limit = (6 / (fanIn + fanOut)).squareRoot()
        let largest = values.map(abs).max()!
        #expect(largest <= limit)
        #expect(largest > 0.99 * limit)
        let (mean, variance) = moments(values)
        #expect(abs(mean) < 0.02 * limit)
        #expect(close(variance, limit * limit / 3, relative: 0.05))
        // Exactly what an explicit glorotUniform() gives.
        #expect(try sample(.glorotUniform(), shape) == values)
    }

    @Test("rule 15: the default for a convolution kernel uses receptive-field fans")
    func defaultGlorotConvolution() throws {
        let values = try sample(nil, [3, 3, 16, 32])
        let limit = (6.0 / (144 + 288)).squareRoot()
        let largest = values.map(abs).max()!
        #expect(largest <= limit)
        #expect(largest > 0.98 * limit)
        #expect(close(moments(values).variance, limit * limit / 3, relative: 0.08))
    }

    @Test("rule 15: the default for a vector and a scalar")
    func defaultGlorotSmallShapes() throws {
        // [n] → fans (n, n): limit √(6/2n).
        let vector = try sample(nil, [3000])
        let limit = (6.0 / 6000).squareRoot()
        #expect(vector.map(abs).max()! <= limit)
        #expect(vector.map(abs).max()! > 0.99 * limit)
        // [] → fans (1, 1): limit √3.
        let scalar = try sample(nil, [])
        #expect(scalar.count == 1)
        #expect(abs(scalar[0]) <= 3.0.squareRoot())
    }

    // MARK: Constants

    @Test("constant, zeros, ones and values give exact values")
    func constants() throws {
        let store = VariableStore()
        let c: Variable<Float> = try store.getVariable("c", shape: [2, 3], initializer: .constant(2.5))
        let z: Variable<Float> = try store.getVariable("z", shape: [4], initializer: .zeros)
        let o: Variable<Double> = try store.getVariable("o", shape: [2, 2], initializer: .ones)
        let v: Variable<Float> = try store.getVariable("v", shape: [2, 2], initializer: .values([1, -2, 3.5, 4]))
        #expect(c.value.scalars == Array(repeating: 2.5, count: 6))
        #expect(z.value.scalars == [0, 0, 0, 0])
        #expect(o.value.scalars == [1, 1, 1, 1])
        #expect(v.value.scalars == [1, -2, 3.5, 4])
        #expect(v.value[1, 0] == 3.5)
        #expect(Initializer.constant(2.5).name == "constant(2.5)")
        #expect(Initializer.zeros.description == "zeros")
        #expect(Initializer.ones.description == "ones")
        #expect(Initializer.values([1, 2]).description == "values(2)")
    }

    // MARK: Random

    @Test("randomUniform: within [min, max), mean and variance of U(min, max)")
    func randomUniform() throws {
        let values = try sample(.randomUniform(minValue: -1, maxValue: 3), [256, 256])
        #expect(values.min()! >= -1)
        #expect(values.max()! < 3)
        #expect(values.min()! < -0.99)
        #expect(values.max()! > 2.99)
        let (mean, variance) = moments(values)
        #expect(abs(mean - 1) < 0.02)
        #expect(close(variance, 16.0 / 12, relative: 0.03))
        // The defaults: U(−0.05, 0.05).
        let small = try sample(.randomUniform(), [100, 100])
        #expect(small.map(abs).max()! <= 0.05)
        #expect(small.map(abs).max()! > 0.049)
        #expect(Initializer.randomUniform().name == "randomUniform(-0.05, 0.05)")
    }

    @Test("randomNormal: mean and standard deviation; some values beyond two deviations")
    func randomNormal() throws {
        let values = try sample(.randomNormal(mean: 2, standardDeviation: 0.5), [256, 256])
        let (mean, variance) = moments(values)
        #expect(abs(mean - 2) < 0.01)
        #expect(close(variance, 0.25, relative: 0.03))
        let beyond = Double(values.filter { abs($0 - 2) > 1 }.count) / Double(values.count)
        #expect(beyond > 0.035 && beyond < 0.056)  // 4.55% for a normal
        let defaults = moments(try sample(.randomNormal(), [256, 256]))
        #expect(abs(defaults.mean) < 0.001)
        #expect(close(defaults.variance, 0.0025, relative: 0.03))
    }

    @Test("truncatedNormal: no value beyond two deviations; the truncated variance")
    func truncatedNormal() throws {
        let values = try sample(.truncatedNormal(mean: 1, standardDeviation: 0.5), [256, 256])
        #expect(values.allSatisfy { abs($0 - 1) <= 1 })
        #expect(values.map { abs($0 - 1) }.max()! > 0.99)
        let (mean, variance) = moments(values)
        #expect(abs(mean - 1) < 0.01)
        #expect(close(variance, 0.25 * truncatedSD * truncatedSD, relative: 0.03))
        let defaults = try sample(.truncatedNormal(), [100, 100])
        #expect(defaults.allSatisfy { abs($0) <= 0.1 })
    }

    // MARK: Variance scaling

    static let modes: [(Initializer.FanMode, Double)] = [(.fanIn, 128), (.fanOut, 512), (.fanAvg, 320)]

    @Test(
        "varianceScaling: variance scale/fan for each FanMode and Distribution",
        arguments: [Initializer.FanMode.fanIn, .fanOut, .fanAvg],
        [Initializer.Distribution.uniform, .truncatedNormal, .untruncatedNormal])
    func varianceScaling(mode: Initializer.FanMode, distribution: Initializer.Distribution) throws {
        let shape = [128, 512]  // fanIn 128, fanOut 512, fanAvg 320
        let fan = Self.modes.first { $0.0 == mode }!.1
        let scale = 2.0
        let values = try sample(.varianceScaling(scale: scale, mode: mode, distribution: distribution), shape)
        let variance = scale / fan
        let sd = variance.squareRoot()
        let (mean, sampleVariance) = moments(values)
        #expect(abs(mean) < 0.02 * sd)
        #expect(close(sampleVariance, variance, relative: 0.04))
        let largest = values.map(abs).max()!
        switch distribution {
        case .uniform:
            let limit = (3 * variance).squareRoot()
            #expect(largest <= limit)
            #expect(largest > 0.99 * limit)
        case .truncatedNormal:
            let limit = 2 * sd / truncatedSD
            #expect(largest <= limit)
            #expect(largest > 0.99 * limit)
        case .untruncatedNormal:
            let beyond = Double(values.filter { abs($0) > 2 * sd }.count) / Double(values.count)
            #expect(beyond > 0.035 && beyond < 0.056)
            #expect(largest > 3.5 * sd)
        }
        #expect(
            Initializer.varianceScaling(scale: scale, mode: mode, distribution: distribution).name
                == "varianceScaling(2.0, \(mode.rawValue), \(distribution.rawValue))")
    }

    @Test("varianceScaling defaults: scale 1, fanIn, truncated normal")
    func varianceScalingDefaults() throws {
        let values = try sample(.varianceScaling(), [256, 256])
        #expect(close(moments(values).variance, 1.0 / 256, relative: 0.04))
        #expect(values.map(abs).max()! <= 2 * (1.0 / 256).squareRoot() / truncatedSD)
        #expect(try sample(.lecunNormal(), [256, 256]) == values)
    }

    /// (initializer, variance, limit or nil for an unbounded distribution, name)
    static let named: [(Initializer, Double, Double, String)] = [
        (.glorotUniform(), 2.0 / (128 + 512), (6.0 / (128 + 512)).squareRoot(), "glorotUniform"),
        (.glorotNormal(), 2.0 / (128 + 512), 2 * (2.0 / (128 + 512)).squareRoot() / truncatedSD, "glorotNormal"),
        (.heNormal(), 2.0 / 128, 2 * (2.0 / 128).squareRoot() / truncatedSD, "heNormal"),
        (.heUniform(), 2.0 / 128, (6.0 / 128).squareRoot(), "heUniform"),
        (.lecunNormal(), 1.0 / 128, 2 * (1.0 / 128).squareRoot() / truncatedSD, "lecunNormal"),
        (.lecunUniform(), 1.0 / 128, (3.0 / 128).squareRoot(), "lecunUniform"),
    ]

    @Test("glorot, he and lecun: their variances and bounds", arguments: 0..<6)
    func namedVarianceScaling(index: Int) throws {
        let (initializer, variance, limit, name) = Self.named[index]
        let values = try sample(initializer, [128, 512])
        #expect(initializer.name == name)
        #expect(initializer.description == name)
        #expect(close(moments(values).variance, variance, relative: 0.04))
        let largest = values.map(abs).max()!
        #expect(largest <= limit)
        #expect(largest > 0.99 * limit)
    }

    // MARK: Orthogonal

    @Test("orthogonal: QᵀQ = I for a tall matrix", arguments: [[64, 16], [32, 32], [2, 3, 4]])
    func orthogonalTall(shape: [Int]) throws {
        let cols = shape.last!, rows = shape.reduce(1, *) / cols
        let q = try sample(.orthogonal(), shape)
        #expect(distanceFromIdentity(gram(q, rows: rows, cols: cols)) < 1e-10)
    }

    @Test("orthogonal: QQᵀ = I for a wide matrix")
    func orthogonalWide() throws {
        let q = try sample(.orthogonal(), [16, 64])
        #expect(distanceFromIdentity(gram(transpose(q, rows: 16, cols: 64), rows: 64, cols: 16)) < 1e-10)
        // Its columns are not orthonormal (64 vectors in 16 dimensions).
        #expect(distanceFromIdentity(gram(q, rows: 16, cols: 64)) > 0.1)
    }

    @Test("orthogonal: the gain scales Q (QᵀQ = gain² I)")
    func orthogonalGain() throws {
        let q = try sample(.orthogonal(gain: 2), [40, 10])
        #expect(distanceFromIdentity(gram(q, rows: 40, cols: 10), scale: 4) < 1e-10)
        let unit = try sample(.orthogonal(), [40, 10])
        #expect(zip(q, unit).allSatisfy { abs($0 - 2 * $1) < 1e-12 })
        #expect(Initializer.orthogonal(gain: 2).name == "orthogonal(2.0)")
    }

    @Test("orthogonal: Float variables are orthogonal to Float precision")
    func orthogonalFloat() throws {
        let store = VariableStore(seed: 3)
        let v: Variable<Float> = try store.getVariable("q", shape: [50, 20], initializer: .orthogonal())
        #expect(distanceFromIdentity(gram(doubles(v), rows: 50, cols: 20)) < 1e-5)
    }

    @Test("orthogonal: rank 0 and rank 1 are errors", arguments: [[Int](), [5]])
    func orthogonalRank(shape: [Int]) throws {
        let store = VariableStore()
        expectError(
            "The tensor to initialize, specified by argument `shape` must be at least two-dimensional. Received shape=\(shape)\nVariable o: initializer orthogonal(1.0), shape \(shape)."
        ) {
            let _: Variable<Float> = try store.getVariable("o", shape: shape, initializer: .orthogonal())
        }
        #expect(store.allVariables.isEmpty)
    }

    // MARK: Seeding

    static let seeded: [Initializer] = [
        .randomUniform(), .randomNormal(), .truncatedNormal(), .glorotUniform(), .glorotNormal(), .heNormal(),
        .heUniform(), .lecunNormal(), .lecunUniform(), .orthogonal(),
        .varianceScaling(scale: 3, mode: .fanOut, distribution: .untruncatedNormal),
    ]

    @Test(
        "every random initializer: same store seed and key → same values; other key or seed → other values",
        arguments: 0..<11)
    func reproducible(index: Int) throws {
        let initializer = Self.seeded[index]
        let shape = [8, 6]
        let a = try sample(initializer, shape, seed: 7, key: "layer/w")
        #expect(try sample(initializer, shape, seed: 7, key: "layer/w") == a)
        #expect(try sample(initializer, shape, seed: 7, key: "layer/v") != a)
        #expect(try sample(initializer, shape, seed: 8, key: "layer/w") != a)
        #expect(Set(a).count == a.count)  // not constant
    }

    @Test("values depend on the key, not on the order of creation")
    func orderIndependent() throws {
        let s1 = VariableStore(seed: 11), s2 = VariableStore(seed: 11)
        let a1: Variable<Float> = try s1.getVariable("a", shape: [4, 4])
        let b1: Variable<Float> = try s1.getVariable("b", shape: [4, 4])
        let b2: Variable<Float> = try s2.getVariable("b", shape: [4, 4])
        let a2: Variable<Float> = try s2.getVariable("a", shape: [4, 4])
        #expect(a1.value.scalars == a2.value.scalars)
        #expect(b1.value.scalars == b2.value.scalars)
        #expect(a1.value.scalars != b1.value.scalars)
        // The same name in a scope is another key, with other values.
        let scoped: Variable<Float> = try s1.variableScope("s") { try getVariable("a", shape: [4, 4]) }
        #expect(scoped.value.scalars != a1.value.scalars)
    }

    @Test("an explicit seed overrides the per-variable one", arguments: 0..<11)
    func explicitSeed(index: Int) throws {
        // The same initializer with an explicit seed: rebuild it with `seed:`.
        let seeded: [Initializer] = [
            .randomUniform(seed: 5), .randomNormal(seed: 5), .truncatedNormal(seed: 5), .glorotUniform(seed: 5),
            .glorotNormal(seed: 5), .heNormal(seed: 5), .heUniform(seed: 5), .lecunNormal(seed: 5),
            .lecunUniform(seed: 5), .orthogonal(seed: 5),
            .varianceScaling(scale: 3, mode: .fanOut, distribution: .untruncatedNormal, seed: 5),
        ]
        let other: [Initializer] = [
            .randomUniform(seed: 6), .randomNormal(seed: 6), .truncatedNormal(seed: 6), .glorotUniform(seed: 6),
            .glorotNormal(seed: 6), .heNormal(seed: 6), .heUniform(seed: 6), .lecunNormal(seed: 6),
            .lecunUniform(seed: 6), .orthogonal(seed: 6),
            .varianceScaling(scale: 3, mode: .fanOut, distribution: .untruncatedNormal, seed: 6),
        ]
        let initializer = seeded[index]
        #expect(initializer.seed == 5)
        #expect(Self.seeded[index].seed == nil)
        let a = try sample(initializer, [8, 6], seed: 1, key: "x")
        #expect(try sample(initializer, [8, 6], seed: 2, key: "y/z") == a)
        #expect(try sample(other[index], [8, 6], seed: 1, key: "x") != a)
        #expect(try sample(Self.seeded[index], [8, 6], seed: 1, key: "x") != a)
        // Directly, from any generator state.
        var rng = SeededRandom(seed: 999)
        let direct: Tensor<Double> = try initializer.tensor([8, 6], rng: &rng)
        #expect(direct.scalars == a)
    }

    @Test("Float and Double variables of one key hold the same values, rounded")
    func floatAndDouble() throws {
        let s1 = VariableStore(seed: 4), s2 = VariableStore(seed: 4)
        let f: Variable<Float> = try s1.getVariable("w", shape: [5, 5], initializer: .heUniform())
        let d: Variable<Double> = try s2.getVariable("w", shape: [5, 5], initializer: .heUniform())
        #expect(f.value.scalars == d.value.scalars.map { Float($0) })
    }

    @Test("a custom initializer gets the shape and the per-variable generator")
    func customInitializer() throws {
        let counting = Initializer(name: "counting") { shape, _ in (0..<shape.reduce(1, *)).map { Double($0) } }
        let random = Initializer(name: "random") { shape, rng in (0..<shape.reduce(1, *)).map { _ in rng.nextUniform() }
        }
        let store = VariableStore(seed: 2)
        let c: Variable<Float> = try store.getVariable("c", shape: [2, 3], initializer: counting)
        #expect(c.value.scalars == [0, 1, 2, 3, 4, 5])
        #expect(counting.description == "counting")
        let r1: Variable<Double> = try store.getVariable("r", shape: [3], initializer: random)
        let r2: Variable<Double> = try VariableStore(seed: 2).getVariable("r", shape: [3], initializer: random)
        #expect(r1.value.scalars == r2.value.scalars)
        #expect(r1.value.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
    }
}
