import Foundation
import TestSupport
import Testing
import TowersCore

/// The OpenBLAS runtime: kernel, repair, configuration and threads.
///
/// The tests that switch kernels or thread counts change process-wide state
/// that every other test's BLAS calls read. Switching kernels re-initialises
/// OpenBLAS (`gotoblas_dynamic_quit` then `_init`), and a BLAS call from a test
/// running in parallel in between would find no kernel table. So each of those
/// tests runs its body in a child process (an exit test): the test process never
/// leaves the start-up kernel. The suite is also serialized, and each body ends
/// by restoring the library's own detection and re-running the repair, as a
/// process that went on would have to.
@Suite(.serialized) struct BLASRuntimeTests {
    /// Kernels older than AVX2 + FMA that OpenBLAS can fall back to.
    static let genericKernels: Set<String> = [
        "unknown", "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
        "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat", "sandybridge",
    ]
    static let avx2Kernels: Set<String> = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"]

    static var userChoseKernel: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["OPENBLAS_CORETYPE"] != nil || env["TOWERS_BLAS_REPAIR"] == "0"
    }

    /// A `Float` matmul through the tensor API against a triple loop, at a size
    /// that uses OpenBLAS's edge kernels and one that uses its threads.
    static func matmulMatchesNaive() -> Bool {
        [(37, 23, 29), (130, 67, 97)].enumerated().allSatisfy { i, size in
            let (m, k, n) = size
            let a: Tensor<Float> = Fixture.normal([m, k], seed: 200 + UInt64(i))
            let b: Tensor<Float> = Fixture.normal([k, n], seed: 210 + UInt64(i))
            let reference = Reference.matmul(
                a.doubles, [m, k], b.doubles, [k, n], transposeA: false, transposeB: false)
            let c = a.matmul(b)
            return firstMismatch(c.doubles, reference.values, relative: 1e-5, absolute: 1e-4) == nil
        }
    }

    #if os(Linux)
        @Test func cpuFeaturesAgreeWithProcCpuinfo() throws {
            let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            let line = try #require(cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") })
            let flags = Set(line.split(separator: " ").map(String.init))
            let features = BLAS.CPUFeatures.current
            #expect(features.avx2FMA == flags.isSuperset(of: ["avx2", "fma"]))
            #expect(features.avx512 == flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]))
        }
    #endif

    @Test(.enabled(if: BLAS.CPUFeatures.current.avx2FMA && !userChoseKernel))
    func kernelAfterStartUpIsNotGeneric() {
        let kernel = BLAS.kernelName.lowercased()
        #expect(!Self.genericKernels.contains(kernel), "kernel \(kernel) on an AVX2 CPU")
        #expect(Self.avx2Kernels.contains(kernel), "kernel \(kernel) on an AVX2 CPU")
        let report = BLAS.repairReport
        #expect(report.kernel == BLAS.kernelName)
        switch report.action {
        case .kept, .reselected: break
        case .reverted: Issue.record("the start-up repair failed verification: \(report)")
        }
    }

    @Test func currentKernelComputesCorrectly() {
        #expect(BLAS.verifySgemm())
        #expect(Self.matmulMatchesNaive())
    }

    @Test func configurationAndSummary() {
        #expect(BLAS.configuration.contains("OpenBLAS"))
        #expect(BLAS.threadCount >= 1)
        let summary = BLAS.summary
        #expect(summary.contains("OpenBLAS kernel \(BLAS.kernelName)"))
        #expect(summary.contains("\(BLAS.threadCount) thread"))
        #expect(summary.contains(BLAS.repairReport.description))
    }

    /// Forces the Prescott kernel (what Debian's 0.3.21 picks on new Intel CPUs)
    /// and checks the repair re-selects the best kernel, which then computes right.
    @Test(.enabled(if: BLAS.CPUFeatures.current.avx2FMA))
    func forcedPrescottIsRepaired() async {
        await #expect(processExitsWith: .success) {
            _ = BLAS.repairReport  // the start-up check has run and will not run again
            let environment = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
            #expect(BLAS.select(kernel: "Prescott"), "OpenBLAS is not DYNAMIC_ARCH")
            #expect(BLAS.kernelName == "Prescott")
            #expect(
                ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == environment,
                "select restores the environment")
            #expect(BLASRuntimeTests.matmulMatchesNaive(), "Prescott computes correctly, only slowly")

            let expected = BLAS.CPUFeatures.current.avx512 ? "SkylakeX" : "Haswell"
            let report = BLAS.repairIfNeeded(environment: [:])
            #expect(report.detectedKernel == "Prescott")
            #expect(report.action == .reselected(from: "Prescott", to: expected))
            #expect(report.kernel == expected)
            #expect(report.description == "BLAS kernel \(expected) (repaired: OpenBLAS chose Prescott)")
            #expect(BLAS.kernelName == expected)
            #expect(BLAS.repairReport.kernel == expected)
            #expect(BLASRuntimeTests.matmulMatchesNaive())

            // Restore the library's own detection, repaired as at start-up.
            #expect(BLAS.select(kernel: nil))
            let restored = BLAS.repairIfNeeded()
            #expect(restored.kernel == BLAS.kernelName)
            #expect(BLAS.kernelName != "Prescott")
            #expect(BLASRuntimeTests.avx2Kernels.contains(BLAS.kernelName.lowercased()))
        }
    }

    /// With `OPENBLAS_CORETYPE` set by the user (or the repair turned off) the
    /// repair keeps the kernel, even Prescott.
    @Test(.enabled(if: BLAS.CPUFeatures.current.avx2FMA))
    func repairRespectsTheUser() async {
        await #expect(processExitsWith: .success) {
            _ = BLAS.repairReport
            #expect(BLAS.select(kernel: "Prescott"))
            let user = BLAS.repairIfNeeded(environment: ["OPENBLAS_CORETYPE": "Prescott"])
            #expect(user.action == .kept(reason: "OPENBLAS_CORETYPE=Prescott set by the user"))
            #expect(user.kernel == "Prescott")
            #expect(user.description == "BLAS kernel Prescott (OPENBLAS_CORETYPE=Prescott set by the user)")
            #expect(BLAS.kernelName == "Prescott")

            let disabled = BLAS.repairIfNeeded(environment: ["TOWERS_BLAS_REPAIR": "0"])
            #expect(disabled.action == .kept(reason: "repair disabled by TOWERS_BLAS_REPAIR=0"))
            #expect(BLAS.kernelName == "Prescott")
            #expect(BLAS.repairReport.description.contains("TOWERS_BLAS_REPAIR=0"))

            #expect(BLAS.select(kernel: nil))
            BLAS.repairIfNeeded()
            #expect(BLAS.kernelName != "Prescott")
        }
    }

    /// A kernel that already suits the CPU is kept by an explicit repair too.
    @Test(.enabled(if: BLAS.CPUFeatures.current.avx2FMA))
    func matchingKernelIsKept() async {
        await #expect(processExitsWith: .success) {
            _ = BLAS.repairReport
            #expect(BLAS.select(kernel: "Haswell"))
            let report = BLAS.repairIfNeeded(environment: [:])
            #expect(report.action == .kept(reason: "matches the CPU's AVX2 + FMA") || BLAS.CPUFeatures.current.avx512)
            #expect(BLASRuntimeTests.matmulMatchesNaive())
            #expect(BLAS.select(kernel: nil))
            BLAS.repairIfNeeded()
        }
    }

    @Test func threadCountRoundTrip() async {
        await #expect(processExitsWith: .success) {
            let original = BLAS.threadCount
            #expect(original >= 1)
            BLAS.threadCount = 1
            #expect(BLAS.threadCount == 1)
            #expect(BLASRuntimeTests.matmulMatchesNaive())
            BLAS.threadCount = 2
            #expect(BLAS.threadCount == 2)
            #expect(BLASRuntimeTests.matmulMatchesNaive())
            BLAS.threadCount = original
            #expect(BLAS.threadCount == original)
        }
    }
}
