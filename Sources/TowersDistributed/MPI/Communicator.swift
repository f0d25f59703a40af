import CMPI
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The processes of one MPI job (`MPI_COMM_WORLD`): this process's rank, the
/// number of ranks, and the collective operations data-parallel training needs.
///
/// ``world(collectiveTimeout:)`` initializes MPI once per process (`mpirun`
/// starts the ranks; a program started without it is a job of one rank). MPI
/// errors come back as ``DistributedError/mpi(call:code:message:)`` instead of
/// ending the job, every collective runs under a watchdog
/// (``collectiveTimeout``), and a rank that `mpirun` stops because another rank
/// failed says so on standard error before it exits.
///
/// ```swift
/// let world = try Communicator.world()
/// print("rank \(world.rank) of \(world.size)")
/// defer { world.finalize() }
/// ```
public final class Communicator: @unchecked Sendable {
    /// This process's rank, `0..<size`.
    public let rank: Int
    /// The number of ranks in the job.
    public let size: Int
    /// The ranks on this machine (this one included), and this one's index among them.
    public let localSize: Int
    public let localRank: Int
    /// Seconds a collective operation may wait for the other ranks before this
    /// process stops the job (see ``world(collectiveTimeout:)``).
    public let collectiveTimeout: Double
    /// Whether this is rank 0, which writes checkpoints and prints progress.
    public var isRoot: Bool { rank == 0 }

    let comm: MPI_Comm
    let watchdog: CollectiveWatchdog

    /// The default ``collectiveTimeout``: 5 minutes.
    public static let defaultCollectiveTimeout = 300.0

    private static let shared = Mutex<Communicator?>(nil)
    private static let finalized = Atomic<Bool>(false)

    private init(timeout: Double) throws {
        guard let world = towers_mpi_comm_world() else {
            throw DistributedError.unavailable(reason: "MPI_COMM_WORLD is null")
        }
        try Self.check(MPI_Comm_set_errhandler(world, towers_mpi_errors_return()), "MPI_Comm_set_errhandler")
        var r: Int32 = 0, n: Int32 = 0
        try Self.check(MPI_Comm_rank(world, &r), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(world, &n), "MPI_Comm_size")
        var local = towers_mpi_comm_null()
        try Self.check(
            MPI_Comm_split_type(world, Int32(MPI_COMM_TYPE_SHARED), r, towers_mpi_info_null(), &local),
            "MPI_Comm_split_type")
        var lr: Int32 = 0, ln: Int32 = 0
        try Self.check(MPI_Comm_rank(local, &lr), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(local, &ln), "MPI_Comm_size")
        MPI_Comm_free(&local)
        comm = world
        rank = Int(r)
        size = Int(n)
        localRank = Int(lr)
        localSize = Int(ln)
        collectiveTimeout = timeout
        watchdog = CollectiveWatchdog(timeout: timeout, rank: Int(r))
    }

