/// Recycles tensor buffers by exact byte size. A training step allocates the same
/// sizes every time, so after a warm-up step its buffers come from here instead of
/// `malloc`. At most `capacityBytes` are kept; beyond that the largest cached
/// buffers are freed first.
enum BufferPool {
    private struct State {
        var free: [Int: [UInt]] = [:]  // addresses, by byte size
        var cachedBytes = 0
        var fresh = 0
        var reused = 0
    }
    private static let state = Locked(State())
    /// The most bytes kept for reuse (64 MiB).
    static let capacityBytes = 64 << 20
    private static let alignment = 64

    static func take(bytes: Int) -> UnsafeMutableRawPointer {
        let reused: UInt? = state.withLock { s in
            guard let address = s.free[bytes]?.popLast() else {
                s.fresh += 1
                return nil
            }
            s.cachedBytes -= bytes
            s.reused += 1
            return address
        }
        if let reused, let p = UnsafeMutableRawPointer(bitPattern: reused) { return p }
        return .allocate(byteCount: bytes, alignment: alignment)
    }

    static func give(_ p: UnsafeMutableRawPointer, bytes: Int) {
        guard bytes <= capacityBytes else { return p.deallocate() }
        let address = UInt(bitPattern: p)
        // Make room by evicting the largest cached buffers: the buffer just
        // released is the likeliest to be needed again (the next step).
        let evicted: [UInt] = state.withLock { s in
            var evicted: [UInt] = []
            while s.cachedBytes + bytes > capacityBytes, let largest = s.free.keys.max() {
                if let a = s.free[largest]?.popLast() {
                    evicted.append(a)
                    s.cachedBytes -= largest
                }
                if s.free[largest]?.isEmpty ?? true { s.free[largest] = nil }
            }
            s.free[bytes, default: []].append(address)
            s.cachedBytes += bytes
            return evicted
        }
        for a in evicted { UnsafeMutableRawPointer(bitPattern: a)?.deallocate() }
    }

    /// Buffers allocated with `malloc` and buffers reused, since the process started.
    static var counts: (fresh: Int, reused: Int) { state.withLock { ($0.fresh, $0.reused) } }
}

/// How tensor memory is being obtained: buffers freshly allocated versus reused
/// from Towers' pool. After a warm-up step, a training step should allocate no
/// fresh buffers.
///
/// ```swift
/// let before = TensorMemory.freshAllocations
/// try step()
/// print(TensorMemory.freshAllocations - before)   // 0 once warmed up
/// ```
public enum TensorMemory {
    /// Tensor buffers allocated from the system so far.
    public static var freshAllocations: Int { BufferPool.counts.fresh }
    /// Tensor buffers served from the pool so far.
    public static var reusedAllocations: Int { BufferPool.counts.reused }
}
