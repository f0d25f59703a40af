public import TowersCore

/// How a new variable's value is made from its shape.
///
/// Without an explicit seed, an initializer is seeded from the store's seed and
/// the variable's full key, so a model's initial values depend only on its
/// names, not on the order it was built in.
///
/// ```swift
/// let w: Variable<Float> = try getVariable("w", shape: [3, 4], initializer: .heNormal())
/// let b: Variable<Float> = try getVariable("b", shape: [4], initializer: .zeros)
/// let ids: Variable<Int32> = try getVariable("ids", shape: [3], initializer: .constant([7, 8, 9]))
/// ```
public struct Initializer: Sendable, CustomStringConvertible {
    /// A short name for reports and errors (`glorotUniform`).
    public let name: String
    /// A seed that overrides the per-variable one.
    public let seed: UInt64?
    let make:
        @Sendable (_ shape: [Int], _ rng: inout SeededRandom, _ dtype: DType) throws(InitializerFailure) -> [Double]
    /// An exact value (an initial-value tensor), used as is when its type and shape fit.
    let exact: (any GetterResult)?

    /// An initializer from a closure that returns `shape.reduce(1, *)` values.
    public init(
        name: String, seed: UInt64? = nil,
        _ make: @escaping @Sendable (_ shape: [Int], _ rng: inout SeededRandom) -> [Double]
    ) {
        self.name = name
        self.seed = seed
        self.make = { shape, rng, _ throws(InitializerFailure) in make(shape, &rng) }
        exact = nil
    }

    init(
        name: String, seed: UInt64?, exact: (any GetterResult)? = nil,
        throwing make:
            @escaping @Sendable (_ shape: [Int], _ rng: inout SeededRandom, _ dtype: DType) throws(InitializerFailure)
            -> [Double]
    ) {
        self.name = name
        self.seed = seed
        self.make = make
        self.exact = exact
    }

    public var description: String { name }

    /// The values for `shape` as a tensor, rounded to floating types; integer and
    /// `Bool` tensors need values the type holds exactly (whole numbers in range;
    /// 0 or 1), otherwise it fails with TF's message (`Expected int32, but got 0.5
    /// of type 'float'.`).
    public func tensor<T: TensorElement>(
        _ shape: [Int], dtype: T.Type = T.self, rng: inout SeededRandom
    ) throws(InitializerFailure) -> Tensor<T> {
        let n: Int
        do { n = try validatedCount(shape, elementSize: MemoryLayout<T>.stride) } catch {
            throw InitializerFailure(error.description)
        }
        if let value = exact?.tensor(as: T.self), value.shape == shape { return value.copy() }
        if let seed { rng = SeededRandom(seed: seed) }
        let values = try make(shape, &rng, T.dtype)
        guard values.count == n else { throw InitializerFailure("it made \(values.count) values for \(n) elements") }
        var scalars: [T] = []
        scalars.reserveCapacity(n)
        for v in values {
            if T.dtype.isFloatingPoint {
                scalars.append(T(convertingFromDouble: v))
                continue
            }
            guard let x = T(exactlyFromDouble: v) else { throw .typeMismatch(v, T.dtype) }
            scalars.append(x)
        }
        return Tensor<T>(validShape: shape, scalars: scalars)
    }

    // MARK: Constants

    /// Every element equal to `value`.
    public static func constant(_ value: Double) -> Initializer {
        Initializer(name: "constant(\(value))") { shape, _ in Array(repeating: value, count: shape.reduce(1, *)) }
    }

    /// `values` in row-major order, as TF1's `constant_initializer(list)`: fewer
    /// values than the shape holds are padded with the last one; more is an error
    /// (`Too many elements provided. Takes at most 4, but got 6.`).
    public static func constant(_ values: [Double]) -> Initializer {
        Initializer(name: "constant(\(values))", seed: nil) { shape, _, _ throws(InitializerFailure) in
            let n = shape.reduce(1, *)
            guard values.count <= n else {
                throw InitializerFailure("Too many elements provided. Takes at most \(n), but got \(values.count).")
            }
            guard let last = values.last else { return Array(repeating: 0, count: n) }
            return values + Array(repeating: last, count: n - values.count)
        }
    }

