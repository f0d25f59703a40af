// Loops on concrete SIMD vectors for the hottest elementwise passes of a
// training step. Written for `Float` and `Double` separately: the generic
// scalar loops do not vectorise (the compiler cannot rule out that the
// pointers alias, and a floating-point sum must not be reordered).
extension Kernels {
    /// `out[r, j] = x[r, j] + bias[j]`, then `max(·, 0)` when `relu`.
    static func biasAdd(
        _ x: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: Int,
        cols: Int, relu: Bool
    ) {
        for r in 0..<rows {
            let xr = x + r * cols, yr = out + r * cols
            var j = 0
            while j + 16 <= cols {
                var v =
                    UnsafeRawPointer(xr + j).loadUnaligned(as: SIMD16<Float>.self)
                    + UnsafeRawPointer(bias + j).loadUnaligned(as: SIMD16<Float>.self)
                if relu { v.replace(with: 0, where: v .<= 0) }
                UnsafeMutableRawPointer(yr + j).storeBytes(of: v, as: SIMD16<Float>.self)
                j += 16
            }
            while j < cols {
                let v = xr[j] + bias[j]
                yr[j] = relu ? Swift.max(v, 0) : v
                j += 1
            }
        }
    }

    static func biasAdd(
        _ x: UnsafePointer<Double>, _ bias: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, rows: Int,
        cols: Int, relu: Bool
    ) {
        for r in 0..<rows {
            let xr = x + r * cols, yr = out + r * cols
            var j = 0
            while j + 8 <= cols {
                var v =
                    UnsafeRawPointer(xr + j).loadUnaligned(as: SIMD8<Double>.self)
                    + UnsafeRawPointer(bias + j).loadUnaligned(as: SIMD8<Double>.self)
                if relu { v.replace(with: 0, where: v .<= 0) }
                UnsafeMutableRawPointer(yr + j).storeBytes(of: v, as: SIMD8<Double>.self)
                j += 8
            }
            while j < cols {
                let v = xr[j] + bias[j]
                yr[j] = relu ? Swift.max(v, 0) : v
                j += 1
            }
        }
    }

    /// No element has the all-ones exponent of NaN and the infinities (an
    /// integer test on the bits: exact, and no floating-point exceptions).
    static func allFinite(_ p: UnsafePointer<Float>, _ n: Int) -> Bool {
        let exponent = SIMD16<UInt32>(repeating: 0x7F80_0000)
        var bad = SIMDMask<SIMD16<Int32>>(repeating: false)
        var i = 0
        while i + 16 <= n {
            let bits = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<UInt32>.self)
            bad .|= (bits & exponent) .== exponent
            i += 16
        }
        while i < n {
            if !p[i].isFinite { return false }
            i += 1
        }
        return !any(bad)
    }

    static func allFinite(_ p: UnsafePointer<Double>, _ n: Int) -> Bool {
        let exponent = SIMD8<UInt64>(repeating: 0x7FF0_0000_0000_0000)
        var bad = SIMDMask<SIMD8<Int64>>(repeating: false)
        var i = 0
        while i + 8 <= n {
            let bits = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<UInt64>.self)
            bad .|= (bits & exponent) .== exponent
            i += 8
        }
        while i < n {
            if !p[i].isFinite { return false }
            i += 1
        }
        return !any(bad)
    }

    /// `dx = y > 0 ? dy : 0`.
    static func reluBackwardInto(
        y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        var i = 0
        while i + 16 <= n {
            let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(dx + i).storeBytes(of: g.replacing(with: 0, where: v .<= 0), as: SIMD16<Float>.self)
            i += 16
        }
        while i < n {
            dx[i] = y[i] > 0 ? dy[i] : 0
            i += 1
        }
    }

    static func reluBackwardInto(
        y: UnsafePointer<Double>, dy: UnsafePointer<Double>, dx: UnsafeMutablePointer<Double>, _ n: Int
    ) {
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Double>.self)
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(dx + i).storeBytes(of: g.replacing(with: 0, where: v .<= 0), as: SIMD8<Double>.self)
            i += 8
        }
        while i < n {
            dx[i] = y[i] > 0 ? dy[i] : 0
            i += 1
        }
    }
}
