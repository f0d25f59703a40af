/// The element types a ``Tensor`` can store: the compute types `Float` and
/// `Double` (see ``TensorScalar``), and the storage types `Int32`, `Int64`,
/// `Bool`, `Float16` and ``BFloat16``.
///
/// Storage types hold ids, labels, counters and compact weights. They take no
/// part in differentiation; convert them with ``Tensor/converted(to:)`` to
/// compute with them.
///
/// ```swift
/// let ids = Tensor<Int32>([3, 1, 4])
/// let step = Tensor<Int64>(0)
/// let half = Tensor<Float>([0.5, 1.5]).converted(to: BFloat16.self)
/// ```
public protocol TensorElement: BitwiseCopyable, Sendable, Equatable, CustomStringConvertible {
    /// The data type tag used in checkpoints and messages.
    static var dtype: DType { get }
    /// `value` in this type if it is represented exactly (integers: whole numbers
    /// in range; `Bool`: 0 or 1; floating types: no rounding), else `nil`.
    init?(exactlyFromDouble value: Double)
    /// `value` converted the way a cast does: floating types round to nearest,
    /// integers truncate toward zero and saturate at their bounds (NaN gives 0),
    /// `Bool` is `value != 0`.
    init(convertingFromDouble value: Double)
    /// The element as a `Double` (exact for every type but `Int64` beyond 2⁵³).
    var doubleValue: Double { get }
}

/// A tensor's element type, as written in checkpoints (`F32`, `I64`, …) and
/// shown in messages (`Float32`, `Int64`, …).
public enum DType: String, Sendable, Hashable, CustomStringConvertible, CaseIterable {
    case float32 = "Float32"
    case float64 = "Float64"
    case float16 = "Float16"
    case bfloat16 = "BFloat16"
    case int32 = "Int32"
    case int64 = "Int64"
    case bool = "Bool"

    public var description: String { rawValue }

    /// The safetensors spelling: `F32`, `F64`, `F16`, `BF16`, `I32`, `I64`, `BOOL`.
    public var safetensorsName: String {
        switch self {
        case .float32: "F32"
        case .float64: "F64"
        case .float16: "F16"
        case .bfloat16: "BF16"
        case .int32: "I32"
        case .int64: "I64"
        case .bool: "BOOL"
        }
    }

    /// The dtype a safetensors name stands for (`nil` for names Towers does not store).
    public init?(safetensorsName name: String) {
        guard let match = DType.allCases.first(where: { $0.safetensorsName == name }) else { return nil }
        self = match
    }

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16: 2
        case .bool: 1
        }
    }

    /// Whether elements are floating-point numbers (`Float32`, `Float64`, `Float16`, `BFloat16`).
    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: true
        case .int32, .int64, .bool: false
        }
    }

    /// Whether tensors of this type can be differentiated (`Float32` and `Float64`).
    public var isDifferentiable: Bool { self == .float32 || self == .float64 }

    /// The Swift type of the elements, for generic code that starts from a dtype:
    /// pass it to a generic function to open it.
    ///
    /// ```swift
    /// func zeros<T: TensorElement>(_: T.Type) throws -> Int { try Tensor<T>.zeros([4]).count }
    /// let n = try zeros(DType.int64.elementType)
    /// ```
    public var elementType: any TensorElement.Type {
        switch self {
        case .float32: Float.self
        case .float64: Double.self
        case .float16:
            #if !(os(macOS) && arch(x86_64))
                Float16.self
            #else
                fatalError("Float16 is not available on this platform")
            #endif
        case .bfloat16: BFloat16.self
        case .int32: Int32.self
        case .int64: Int64.self
        case .bool: Bool.self
        }
    }
}

// MARK: Integers and Bool

extension FixedWidthInteger where Self: TensorElement {
    public init?(exactlyFromDouble value: Double) { self.init(exactly: value) }
    public init(convertingFromDouble value: Double) {
        if value.isNaN {
            self = 0
        } else if value <= Double(Self.min) {
            self = .min
        } else if value >= Double(Self.max) {
            self = .max
        } else {
            self.init(value.rounded(.towardZero))
        }
    }
    public var doubleValue: Double { Double(self) }
}

extension Int32: TensorElement {
    public static var dtype: DType { .int32 }
}

extension Int64: TensorElement {
    public static var dtype: DType { .int64 }
}

extension Bool: TensorElement {
    public static var dtype: DType { .bool }
    public init?(exactlyFromDouble value: Double) {
        guard value == 0 || value == 1 else { return nil }
        self = value == 1
    }
    public init(convertingFromDouble value: Double) { self = value != 0 }
    public var doubleValue: Double { self ? 1 : 0 }
}

// MARK: Floating-point storage types

#if !(os(macOS) && arch(x86_64))
    extension Float16: TensorElement {
        public static var dtype: DType { .float16 }
        public init?(exactlyFromDouble value: Double) {
            if value.isNaN {
                self = .nan
            } else {
                self.init(exactly: value)
            }
        }
        public init(convertingFromDouble value: Double) { self.init(value) }
        public var doubleValue: Double { Double(self) }
    }
#endif

/// A 16-bit "brain" floating-point number: `Float`'s sign and 8-bit exponent
/// with a 7-bit significand, for storing weights compactly (safetensors `BF16`).
/// Arithmetic happens in `Float`: convert with ``float`` or ``init(_:)``.
///
/// ```swift
/// let x = BFloat16(3.14159)
/// print(x.float)   // 3.140625
/// ```
public struct BFloat16: TensorElement, Hashable {
    /// The raw bits: the upper half of the nearest `Float`'s bits.
    public var bitPattern: UInt16

    /// The value with these bits.
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// The `BFloat16` nearest to `value` (ties to even); NaN stays NaN.
    public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            bitPattern = UInt16(truncatingIfNeeded: bits >> 16) | 0x0040  // keep it a (quiet) NaN
        } else {
            let roundingBias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
            bitPattern = UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
        }
    }

    /// The value as a `Float` (exact).
    public var float: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

    public static var dtype: DType { .bfloat16 }
    public init?(exactlyFromDouble value: Double) {
        let b = BFloat16(Float(value))
        guard value.isNaN || Double(b.float) == value else { return nil }
        self = b
    }
    public init(convertingFromDouble value: Double) { self.init(Float(value)) }
    public var doubleValue: Double { Double(float) }

    /// Compares values as numbers: `-0 == +0`, NaN is unequal to everything.
    public static func == (a: BFloat16, b: BFloat16) -> Bool { a.float == b.float }
    public func hash(into hasher: inout Hasher) { hasher.combine(float == 0 ? 0 : float) }
    public var description: String { "\(float)" }
}
