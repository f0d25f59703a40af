/// Read-only vectors of ones for BLAS reductions (column sums as `gemv`, bias
/// adds as `ger`). Grown on demand and never freed or written after creation, so
/// a pointer handed out stays valid and unchanged for the life of the process.
enum Ones {
    private struct Buffers {
        var float: (UnsafeMutablePointer<Float>, Int)?
        var double: (UnsafeMutablePointer<Double>, Int)?
    }
    private static let buffers = Locked(Buffers())

    static func pointer<Scalar: TensorScalar>(_ count: Int, as _: Scalar.Type = Scalar.self) -> UnsafePointer<Scalar> {
        let raw: UnsafeMutableRawPointer = buffers.withLock { b in
            func grow<T: TensorScalar>(_ current: (UnsafeMutablePointer<T>, Int)?) -> (UnsafeMutablePointer<T>, Int) {
                if let current, current.1 >= count { return current }
                // The old buffer is deliberately kept: a concurrent reader may hold it.
                let n = Swift.max(count, 2 * (current?.1 ?? 512))
                let p = UnsafeMutablePointer<T>.allocate(capacity: n)
                p.initialize(repeating: 1, count: n)
                return (p, n)
            }
            if Scalar.self == Float.self {
                b.float = grow(b.float)
                return UnsafeMutableRawPointer(b.float!.0)
            } else {
                b.double = grow(b.double)
                return UnsafeMutableRawPointer(b.double!.0)
            }
        }
        return UnsafePointer(raw.assumingMemoryBound(to: Scalar.self))
    }
}
