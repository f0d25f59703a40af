import Testing
import TowersCore

/// `BLAS.plannedKernel` is a pure function of the library's choice, the CPU and
/// the environment: its table, case by case.
@Suite struct BLASKernelPlanTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var kernel: String
        var avx512 = false
        var avx2 = false
        var user: String? = nil
        var disabled = false
        var target: String?
        var reason: String

        var testDescription: String {
            "\(kernel) on \(avx512 ? "AVX-512" : avx2 ? "AVX2" : "SSE") user=\(user ?? "-") disabled=\(disabled)"
        }
    }

    static let cases: [Case] = [
        // The Debian 0.3.21 bug: Prescott on a CPU it does not know.
        Case(kernel: "Prescott", avx512: true, avx2: true, target: "SkylakeX", reason: "AVX-512 CPU"),
        Case(kernel: "Prescott", avx2: true, target: "Haswell", reason: "AVX2 + FMA CPU"),
        // Other kernels older than the CPU allows.
        Case(kernel: "Core2", avx2: true, target: "Haswell", reason: "AVX2 + FMA CPU"),
        Case(kernel: "Sandybridge", avx2: true, target: "Haswell", reason: "AVX2 + FMA CPU"),
        Case(kernel: "Haswell", avx512: true, avx2: true, target: "SkylakeX", reason: "AVX-512 CPU"),
        // Kernels that already match the CPU are kept, whatever their spelling.
        Case(kernel: "Zen", avx2: true, target: nil, reason: "matches the CPU's AVX2 + FMA"),
        Case(kernel: "Haswell", avx2: true, target: nil, reason: "matches the CPU's AVX2 + FMA"),
        Case(kernel: "haswell", avx2: true, target: nil, reason: "matches the CPU's AVX2 + FMA"),
        Case(kernel: "SkylakeX", avx2: true, target: nil, reason: "matches the CPU's AVX2 + FMA"),
        Case(kernel: "SkylakeX", avx512: true, avx2: true, target: nil, reason: "matches the CPU's AVX-512"),
        Case(kernel: "Cooperlake", avx512: true, avx2: true, target: nil, reason: "matches the CPU's AVX-512"),
        Case(kernel: "SapphireRapids", avx512: true, avx2: true, target: nil, reason: "matches the CPU's AVX-512"),
        // A CPU without AVX2 has nothing better to offer.
        Case(kernel: "Prescott", target: nil, reason: "no AVX2 on this CPU"),
        // The user's OPENBLAS_CORETYPE wins; an empty one does not count.
        Case(
            kernel: "Prescott", avx2: true, user: "Prescott", target: nil,
            reason: "OPENBLAS_CORETYPE=Prescott set by the user"),
        Case(
            kernel: "Prescott", avx512: true, avx2: true, user: "Haswell", target: nil,
            reason: "OPENBLAS_CORETYPE=Haswell set by the user"),
        Case(kernel: "Prescott", avx2: true, user: "", target: "Haswell", reason: "AVX2 + FMA CPU"),
        // TOWERS_BLAS_REPAIR=0 turns everything off, before anything else.
        Case(
            kernel: "Prescott", avx2: true, disabled: true, target: nil,
            reason: "repair disabled by TOWERS_BLAS_REPAIR=0"),
        Case(
            kernel: "Prescott", avx512: true, avx2: true, user: "Zen", disabled: true, target: nil,
            reason: "repair disabled by TOWERS_BLAS_REPAIR=0"),
    ]

    @Test(arguments: cases)
    func plannedKernel(_ c: Case) {
        let plan = BLAS.plannedKernel(
            current: c.kernel, cpu: BLAS.CPUFeatures(avx512: c.avx512, avx2FMA: c.avx2),
            userCoreType: c.user, repairDisabled: c.disabled)
        #expect(plan.target == c.target)
        #expect(plan.reason == c.reason)
    }
}
