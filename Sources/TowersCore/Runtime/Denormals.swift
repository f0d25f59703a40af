import CBLAS

/// Denormal (subnormal) numbers flushed to zero while Towers runs its own
/// loops, as TensorFlow does on its threads.
///
/// Arithmetic on denormals is about a hundred times slower on x86 CPUs, and an
/// optimizer's slots fall into that range whenever a weight's gradient stays 0
/// (a momentum buffer decaying by 0.9 per step reaches 10⁻³⁸ in about 800
/// steps): without flushing, a siamese step spent a third of its time on them.
public enum Denormals {
    /// Runs `body` with denormal results and inputs treated as zero on this
    /// thread (x86 FTZ and DAZ), restoring the previous mode afterwards.
    ///
    /// ```swift
    /// try Denormals.flushedToZero { try optimizer.step() }
    /// ```
    @inline(__always)
    public static func flushedToZero<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        let saved = towers_get_mxcsr()
        towers_set_mxcsr(saved | flushBits)
        defer { towers_set_mxcsr(saved) }
        return try body()
    }

    /// Treats denormals as zero on the calling thread from now on (Towers' own
    /// threads do this when they start).
    package static func flushOnThisThread() { towers_set_mxcsr(towers_get_mxcsr() | flushBits) }

    /// FTZ (bit 15) and DAZ (bit 6) of the MXCSR register.
    private static let flushBits: UInt32 = 0x8040
}