    /// The job's communicator: initializes MPI on the first call (with thread
    /// support `MPI_THREAD_SERIALIZED`: any thread may call, one at a time) and
    /// returns the same object afterwards.
    ///
    /// - `collectiveTimeout`: seconds a collective may wait for the other ranks;
    ///   past it this process writes why to standard error and exits with status
    ///   1, and `mpirun` ends the job. Set it above the longest time one rank may
    ///   run ahead of another (a checkpoint written by rank 0, a slow start).
    ///   Only the first call's value counts.
    /// - Throws: ``DistributedError/invalidOption(name:message:)`` for a timeout
    ///   that is not a positive number, ``DistributedError/unavailable(reason:)``
    ///   after ``finalize()`` or without thread support, and
    ///   ``DistributedError/mpi(call:code:message:)``.
    public static func world(collectiveTimeout: Double = defaultCollectiveTimeout) throws -> Communicator {
        guard collectiveTimeout.isFinite, collectiveTimeout > 0 else {
            throw DistributedError.invalidOption(
                name: "collectiveTimeout", message: "must be a finite number of seconds > 0, got \(collectiveTimeout)")
        }
        return try shared.withLock { (current: inout Communicator?) throws -> Communicator in
            if let current { return current }
            guard !finalized.load(ordering: .relaxed) else {
                throw DistributedError.unavailable(reason: "MPI was finalized; it cannot start again in one process")
            }
            var initialized: Int32 = 0
            MPI_Initialized(&initialized)
            if initialized == 0 {
                var provided: Int32 = 0
                try check(
                    MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided), "MPI_Init_thread")
                guard provided >= Int32(MPI_THREAD_SERIALIZED) else {
                    throw DistributedError.unavailable(
                        reason: "the MPI library gives thread level \(provided), Towers needs MPI_THREAD_SERIALIZED")
                }
            }
            let world = try Communicator(timeout: collectiveTimeout)
            TerminationNotice.install(rank: world.rank, size: world.size)
            world.watchdog.start()
            current = world
            return world
        }
    }

    /// Ends MPI for this process (`MPI_Finalize`, which waits for every rank to
    /// call it). Call it once every rank is done; later calls do nothing.
    public func finalize() {
        Self.shared.withLock { _ in
            guard !Self.finalized.exchange(true, ordering: .relaxed) else { return }
            watchdog.stop()
            MPI_Finalize()
        }
    }

    /// Ends the whole job now (`MPI_Abort`): for an error on this rank alone,
    /// which the other ranks cannot know about.
    public func abort(code: Int32 = 1) -> Never {
        MPI_Abort(comm, code)
        _exit(code)
    }

    // MARK: Collectives (the training thread only)

    /// Sums `count` elements at `buffer` over every rank, in place.
    func allreduceSum(
        _ buffer: UnsafeMutableRawPointer, count: Int, dtype: MPIDType, what: Collective, step: Int
    )
        throws
    {
        try watched(what, step: step) {
            MPI_Allreduce(
                towers_mpi_in_place(), buffer, Int32(count), dtype.mpi, towers_mpi_sum(), comm)
        }
    }

    /// Copies `bytes` bytes at `buffer` from `root` to every rank.
    func broadcast(
        _ buffer: UnsafeMutableRawPointer, bytes: Int, root: Int = 0, what: Collective, step: Int = -1
    )
        throws
    {
        var offset = 0
        repeat {
            let chunk = min(bytes - offset, Int(Int32.max))
            try watched(what, step: step) {
                MPI_Bcast(buffer + offset, Int32(chunk), towers_mpi_byte(), Int32(root), comm)
            }
            offset += chunk
        } while offset < bytes
    }

    /// Every rank's `bytes`, indexed by rank.
    func allgather(_ bytes: [UInt8], what: Collective, step: Int = -1) throws -> [[UInt8]] {
        var lengths = [Int64](repeating: 0, count: size)
        var mine = Int64(bytes.count)
        try watched(what, step: step) {
            MPI_Allgather(&mine, 1, towers_mpi_int64(), &lengths, 1, towers_mpi_int64(), comm)
        }
        guard let total = Int32(exactly: lengths.reduce(0, +)) else {
            throw DistributedError.unavailable(reason: "an exchange of \(lengths.reduce(0, +)) bytes is too large")
        }
        let counts = lengths.map { Int32($0) }
        var offsets = [Int32](repeating: 0, count: size)
        for i in counts.indices.dropFirst() { offsets[i] = offsets[i - 1] + counts[i - 1] }
        var all = [UInt8](repeating: 0, count: Int(total))
        var send = bytes
        try watched(what, step: step) {
            MPI_Allgatherv(
                &send, Int32(send.count), towers_mpi_byte(), &all, counts, offsets, towers_mpi_byte(), comm)
        }
        return (0..<size).map { Array(all[Int(offsets[$0])..<Int(offsets[$0] + counts[$0])]) }
    }

    /// Waits until every rank gets here. `sleeping: true` polls every 0.5 ms
    /// instead of spinning, so that a waiting rank leaves its core to the others
    /// (a benchmark running on one rank while the rest wait).
    ///
    /// ```swift
    /// try world.barrier()
    /// ```
    public func barrier(sleeping: Bool = false) throws {
        guard sleeping else {
            try watched(.barrier, step: -1) { MPI_Barrier(comm) }
            return
        }
        var request = towers_mpi_request_null()
        try Self.check(MPI_Ibarrier(comm, &request), "MPI_Ibarrier")
        try watched(.barrier, step: -1) { () -> Int32 in
            var done: Int32 = 0
            while true {
                let status = MPI_Test(&request, &done, towers_mpi_status_ignore())
                if status != MPI_SUCCESS || done != 0 { return status }
                usleep(500)
            }
        }
    }

    /// Runs `call` under the watchdog and turns its status into an error.
    @inline(__always)
    private func watched(_ what: Collective, step: Int, _ call: () -> Int32) throws {
        watchdog.begin(what, step: step)
        let status = call()
        watchdog.end()
        try Self.check(status, "\(what.label): MPI call")
    }

    static func check(_ status: Int32, _ call: @autoclosure () -> String) throws {
        guard status != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(status, &text, &length)
        let message = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw DistributedError.mpi(call: call(), code: status, message: message)
    }
}

/// The element types Towers reduces.
enum MPIDType {
    case float, double

    var mpi: MPI_Datatype {
        switch self {
        case .float: towers_mpi_float()
        case .double: towers_mpi_double()
        }
    }
}
