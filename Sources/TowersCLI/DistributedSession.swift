import ArgumentParser
import Foundation
import Towers
import TowersDistributed

#if canImport(Glibc)
    import Glibc
#endif

/// `towers train --distributed`: this process's place in the MPI job, and how
/// the job ends when something fails.
struct DistributedSession {
    let world: Communicator

    init(collectiveTimeout: Double) throws {
        world = try Communicator.world(collectiveTimeout: collectiveTimeout)
    }

    var isRoot: Bool { world.isRoot }

    /// Each rank runs its two towers on two cores when the machine has two
    /// cores for every rank on it; otherwise one after another.
    var towersInParallel: Bool { ProcessInfo.processInfo.activeProcessorCount >= 2 * world.localSize }

    /// Joins the job's data-parallel training: checks the model on every rank,
    /// copies rank 0's weights, and exchanges gradients from the next step on.
    func attach(_ training: SiameseTraining) throws -> DataParallel {
        let parallel = try DataParallel(store: training.store, world: world)
        try parallel.start()
        training.synchronizer = parallel
        return parallel
    }

    /// The line rank 0 prints before training.
    func summary(batchSize: Int, towersInParallel: Bool) -> String {
        let machines = world.localSize == world.size ? "all on this machine" : "\(world.localSize) on this machine"
        return "distributed: \(world.size) rank\(world.size == 1 ? "" : "s") (\(machines)), \(batchSize) pairs per "
            + "rank, global batch \(batchSize * world.size); towers "
            + (towersInParallel ? "on two cores per rank" : "one after another on each rank")
    }

    /// Ends this rank after `error`: every rank prints it; an error that every
    /// rank throws together ends the job in order (`MPI_Finalize`, exit 1), any
    /// other one ends it at once (`MPI_Abort`), so no rank waits for this one.
    func fail(_ error: any Error) -> any Error {
        let collective = (error as? DistributedError)?.isCollective == true || error is TrainingError
        let text = "towers rank \(world.rank) of \(world.size): error: \(error)\n"
        FileHandle.standardError.write(Data(text.utf8))
        guard collective else { world.abort(code: 1) }
        world.finalize()
        return ExitCode.failure
    }
}
