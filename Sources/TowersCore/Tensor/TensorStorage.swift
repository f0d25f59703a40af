/// The contiguous buffer behind one or more tensors (a reshape shares it).
///
/// Owned by reference so a reshaped view and the tensor it came from see the
/// same memory; freed when the last tensor using it goes away.
package final class TensorStorage<Scalar: TensorElement>: @unchecked Sendable {
    package let count: Int
    package let base: UnsafeMutablePointer<Scalar>

    /// An uninitialised buffer of `count` elements (callers fill it).
    package init(uninitializedCount count: Int) {
        self.count = count
        self.base = BufferPool.take(bytes: Swift.max(count, 1) * MemoryLayout<Scalar>.stride)
            .bindMemory(to: Scalar.self, capacity: Swift.max(count, 1))
    }

    /// A zero-filled buffer.
    package convenience init(zeros count: Int) {
        self.init(uninitializedCount: count)
        base.zeroElements(count: count)
    }

    deinit { BufferPool.give(UnsafeMutableRawPointer(base), bytes: Swift.max(count, 1) * MemoryLayout<Scalar>.stride) }
}

// Bulk moves as raw memory operations (memcpy / memset). Typed `initialize(from:)`
// and `initialize(repeating:)` in generic code would make one value-witness call
// per element; Tensor elements are `BitwiseCopyable`, so raw bytes are exact.
extension UnsafeMutablePointer where Pointee: TensorElement {
    /// Copies `count` elements from `source` (memcpy).
    @inline(__always)
    package func copyElements(from source: UnsafePointer<Pointee>, count: Int) {
        guard count > 0 else { return }
        UnsafeMutableRawPointer(self).copyMemory(from: source, byteCount: count * MemoryLayout<Pointee>.stride)
    }

    /// Sets `count` elements to zero (memset).
    @inline(__always)
    package func zeroElements(count: Int) {
        guard count > 0 else { return }
        UnsafeMutableRawPointer(self).initializeMemory(
            as: UInt8.self, repeating: 0, count: count * MemoryLayout<Pointee>.stride)
    }
}
