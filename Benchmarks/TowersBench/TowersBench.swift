import ArgumentParser
import CBLAS
import Foundation
import Towers

/// `towers-bench`: Towers against the BLAS roof, in one process.
@main
struct TowersBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "towers-bench",
        abstract: "Benchmarks: matmul vs direct cblas_sgemm, siamese training steps, Conv2D, LSTM, digits loading.",
        version: TowersVersion.string)

    @Option(help: "OpenBLAS threads.") var threads: Int?
    @Flag(help: "Few repetitions and small sizes only (proves the benchmarks still run).") var quick = false
    @Option(help: "Also write the results as JSON to this file.") var json: String?
    @Option(help: "Run only the workloads whose name contains this text.") var filter: String?
    @Flag(help: "Training steps: run only the eager variant (by default both the captured and the eager one).")
    var eager = false
    @Flag(
        help:
            "Under `mpirun -np N --bind-to none`: N ranks × 1 thread beside 1 rank × N threads on the training steps, with the allreduce's time."
    )
    var distributed = false

    func run() throws {
        if distributed { return try DistributedBench.run(quick: quick, filter: filter, json: json) }
        if let threads { BLAS.threadCount = threads }
        let machine = Machine.current
        print("Towers \(TowersVersion.string) benchmarks — \(machine.cpu), \(machine.cores) cores")
        print("build: \(Machine.buildMode), BLAS: \(BLAS.kernelName), \(BLAS.threadCount) thread(s)")
        print("BLAS start-up: \(BLAS.repairReport)")
        var results: [BenchResult] = []
        let selected = { (name: String) in filter.map { name.contains($0) } ?? true }

        let sizes = quick ? [256] : [256, 512, 1024, 2048]
        for n in sizes where selected("matmul-\(n)") { results.append(try MatmulBench.run(n: n, quick: quick)) }
        for w in TrainingWorkload.all where selected(w.name) {
            let gemmOnly = w.gemmOnlyTimes(quick: quick)
            for variant in eager ? [true] : [false, true] {
                results.append(try w.run(quick: quick, eager: variant, gemmOnly: gemmOnly))
            }
            if w.name == "digits-b64" && !eager {
                results.append(try w.run(quick: quick, eager: false, adam: true, gemmOnly: gemmOnly))
            }
        }
        if selected("dense") { results.append(try LayerBench.dense(quick: quick)) }
        if selected("conv2d") { results.append(try LayerBench.conv2D(quick: quick)) }
        if selected("lstm") { results.append(try LayerBench.lstm(quick: quick)) }
        if selected("digits-load") { results.append(try DataBench.digitsLoad(quick: quick)) }

        print("")
        print(BenchResult.table(results))
        print("peak resident memory: \(Machine.peakResidentMegabytes) MB")
        if let json {
            let report = BenchReport(
                machine: machine.cpu, cores: machine.cores, buildMode: Machine.buildMode, blasKernel: BLAS.kernelName,
                threads: BLAS.threadCount, peakResidentMegabytes: Machine.peakResidentMegabytes, results: results)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(report), to: URL(fileURLWithPath: json))
            print("wrote \(json)")
        }
    }
}
