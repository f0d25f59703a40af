import CBLAS
import Foundation
import Synchronization

/// The OpenBLAS library behind every tensor: its kernel, configuration and
/// threads, and Towers' repair of a kernel mis-detection.
///
/// Debian 12's OpenBLAS 0.3.21 picks its SSE3 "Prescott" kernels on recent Intel
/// CPUs it does not know (a detection bug fixed upstream in 0.3.25), running
/// `sgemm` about 5× slower than it could. Before its first BLAS call Towers checks
/// the kernel against the CPU's features and, when the library chose an older
/// kernel than the CPU allows, re-selects `SkylakeX` (AVX-512) or `Haswell`
/// (AVX2 + FMA), then verifies a small `sgemm` against a naive loop, reverting
/// to the library's own choice if the results differ.
///
/// - An `OPENBLAS_CORETYPE` set by the user is never overridden.
/// - `TOWERS_BLAS_REPAIR=0` in the environment turns the repair off.
///
/// ```swift
/// print(BLAS.kernelName)        // "Haswell"
/// print(BLAS.repairReport)      // what Towers found and did
/// BLAS.threadCount = 1
/// ```
public enum BLAS {
    /// What the start-up check found and did.
    public struct RepairReport: Sendable, CustomStringConvertible {
        public enum Action: Sendable, Equatable {
            /// The library's kernel was kept; the reason says why.
            case kept(reason: String)
            /// The kernel was re-selected and verified.
            case reselected(from: String, to: String)
            /// Re-selection was tried but did not verify; the library's choice was restored.
            case reverted(attempted: String, restored: String)
        }
        /// The kernel the library chose on its own.
        public var detectedKernel: String
        /// The kernel in use after the check.
        public var kernel: String
        public var action: Action

        public var description: String {
            switch action {
            case .kept(let reason): return "BLAS kernel \(kernel) (\(reason))"
            case .reselected(let from, let to): return "BLAS kernel \(to) (repaired: OpenBLAS chose \(from))"
            case .reverted(let attempted, let restored):
                return
                    "BLAS kernel \(restored) (tried \(attempted), which failed verification; kept the library's choice)"
            }
        }
    }

    /// The CPU features that decide the best kernel.
    public struct CPUFeatures: Sendable, Equatable {
        public var avx512: Bool
        public var avx2FMA: Bool
        public init(avx512: Bool, avx2FMA: Bool) {
            self.avx512 = avx512
            self.avx2FMA = avx2FMA
        }
        /// This machine's features.
        public static var current: CPUFeatures {
            CPUFeatures(avx512: towers_cpu_has_avx512() != 0, avx2FMA: towers_cpu_has_avx2_fma() != 0)
        }
    }

    private static let avx512Kernels: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
    private static let avx2Kernels: Set<String> = avx512Kernels.union(["haswell", "zen"])

    /// The kernel Towers would re-select, or `nil` to keep `kernel`: a pure
    /// function of the library's choice, the CPU, and the environment.
    public static func plannedKernel(
        current kernel: String, cpu: CPUFeatures, userCoreType: String?, repairDisabled: Bool
    ) -> (target: String?, reason: String) {
        if repairDisabled { return (nil, "repair disabled by TOWERS_BLAS_REPAIR=0") }
        if let user = userCoreType, !user.isEmpty { return (nil, "OPENBLAS_CORETYPE=\(user) set by the user") }
        let k = kernel.lowercased()
        if cpu.avx512 {
            return avx512Kernels.contains(k) ? (nil, "matches the CPU's AVX-512") : ("SkylakeX", "AVX-512 CPU")
        }
        if cpu.avx2FMA {
            return avx2Kernels.contains(k) ? (nil, "matches the CPU's AVX2 + FMA") : ("Haswell", "AVX2 + FMA CPU")
        }
        return (nil, "no AVX2 on this CPU")
    }

    private static let state = Locked<RepairReport?>(nil)

    /// Runs the start-up check once; every BLAS call in Towers goes through here.
    @inline(__always)
    package static func prepare() { _ = once }

    private static let once: Void = { _ = repairIfNeeded() }()

    /// The report of the start-up check (running it if it has not run yet).
    public static var repairReport: RepairReport {
        prepare()
        return state.withLock { $0! }
    }

