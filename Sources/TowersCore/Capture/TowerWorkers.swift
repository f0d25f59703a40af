import CBLAS
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Threads that run the towers of a captured step at the same time: the
/// calling thread and the workers claim a phase's jobs one by one.
///
/// A phase is handed over through atomics, not locks or queues, so it costs
/// well under a microsecond and allocates nothing: a worker spins briefly for
/// the next phase (training steps follow each other closely), then sleeps on a
/// condition variable until woken.
package final class TowerWorkers: @unchecked Sendable {
    /// The jobs of each phase, built once: `phases[p][i]` runs on thread `i`.
    private let phases: [[() -> Void]]
    private let workerCount: Int
    private let generation = Atomic<Int>(0)
    private let phase = Atomic<Int>(0)
    /// `generation · claimStride + the next job to claim` of the running phase.
    private let claims = Atomic<Int>(0)
    /// Jobs of the running phase that have finished.
    private let done = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var sleepers = 0  // guarded by `mutex`
    private var threads: [pthread_t] = []

    /// How long a worker spins for the next phase before it sleeps: longer than
    /// the serial part of a training step (the loss, the update, the next batch),
    /// so that in a training loop workers never have to be woken.
    private static let spinNanoseconds: UInt64 = 2_000_000

    private static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
    /// More than any phase's job count.
    private static let claimStride = 1 << 16

    package init(phases: [[() -> Void]]) {
        self.phases = phases
        workerCount = (phases.map(\.count).max() ?? 1) - 1
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
        for worker in 1...max(workerCount, 1) where workerCount > 0 {
            let context = Unmanaged.passRetained(WorkerContext(workers: self, index: worker)).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(
                &thread, nil,
                { raw in
                    let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                    context.workers.work(as: context.index)
                    return nil
                }, context)
            check(status == 0, "cannot start a tower thread: pthread_create returned \(status)")
            threads.append(thread)
        }
    }

    /// Stops and joins the workers. Must be called before the last reference goes
    /// (the workers hold none).
    package func shutDown() {
        guard !threads.isEmpty else { return }
        stopping.store(true, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        claims.store(0, ordering: .relaxed)
        generation.add(1, ordering: .sequentiallyConsistent)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        for thread in threads { pthread_join(thread, nil) }
        threads = []
    }

    deinit {
        shutDown()
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs phase `p`: every job of it, at the same time; returns when all are done.
    ///
    /// Jobs are claimed, not assigned: the calling thread and each worker take the
    /// next unclaimed job until none is left, so a worker that is slow to wake (or
    /// descheduled on a busy machine) costs nothing but its share. Which thread
    /// runs a job does not change its result: jobs write their own buffers.
    package func run(phase p: Int) {
        let jobs = phases[p]
        if jobs.count == 1 {
            jobs[0]()
            return
        }
        let gen = generation.load(ordering: .relaxed) + 1
        phase.store(p, ordering: .relaxed)
        done.store(0, ordering: .relaxed)
        claims.store(gen * Self.claimStride, ordering: .relaxed)
        pthread_mutex_lock(mutex)
        generation.store(gen, ordering: .sequentiallyConsistent)
        if sleepers > 0 { pthread_cond_broadcast(condition) }
        pthread_mutex_unlock(mutex)
        claimAndRun(jobs, generation: gen)
        var spins = 0
        while done.load(ordering: .acquiring) < jobs.count {
            // A worker still running its job may have been descheduled: after a
            // short spin, give it this core.
            if spins < 256 { spinPause() } else { sched_yield() }
            spins += 1
        }
    }

    /// Claims and runs jobs of generation `gen` until every one is claimed.
    private func claimAndRun(_ jobs: [() -> Void], generation gen: Int) {
        while true {
            var claim = claims.load(ordering: .acquiring)
            while true {
                guard claim / Self.claimStride == gen, claim % Self.claimStride < jobs.count else { return }
                let (exchanged, original) = claims.compareExchange(
                    expected: claim, desired: claim + 1, ordering: .acquiringAndReleasing)
                if exchanged { break }
                claim = original
            }
            jobs[claim % Self.claimStride]()
            done.add(1, ordering: .releasing)
        }
    }

    private func work(as index: Int) {
        // Phases are counted from 0 when the workers are made; a thread that starts
        // late must still take part in the phases begun before it started.
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            let spinUntil = Self.now() + Self.spinNanoseconds
            while current == seen {
                spinPause()
                spins += 1
                current = generation.load(ordering: .acquiring)
                if spins % 256 == 0 && Self.now() > spinUntil { break }
            }
            if current == seen {
                pthread_mutex_lock(mutex)
                sleepers += 1
                while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(condition, mutex) }
                sleepers -= 1
                pthread_mutex_unlock(mutex)
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if stopping.load(ordering: .acquiring) { return }
            claimAndRun(phases[phase.load(ordering: .relaxed)], generation: current)
        }
    }

    private final class WorkerContext {
        let workers: TowerWorkers
        let index: Int
        init(workers: TowerWorkers, index: Int) {
            self.workers = workers
            self.index = index
        }
    }
}

/// A hint to the CPU that this thread is spinning (x86 `pause`).
@inline(__always)
private func spinPause() { towers_spin_pause() }
