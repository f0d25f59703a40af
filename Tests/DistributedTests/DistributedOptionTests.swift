import Foundation
import Testing

@Suite("towers train --distributed options")
struct DistributedOptionTests {
    @Test(
        "--collective-timeout 0 (or nan) is a usage error naming the option, exit 64, before MPI starts",
        arguments: ["0", "nan", "-5"])
    func badTimeout(_ value: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let run = try MPIRun.run(
            "towers", ["train", "--distributed", "--collective-timeout", value, "--output-dir", scratch.url.path],
            ranks: nil, deadline: 60)
        #expect(run.status == 64)
        #expect(
            run.output.contains(
                "--collective-timeout \(Double(value)!) is out of range: it must be a finite number > 0"),
            "\(run.output)")
    }
}
