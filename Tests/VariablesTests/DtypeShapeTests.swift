import Testing
import TowersCore
import Variables

/// Rules 34–36 of SEMANTICS.md: integer, boolean and 16-bit variables; shapes
/// with unknown, negative and overflowing dimensions; constant and identity
/// initializers. Every message and name below is what TF 2.21's `tf.compat.v1`
/// printed for the same program (first line).
@Suite("Dtypes, shapes and initializers")
struct DtypeShapeTests {
    // MARK: Rule 34: integer and boolean variables

    @Test("rule 34: integer and boolean variables default to zeros and take no gradient")
    func integerDefaults() throws {
        let store = VariableStore()
        let i32: Variable<Int32> = try store.getVariable("i32", shape: [2, 2])
        let i64: Variable<Int64> = try store.getVariable("i64", shape: [3])
        let b: Variable<Bool> = try store.getVariable("b", shape: [2])
        #expect(i32.value.scalars == [0, 0, 0, 0])
        #expect(i64.value.scalars == [0, 0, 0])
        #expect(b.value.scalars == [false, false])
        #expect([i32.dtype, i64.dtype, b.dtype] == [.int32, .int64, .bool])
        #expect(!i32.value.requiresGrad && !i64.value.requiresGrad && !b.value.requiresGrad)
        // The untyped getVariable follows the scope's dtype.
        let scoped = try store.variableScope("s", dtype: .int64) { try store.getVariable("step", shape: []) }
        #expect(scoped is Variable<Int64>)
        #expect(scoped.description == "<Variable 's/step' shape=[] dtype=Int64>")
    }

    @Test("rule 34: integer initializers give exact values")
    func integerInitializers() throws {
        let store = VariableStore(seed: 3)
        let ones: Variable<Int32> = try store.getVariable("ones", shape: [3], initializer: .ones)
        let seven: Variable<Int64> = try store.getVariable("seven", shape: [2], initializer: .constant(7))
        let list: Variable<Int32> = try store.getVariable("list", shape: [4], initializer: .constant([5, -6]))
        let uniform: Variable<Int32> = try store.getVariable(
            "uniform", shape: [1000], initializer: .randomUniform(minValue: 0, maxValue: 10))
        let big: Variable<Int64> = try store.getVariable(
            "big", initialValue: Tensor<Int64>([Int64(1) << 60 + 1, -(Int64(1) << 62)]))
        let mask: Variable<Bool> = try store.getVariable("mask", shape: [2], initializer: .ones)
        #expect(ones.value.scalars == [1, 1, 1])
        #expect(seven.value.scalars == [7, 7])
        #expect(list.value.scalars == [5, -6, -6, -6])
        #expect(uniform.value.scalars.allSatisfy { (0..<10).contains($0) })
        #expect(Set(uniform.value.scalars).count == 10)
        #expect(big.value.scalars == [Int64(1) << 60 + 1, -(Int64(1) << 62)])
        #expect(mask.value.scalars == [true, true])
    }

    @Test("rule 34: a floating constant for an integer variable is TF's TypeError text, and uses up the name")
    func floatConstantForInteger() throws {
        let store = VariableStore()
        expectError("Expected int32, but got 0.5 of type 'float'.\nVariable iv: initializer constant(0.5), shape [2].")
        {
            let _: Variable<Int32> = try store.getVariable("iv", shape: [2], initializer: .constant(0.5))
        }
        let iv: Variable<Int32> = try store.getVariable("iv", shape: [2], initializer: .constant(1))
        #expect(iv.name == "iv_1")
        #expect(iv.key == "iv")
        let bool = errorText {
            let _: Variable<Bool> = try store.getVariable("bv", shape: [2], initializer: .constant(2))
        }
        #expect(bool?.firstLine == "Expected bool, but got 2 of type 'int'.")
        let glorot = errorText {
            let _: Variable<Int32> = try store.getVariable("g", shape: [2], initializer: .glorotUniform())
        }
        #expect(glorot?.hasPrefix("Expected int32, but got ") == true)
        #expect(glorot?.firstLine.hasSuffix(" of type 'float'.") == true)
        // Out of range for the type (TF wraps silently; here it is an error).
        let wide = errorText {
            let _: Variable<Int32> = try store.getVariable("w", shape: [1], initializer: .constant(Double(1 << 40)))
        }
        #expect(wide?.firstLine == "Expected int32, but got 1099511627776 of type 'int'.")
        #expect(names(store) == ["iv_1"])
    }

    @Test("Float16 and BFloat16 variables store rounded values and take no gradient")
    func halfPrecision() throws {
        let store = VariableStore(seed: 1)
        let b: Variable<BFloat16> = try store.getVariable("b", shape: [4, 4])
        let c: Variable<BFloat16> = try store.getVariable("c", shape: [2], initializer: .constant(3.14159))
        #expect(b.dtype == .bfloat16)
        let limit = (6.0 / 8).squareRoot()
        #expect(b.value.scalars.allSatisfy { abs($0.doubleValue) <= limit + 0.01 })
        #expect(c.value.scalars.map(\.float) == [3.140625, 3.140625])
        #expect(!b.value.requiresGrad)
        let h: Variable<Float16> = try store.getVariable("h", shape: [3], initializer: .constant([0.5, 1.5]))
        #expect(h.value.scalars == [0.5, 1.5, 1.5])
        #expect(h.dtype == .float16)
    }

    // MARK: Rule 35: shapes

