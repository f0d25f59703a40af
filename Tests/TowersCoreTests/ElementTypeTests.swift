import Foundation
import Testing
import TowersCore

@Suite("Element types")
struct ElementTypeTests {
    @Test("every dtype has its Swift type, byte size and safetensors name")
    func dtypeTable() {
        let expected: [(DType, String, Int)] = [
            (.float32, "F32", 4), (.float64, "F64", 8), (.float16, "F16", 2), (.bfloat16, "BF16", 2),
            (.int32, "I32", 4), (.int64, "I64", 8), (.bool, "BOOL", 1),
        ]
        for (dtype, name, size) in expected {
            #expect(dtype.safetensorsName == name)
            #expect(DType(safetensorsName: name) == dtype)
            #expect(dtype.byteSize == size)
            #expect(dtype.elementType.dtype == dtype)
        }
        #expect(DType(safetensorsName: "U8") == nil)
        #expect(DType.allCases.filter(\.isDifferentiable) == [.float32, .float64])
        #expect(DType.allCases.filter(\.isFloatingPoint) == [.float32, .float64, .float16, .bfloat16])
    }

    @Test("integer and Bool tensors: zeros, filled, values, conversion")
    func storageTensors() throws {
        #expect(try Tensor<Int32>.zeros([3]).scalars == [0, 0, 0])
        #expect(try Tensor<Int64>.ones([2]).scalars == [1, 1])
        #expect(try Tensor<Bool>.zeros([2]).scalars == [false, false])
        #expect(try Tensor<Bool>.ones([1]).scalars == [true])
        let ids = try Tensor<Int64>(shape: [2, 2], scalars: [1, -2, 3, Int64.max])
        #expect(ids[1, 1] == Int64.max)
        #expect(!ids.requiresGrad)
        // Casts: floats truncate toward zero, saturate, NaN → 0; Bool is "non-zero".
        let floats = Tensor<Float>([2.9, -2.9, 3e10, -3e10, .nan, 0])
        #expect(floats.converted(to: Int32.self).scalars == [2, -2, Int32.max, Int32.min, 0, 0])
        #expect(floats.converted(to: Bool.self).scalars == [true, true, true, true, true, false])
        #expect(Tensor<Bool>([true, false]).converted(to: Double.self).scalars == [1, 0])
        #expect(Tensor<Int32>([7, -1]).converted(to: Float.self).scalars == [7, -1])
    }

    @Test("exact conversion refuses values the type cannot hold")
    func exactConversion() {
        #expect(Int32(exactlyFromDouble: 0.5) == nil)
        #expect(Int32(exactlyFromDouble: 3) == 3)
        #expect(Int32(exactlyFromDouble: 3e10) == nil)
        #expect(Bool(exactlyFromDouble: 1) == true)
        #expect(Bool(exactlyFromDouble: 2) == nil)
        #expect(Float(exactlyFromDouble: 0.1) == nil)
        #expect(Float(exactlyFromDouble: 0.5) == 0.5)
        #expect(Float(exactlyFromDouble: .nan)?.isNaN == true)
        #expect(BFloat16(exactlyFromDouble: 1.5) == BFloat16(1.5))
        #expect(BFloat16(exactlyFromDouble: 1.001) == nil)
    }

    @Test("BFloat16 rounds to nearest even and keeps NaN and infinities")
    func bfloat16Rounding() {
        // 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷: ties to even gives 1.
        #expect(BFloat16(1 + 0x1p-8).float == 1)
        // 1 + 3·2⁻⁸ lies halfway between 1 + 2⁻⁷ and 1 + 2⁻⁶: ties to even gives 1 + 2⁻⁶.
        #expect(BFloat16(1 + 3 * 0x1p-8).float == 1 + 0x1p-6)
        #expect(BFloat16(1 + 0x1p-7 + 0x1p-10).float == 1 + 0x1p-7)
        #expect(BFloat16(3.14159).float == 3.140625)
        #expect(BFloat16(-2).float == -2)
        #expect(BFloat16(.infinity).float == .infinity)
        #expect(BFloat16(.nan).float.isNaN)
        #expect(BFloat16(Float.greatestFiniteMagnitude).float == .infinity)  // rounds up past the largest finite
        #expect(BFloat16(0) == BFloat16(-0.0))
        #expect(BFloat16(.nan) != BFloat16(.nan))
        #expect(BFloat16(bitPattern: 0x3F80).float == 1)
    }

    @Test("Float16 stores halves and rounds the rest")
    func float16() {
        let t = Tensor<Double>([0.5, 1 / 3, 65504, 1e6]).converted(to: Float16.self)
        #expect(t.scalars[0] == 0.5)
        #expect(t.scalars[1] == Float16(1.0 / 3.0))
        #expect(t.scalars[2] == 65504)
        #expect(t.scalars[3] == .infinity)
        #expect(t.converted(to: Float.self).scalars[0] == 0.5)
    }
}

@Suite("Shape validation")
struct ShapeValidationTests {
    @Test("a negative dimension is a TensorError naming the shape")
    func negativeDimension() {
        #expect(throws: TensorError.negativeDimension(shape: [-1, 3], dimension: -1)) {
            try Tensor<Float>.zeros([-1, 3])
        }
        #expect(throws: TensorError.negativeDimension(shape: [2, -5], dimension: -5)) {
            try Tensor<Int32>.filled([2, -5], with: 1)
        }
        #expect(throws: TensorError.negativeDimension(shape: [-2], dimension: -2)) {
            try Tensor<Double>.randomNormal([-2], seed: 1)
        }
        #expect(
            "\(TensorError.negativeDimension(shape: [-1, 3], dimension: -1))"
                == "shape [-1, 3]: dimension -1 must be >= 0")
    }

    @Test("a shape beyond the address space is an error, not a trap or an allocation")
    func tooLarge() {
        #expect(throws: TensorError.tooLarge(shape: [1 << 40, 1 << 40])) {
            try Tensor<Float>.zeros([1 << 40, 1 << 40])
        }
        #expect(throws: TensorError.tooLarge(shape: [1 << 62, 4])) { try Tensor<Float>.ones([1 << 62, 4]) }
        #expect(throws: TensorError.tooLarge(shape: [1 << 47, 4])) { try Tensor<Bool>.zeros([1 << 47, 4]) }
    }

    @Test("values that do not fill the shape, and ragged rows, are errors")
    func counts() {
        #expect(throws: TensorError.scalarCount(shape: [2, 2], expected: 4, got: 3)) {
            try Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3])
        }
        #expect(throws: TensorError.raggedRows(firstLength: 2, row: 1, length: 1)) {
            try Tensor<Double>([[1, 2], [3]])
        }
    }

    @Test("a shape error in tensor algebra stops with both shapes in the message, in every build")
    func algebraShapeErrorKeepsItsMessage() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = try Tensor<Float>.zeros([2, 3]), b = try Tensor<Float>.zeros([4, 5])
            _ = a.matmul(b)
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("matmul inner dimensions differ: [2, 3] · [4, 5]"))
    }

    /// Release builds drop the message of `precondition(_:_:)`: library code
    /// uses `check`/`fail` (or throws) so that the message survives.
    @Test("no source in Sources uses precondition or assert, whose messages release builds drop")
    func noMessageDroppingChecks() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 100)
        var offenders: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                if ["precondition(", "preconditionFailure(", "assert(", "assertionFailure("].contains(
                    where: code.contains)
                {
                    offenders.append("\(file.path.split(separator: "/Sources/").last ?? ""):\(n + 1)")
                }
            }
        }
        #expect(offenders == [], "use check(_:_:) or fail(_:), or throw a typed error")
    }
}