    /// All zeros (the default for biases, and for integer and `Bool` variables).
    public static let zeros = Initializer(name: "zeros") { shape, _ in Array(repeating: 0, count: shape.reduce(1, *)) }
    /// All ones.
    public static let ones = Initializer(name: "ones") { shape, _ in Array(repeating: 1, count: shape.reduce(1, *)) }
    /// The given values in row-major order; their count must match the shape.
    public static func values(_ values: [Double]) -> Initializer {
        Initializer(name: "values(\(values.count))", seed: nil) { shape, _, _ throws(InitializerFailure) in
            let n = shape.reduce(1, *)
            guard values.count == n else { throw InitializerFailure("\(values.count) values for \(n) elements") }
            return values
        }
    }

    /// An initial-value tensor, copied exactly into a variable of its type and shape.
    static func value<T: TensorElement>(_ tensor: Tensor<T>) -> Initializer {
        let copy = tensor.copy()
        let values = copy.scalars.map(\.doubleValue)
        return Initializer(name: "values(\(values.count))", seed: nil, exact: copy) {
            shape, _, _ throws(InitializerFailure) in
            let n = shape.reduce(1, *)
            guard values.count == n else { throw InitializerFailure("\(values.count) values for \(n) elements") }
            return values
        }
    }

    /// `gain` times the identity matrix (TF's `identity_initializer`); a
    /// rectangular shape gets ones on its leading diagonal. Needs rank 2.
    public static func identity(gain: Double = 1) -> Initializer {
        Initializer(name: "identity(\(gain))", seed: nil) { shape, _, _ throws(InitializerFailure) in
            guard shape.count == 2 else { throw .needsTwoDimensions(shape) }
            let (rows, cols) = (shape[0], shape[1])
            var out = [Double](repeating: 0, count: rows * cols)
            for i in 0..<Swift.min(rows, cols) { out[i * cols + i] = gain }
            return out
        }
    }

    // MARK: Random

    /// U(minValue, maxValue). For integer variables, whole numbers in
    /// `minValue..<maxValue` (both bounds must be whole).
    public static func randomUniform(
        minValue: Double = -0.05, maxValue: Double = 0.05, seed: UInt64? = nil
    )
        -> Initializer
    {
        Initializer(name: "randomUniform(\(minValue), \(maxValue))", seed: seed) {
            shape, rng, dtype throws(InitializerFailure) in
            let n = shape.reduce(1, *)
            if dtype.isFloatingPoint {
                return (0..<n).map { _ in minValue + (maxValue - minValue) * rng.nextUniform() }
            }
            for bound in [minValue, maxValue] where bound.rounded(.towardZero) != bound {
                throw .typeMismatch(bound, dtype)
            }
            guard minValue < maxValue else {
                throw InitializerFailure("Need minval < maxval: \(Int(minValue)) >= \(Int(maxValue))")
            }
            return (0..<n).map { _ in (minValue + (maxValue - minValue) * rng.nextUniform()).rounded(.down) }
        }
    }
    /// N(mean, standardDeviation²).
    public static func randomNormal(
        mean: Double = 0, standardDeviation: Double = 0.05, seed: UInt64? = nil
    )
        -> Initializer
    {
        Initializer(name: "randomNormal(\(mean), \(standardDeviation))", seed: seed) { shape, rng in
            (0..<shape.reduce(1, *)).map { _ in mean + standardDeviation * rng.nextNormal() }
        }
    }
    /// N(mean, standardDeviation²) redrawn beyond two standard deviations.
    public static func truncatedNormal(
        mean: Double = 0, standardDeviation: Double = 0.05, seed: UInt64? = nil
    )
        -> Initializer
    {
        Initializer(name: "truncatedNormal(\(mean), \(standardDeviation))", seed: seed) { shape, rng in
            (0..<shape.reduce(1, *)).map { _ in mean + standardDeviation * rng.nextTruncatedNormal() }
        }
    }
}

/// Why an initializer could not fill a shape (TF's message where TF has one).
public struct InitializerFailure: Error, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }

    /// TF's text for a value an integer or `Bool` variable cannot hold:
    /// `Expected int32, but got 0.5 of type 'float'.`
    static func typeMismatch(_ value: Double, _ dtype: DType) -> InitializerFailure {
        let whole = value.isFinite && value.rounded(.towardZero) == value && Swift.abs(value) < 1e18
        let shown = whole ? "\(Int64(value)) of type 'int'" : "\(value) of type 'float'"
        return InitializerFailure("Expected \(dtype.rawValue.lowercased()), but got \(shown).")
    }

    /// TF's text for an initializer that needs a matrix.
    static func needsTwoDimensions(_ shape: [Int]) -> InitializerFailure {
        InitializerFailure(
            "The tensor to initialize, specified by argument `shape` must be at least two-dimensional. Received shape=\(shape)"
        )
    }
}
