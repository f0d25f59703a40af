/// The contiguous buffer behind one or more tensors (a reshape shares it).
///
/// Owned by reference so a reshaped view and the tensor it came from see the
/// same memory; freed when the last tensor using it goes away.
package final class TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
    package let count: Int
    package let base: UnsafeMutablePointer<Scalar>

    /// An uninitialised buffer of `count` elements (callers fill it).
    package init(uninitializedCount count: Int) {
        self.count = count
        self.base = .allocate(capacity: Swift.max(count, 1))
    }

    /// A zero-filled buffer.
    package convenience init(zeros count: Int) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: 0, count: count)
    }

    deinit { base.deallocate() }
}
