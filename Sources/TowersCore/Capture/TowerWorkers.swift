import CBLAS
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Threads that run the towers of a captured step at the same time: job 0 on
/// the calling thread, job `i` on worker `i`.
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
    private let pending = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var sleepers = 0  // guarded by `mutex`
    private var threads: [pthread_t] = []

    /// How many times a worker checks for the next phase before it sleeps
    /// (a few hundred microseconds).
    private static let spinLimit = 20_000

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
    package func run(phase p: Int) {
        let jobs = phases[p]
        let others = jobs.count - 1
        if others == 0 {
            jobs[0]()
            return
        }
        phase.store(p, ordering: .relaxed)
        pending.store(others, ordering: .relaxed)
        pthread_mutex_lock(mutex)
        generation.add(1, ordering: .sequentiallyConsistent)
        if sleepers > 0 { pthread_cond_broadcast(condition) }
        pthread_mutex_unlock(mutex)
        jobs[0]()
        while pending.load(ordering: .acquiring) > 0 { spinPause() }
    }

    private func work(as index: Int) {
        // Phases are counted from 0 when the workers are made; a thread that starts
        // late must still run the phases begun before it started.
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen && spins < Self.spinLimit {
                spinPause()
                spins += 1
                current = generation.load(ordering: .acquiring)
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
            let jobs = phases[phase.load(ordering: .relaxed)]
            if index < jobs.count {
                jobs[index]()
                pending.subtract(1, ordering: .releasing)
            }
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
