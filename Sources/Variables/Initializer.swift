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
/// ```
public struct Initializer: Sendable, CustomStringConvertible {
    /// A short name for reports and errors (`glorotUniform`).
    public let name: String
    /// A seed that overrides the per-variable one.
    public let seed: UInt64?
    let make: @Sendable (_ shape: [Int], _ rng: inout SeededRandom) throws(InitializerFailure) -> [Double]

    /// An initializer from a closure that returns `shape.reduce(1, *)` values.
    public init(
        name: String, seed: UInt64? = nil,
        _ make: @escaping @Sendable (_ shape: [Int], _ rng: inout SeededRandom) -> [Double]
    ) {
        self.name = name
        self.seed = seed
        self.make = { shape, rng throws(InitializerFailure) in make(shape, &rng) }
    }

    init(
        name: String, seed: UInt64?,
        throwing make:
            @escaping @Sendable (_ shape: [Int], _ rng: inout SeededRandom) throws(InitializerFailure) -> [Double]
    ) {
        self.name = name
        self.seed = seed
        self.make = make
    }

    public var description: String { name }

    /// The values for `shape` as a tensor, rounded to floating types; integer and
    /// `Bool` tensors need values the type holds exactly (whole numbers in range; 0 or 1).
    public func tensor<T: TensorElement>(
        _ shape: [Int], dtype: T.Type = T.self, rng: inout SeededRandom
    ) throws(InitializerFailure) -> Tensor<T> {
        let n: Int
        do { n = try validatedCount(shape, elementSize: MemoryLayout<T>.stride) } catch {
            throw InitializerFailure(error.description)
        }
        if let seed { rng = SeededRandom(seed: seed) }
        let values = try make(shape, &rng)
        guard values.count == n else { throw InitializerFailure("it made \(values.count) values for \(n) elements") }
        var scalars: [T] = []
        scalars.reserveCapacity(n)
        for v in values {
            if T.dtype.isFloatingPoint {
                scalars.append(T(convertingFromDouble: v))
                continue
            }
            guard let x = T(exactlyFromDouble: v) else {
                throw InitializerFailure("Expected \(T.dtype.rawValue.lowercased()), but got \(v) of type 'float'.")
            }
            scalars.append(x)
        }
        return Tensor<T>(validShape: shape, scalars: scalars)
    }

    // MARK: Constants

    /// Every element equal to `value`.
    public static func constant(_ value: Double) -> Initializer {
        Initializer(name: "constant(\(value))") { shape, _ in Array(repeating: value, count: shape.reduce(1, *)) }
    }
    /// All zeros (the default for biases).
    public static let zeros = Initializer(name: "zeros") { shape, _ in Array(repeating: 0, count: shape.reduce(1, *)) }
    /// All ones.
    public static let ones = Initializer(name: "ones") { shape, _ in Array(repeating: 1, count: shape.reduce(1, *)) }
    /// The given values in row-major order; their count must match the shape.
    public static func values(_ values: [Double]) -> Initializer {
        Initializer(name: "values(\(values.count))", seed: nil) { shape, _ throws(InitializerFailure) in
            let n = shape.reduce(1, *)
            guard values.count == n else { throw InitializerFailure("\(values.count) values for \(n) elements") }
            return values
        }
    }

    // MARK: Random

    /// U(minValue, maxValue).
    public static func randomUniform(
        minValue: Double = -0.05, maxValue: Double = 0.05, seed: UInt64? = nil
    )
        -> Initializer
    {
        Initializer(name: "randomUniform(\(minValue), \(maxValue))", seed: seed) { shape, rng in
            (0..<shape.reduce(1, *)).map { _ in minValue + (maxValue - minValue) * rng.nextUniform() }
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

/// Why an initializer could not fill a shape.
public struct InitializerFailure: Error, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}
