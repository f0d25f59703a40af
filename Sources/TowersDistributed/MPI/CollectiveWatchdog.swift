import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The collective operations Towers runs, for the watchdog's message.
enum Collective: Int, Sendable {
    case none = 0
    case modelCheck, broadcast, gradientAllreduce, lossGather, checkpointStatus, weightCheck, barrier, gather

    var label: String {
        switch self {
        case .none: "nothing"
        case .modelCheck: "the model check at start"
        case .broadcast: "the broadcast of rank 0's variables"
        case .gradientAllreduce: "the gradient allreduce"
        case .lossGather: "the exchange of losses"
        case .checkpointStatus: "waiting for rank 0's checkpoint"
        case .weightCheck: "the check that all ranks hold the same weights"
        case .barrier: "a barrier"
        case .gather: "an exchange of values"
        }
    }
}

/// Stops this process when a collective operation waits longer than a timeout
/// for the other ranks: a rank that is stuck (not dead: Open MPI's launcher ends
/// the job by itself when a rank dies) would otherwise hang the job.
///
/// A background thread checks every 100 ms; on a timeout it writes one line to
/// standard error and exits with status 1, which makes `mpirun` end the job on
/// every rank. Exiting, rather than calling `MPI_Abort` from the watchdog's
/// thread, keeps every MPI call on the training thread.
final class CollectiveWatchdog: Sendable {
    let timeout: Double
    let rank: Int
    private let since = Atomic<UInt64>(0)
    private let operation = Atomic<Int>(0)
    private let step = Atomic<Int>(-1)
    private let stopping = Atomic<Bool>(false)

    init(timeout: Double, rank: Int) {
        self.timeout = timeout
        self.rank = rank
    }

    /// Starts the checking thread (once).
    func start() {
        let thread = Thread { [self] in watch() }
        thread.name = "towers-mpi-watchdog"
        thread.start()
    }

    func stop() { stopping.store(true, ordering: .relaxed) }

    /// Marks `collective` as started (for `step`, or -1).
    @inline(__always)
    func begin(_ collective: Collective, step: Int) {
        operation.store(collective.rawValue, ordering: .relaxed)
        self.step.store(step, ordering: .relaxed)
        since.store(Self.now(), ordering: .releasing)
    }

    @inline(__always)
    func end() { since.store(0, ordering: .releasing) }

    private func watch() {
        let limit = UInt64(timeout * 1e9)
        while !stopping.load(ordering: .relaxed) {
            usleep(100_000)
            let start = since.load(ordering: .acquiring)
            guard start != 0, Self.now() &- start > limit else { continue }
            let what = Collective(rawValue: operation.load(ordering: .relaxed))?.label ?? "a collective operation"
            let at = step.load(ordering: .relaxed)
            let message =
                "towers rank \(rank): \(what)\(at >= 0 ? " at step \(at)" : "") has waited "
                + "\(String(format: "%g", timeout)) s for the other ranks; stopping the job (a rank is stuck or far "
                + "behind; the limit is DataParallel's collectiveTimeout, towers train --collective-timeout)\n"
            FileHandle.standardError.write(Data(message.utf8))
            _exit(1)
        }
    }

    static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
}
