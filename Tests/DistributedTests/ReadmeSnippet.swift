import TowersDistributed
import Train

/// The README's "Training on several machines" Swift example, as written. It
/// needs `mpirun` to run, so it is compiled here (a change to the API it uses
/// breaks the build) and run, with the harness's options, by the `mpirun` tests
/// through `Tests/MPIHarness`.
func readmeDistributedSnippet(training: SiameseTraining) throws {
    let world = try Communicator.world()
    let parallel = try DataParallel(store: training.store, world: world)
    try parallel.start()  // same model everywhere? then rank 0's weights to all
    training.synchronizer = parallel  // or try DistributedOptimizer(adam, parallel: parallel)
}