    /// Checks the kernel and repairs it when needed. Runs at most once on its own;
    /// tests may call it again after changing the kernel.
    @discardableResult
    package static func repairIfNeeded(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> RepairReport {
        let detected = rawKernelName
        let plan = plannedKernel(
            current: detected, cpu: .current, userCoreType: environment["OPENBLAS_CORETYPE"],
            repairDisabled: environment["TOWERS_BLAS_REPAIR"] == "0")
        var report = RepairReport(detectedKernel: detected, kernel: detected, action: .kept(reason: plan.reason))
        if let target = plan.target {
            if select(kernel: target), rawKernelName.lowercased() == target.lowercased(), verifySgemm() {
                report.kernel = rawKernelName
                report.action = .reselected(from: detected, to: report.kernel)
            } else {
                _ = select(kernel: nil)
                report.kernel = rawKernelName
                report.action = .reverted(attempted: target, restored: report.kernel)
            }
        }
        state.withLock { $0 = report }
        return report
    }

    /// Re-initialises a DYNAMIC_ARCH OpenBLAS with `OPENBLAS_CORETYPE=kernel`
    /// (or its own detection for `nil`), restoring the environment afterwards.
    /// Returns `false` when the library cannot re-select (not DYNAMIC_ARCH).
    @discardableResult
    package static func select(kernel: String?) -> Bool {
        typealias Fn = @convention(c) () -> Void
        guard let quitSym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gotoblas_dynamic_quit"),
            let initSym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gotoblas_dynamic_init")
        else { return false }
        let quit = unsafeBitCast(quitSym, to: Fn.self), start = unsafeBitCast(initSym, to: Fn.self)
        let previous = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        if let kernel { setenv("OPENBLAS_CORETYPE", kernel, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
        quit()
        start()
        if let previous { setenv("OPENBLAS_CORETYPE", previous, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
        return true
    }

    /// A 37×29×23 `sgemm` (odd sizes exercise the edge kernels) against a naive loop.
    package static func verifySgemm() -> Bool {
        let m = 37, n = 29, k = 23
        var rng = SeededRandom(seed: 0x70_7765_7273)
        let a = (0..<(m * k)).map { _ in Float(rng.nextUniform() * 2 - 1) }
        let b = (0..<(k * n)).map { _ in Float(rng.nextUniform() * 2 - 1) }
        var c = [Float](repeating: .nan, count: m * n)
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k), 1, a, blasint(k), b,
            blasint(n), 0, &c, blasint(n))
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
                if !(Swift.abs(s - c[i * n + j]) <= 1e-4 * Swift.max(1, Swift.abs(s))) { return false }
            }
        }
        return true
    }

    private static var rawKernelName: String { String(cString: openblas_get_corename()) }

    /// The name of the kernel OpenBLAS runs (`openblas_get_corename()`), e.g. `Haswell`.
    public static var kernelName: String {
        prepare()
        return rawKernelName
    }

    /// OpenBLAS's build configuration (`openblas_get_config()`).
    public static var configuration: String {
        prepare()
        return String(cString: openblas_get_config())
    }

    /// The number of threads OpenBLAS uses for one large call, and the number of
    /// cores the towers of a captured step may run on at once (one means one after
    /// another). Setting it applies to the whole process.
    ///
    /// BLAS calls of fewer than ``smallGemmWork`` multiply-adds run on one thread
    /// whatever this is: OpenBLAS 0.3.21 splits matrix products across threads from
    /// 64³ on (and `ger` from 8192 elements), and on such sizes waking and joining
    /// the threads costs more than it saves (a siamese step of the digits demo ran
    /// about 30% slower on two).
    public static var threadCount: Int {
        get {
            prepare()
            return configuredThreads.load(ordering: .relaxed)
        }
        set {
            check(
                newValue >= 1 && newValue <= Int(Int32.max),
                "BLAS.threadCount must be in 1...\(Int32.max), got \(newValue)")
            prepare()
            configuredThreads.store(newValue, ordering: .relaxed)
            activeThreads.store(newValue, ordering: .relaxed)
            openblas_set_num_threads(Int32(newValue))
        }
    }

    /// BLAS calls of fewer multiply-adds than this run single-threaded.
    public static let smallGemmWork = 1 << 22

    private static let configuredThreads = Atomic<Int>(Int(openblas_get_num_threads()))
    private static let activeThreads = Atomic<Int>(Int(openblas_get_num_threads()))

    /// Picks the thread count for a call of `work` multiply-adds (`m·n·k` for gemm,
    /// `m·n` for gemv and ger, `n` for level 1), telling OpenBLAS only when it
    /// changes. (Another thread's concurrent call may briefly see the other count:
    /// that changes its speed, never its result.)
    @inline(__always)
    package static func prepare(work: Int) {
        prepare()
        let configured = configuredThreads.load(ordering: .relaxed)
        guard configured > 1 else { return }
        let wanted = work < smallGemmWork || singleThreadSections.load(ordering: .relaxed) > 0 ? 1 : configured
        if activeThreads.exchange(wanted, ordering: .relaxed) != wanted {
            openblas_set_num_threads(Int32(wanted))
        }
    }

    /// How many sections that want every BLAS call on one thread are running.
    private static let singleThreadSections = Atomic<Int>(0)

    /// Runs `body` with every BLAS call single-threaded: for work that is already
    /// spread over the cores (the towers of a captured step, one per core).
    package static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        singleThreadSections.add(1, ordering: .relaxed)
        defer { singleThreadSections.subtract(1, ordering: .relaxed) }
        prepare(work: 0)
        return try body()
    }

    /// One line for logs: kernel, threads, repair.
    public static var summary: String {
        "OpenBLAS kernel \(kernelName), \(threadCount) thread\(threadCount == 1 ? "" : "s") — \(repairReport)"
    }
}