    @Test("rule 35: on reuse, unknown dimensions and no shape match what was found")
    func partialShapesOnReuse() throws {
        let store = VariableStore()
        let w: Variable<Float> = try store.getVariable("w", shape: [2, 3])
        try store.variableScope(store.rootScope, reuse: .reuse) {
            let a: Variable<Float> = try getVariable("w", shape: [2, nil])
            let b: Variable<Float> = try getVariable("w", shape: [nil, nil])
            let c: Variable<Float> = try getVariable("w")
            #expect(a === w && b === w && c === w)
            expectError("Trying to share variable w, but specified shape [3, ?] and found shape [2, 3].") {
                let _: Variable<Float> = try getVariable("w", shape: [3, nil])
            }
            expectError("Trying to share variable w, but specified shape [2, ?, 1] and found shape [2, 3].") {
                let _: Variable<Float> = try getVariable("w", shape: [2, nil, 1])
            }
        }
    }

    @Test("rule 35: creating needs a fully known shape (TF's text)")
    func partialShapeOnCreation() throws {
        let store = VariableStore()
        let text = errorText { let _: Variable<Float> = try store.getVariable("unk", shape: [2, nil]) }
        #expect(
            text?.firstLine
                == "The initializer passed is not valid. It should be a callable with no arguments and the shape should not be provided or an instance of `Initializer` and `shape` should be fully defined."
        )
        #expect(text?.contains("Variable unk: shape [2, ?]") == true)
        #expect(store.allVariables.isEmpty)
        let unk: Variable<Float> = try store.getVariable("unk", shape: [2, 1])
        #expect(unk.name == "unk")
    }

    @Test("rule 35: a negative dimension is TF's error, before anything is made")
    func negativeDimension() throws {
        let store = VariableStore()
        expectError("Dimension -1 must be >= 0\nVariable w: shape [-1, 3].") {
            let _: Variable<Float> = try store.getVariable("w", shape: [-1, 3])
        }
        // Also when reusing, and with the untyped overload.
        try store.variableScope(store.rootScope, reuse: .autoReuse) {
            expectError("Dimension -5 must be >= 0\nVariable w: shape [2, -5].") {
                _ = try store.getVariable("w", shape: [2, -5])
            }
        }
        let w: Variable<Float> = try store.getVariable("w", shape: [1, 3])
        #expect(w.name == "w")  // the name was not used up
        #expect(throws: VariableError.negativeDimension(key: "w", shape: [-1, 3], dimension: -1)) {
            let _: Variable<Float> = try store.getVariable("w", shape: [-1, 3])
        }
    }

    @Test("rule 35: a shape too large for memory is an error, not a trap, and uses up the name as in TF")
    func tooLarge() throws {
        let store = VariableStore()
        expectError("Shape [1099511627776, 1099511627776] is too large (more than 2**63 - 1 entries) for 'big'.") {
            let _: Variable<Float> = try store.getVariable("big", shape: [1 << 40, 1 << 40])
        }
        expectError("Shape [1073741824, 1048576] is too large (more than 2**48 bytes of Float32) for 'huge'.") {
            let _: Variable<Float> = try store.getVariable("huge", shape: [1 << 30, 1 << 20])
        }
        let big: Variable<Float> = try store.getVariable("big", shape: [1])
        #expect(big.name == "big_1")
        #expect(store.allVariables.count == 1)
    }

    // MARK: Rule 36: constant initializers

    @Test("rule 36: fewer values fill the rest with the last one; more is TF's error and uses up the name")
    func constantList() throws {
        let store = VariableStore()
        let ci2: Variable<Float> = try store.getVariable("ci2", shape: [2, 3], initializer: .constant([1, 2]))
        #expect(ci2.value.scalars == [1, 2, 2, 2, 2, 2])
        expectError(
            "Too many elements provided. Takes at most 2, but got 3.\nVariable ci: initializer constant([1.0, 2.0, 3.0]), shape [2]."
        ) {
            let _: Variable<Float> = try store.getVariable("ci", shape: [2], initializer: .constant([1, 2, 3]))
        }
        let ci: Variable<Float> = try store.getVariable("ci", shape: [2])
        #expect(ci.name == "ci_1")
        let exact: Variable<Double> = try store.getVariable("exact", shape: [3], initializer: .constant([1, 2, 3]))
        #expect(exact.value.scalars == [1, 2, 3])
        let empty: Variable<Float> = try store.getVariable("empty", shape: [2], initializer: .constant([]))
        #expect(empty.value.scalars == [0, 0])
    }

    @Test("identity: ones on the leading diagonal, times gain; rank 2 only (TF's text)")
    func identityInitializer() throws {
        let store = VariableStore()
        let square: Variable<Float> = try store.getVariable("sq", shape: [3, 3], initializer: .identity())
        #expect(square.value.scalars == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let wide: Variable<Double> = try store.getVariable("wide", shape: [2, 3], initializer: .identity(gain: 2))
        #expect(wide.value.scalars == [2, 0, 0, 0, 2, 0])
        let tall: Variable<Int32> = try store.getVariable("tall", shape: [3, 2], initializer: .identity())
        #expect(tall.value.scalars == [1, 0, 0, 1, 0, 0])
        let text = errorText {
            let _: Variable<Float> = try store.getVariable("v", shape: [3], initializer: .identity())
        }
        #expect(
            text?.firstLine
                == "The tensor to initialize, specified by argument `shape` must be at least two-dimensional. Received shape=[3]"
        )
    }
}
