import Foundation
import TestSupport
import Testing
import Train

@Suite("Learning-rate schedules")
struct LearningRateScheduleTests {
    @Test("constant: the same rate at every step")
    func constant() {
        let s = LearningRateSchedule.constant(0.05)
        #expect([0, 1, 100, 1_000_000].map(s.rate(at:)) == [0.05, 0.05, 0.05, 0.05])
        #expect(s.description == "constant(0.05)")
    }

    @Test("step: initial · factor^⌊step / every⌋")
    func staircase() {
        let s = LearningRateSchedule.step(initial: 0.1, factor: 0.5, every: 10)
        #expect(s.rate(at: 0) == 0.1)
        #expect(s.rate(at: 9) == 0.1)
        #expect(s.rate(at: 10) == 0.05)
        #expect(s.rate(at: 19) == 0.05)
        #expect(s.rate(at: 20) == 0.025)
        #expect(s.rate(at: 35) == 0.1 * 0.125)
        let tenth = LearningRateSchedule.step(initial: 1, factor: 0.1, every: 3)
        expectClose(tenth.rate(at: 7), 0.01, relative: 1e-15)
        #expect(s.description == "step(0.1, ×0.5 every 10)")
    }

    @Test("cosine: from initial to minimum over totalSteps, then minimum")
    func cosine() {
        let s = LearningRateSchedule.cosine(initial: 0.05, totalSteps: 100, minimum: 0.001)
        #expect(s.rate(at: 0) == 0.05)
        expectClose(s.rate(at: 50), 0.0255, relative: 1e-14)
        expectClose(s.rate(at: 25), 0.001 + 0.049 * 0.5 * (1 + Foundation.cos(Double.pi / 4)), relative: 1e-14)
        expectClose(s.rate(at: 75), 0.001 + 0.049 * 0.5 * (1 - Foundation.cos(Double.pi / 4)), relative: 1e-14)
        expectClose(s.rate(at: 99), 0.001 + 0.049 * 0.5 * (1 + Foundation.cos(Double.pi * 0.99)), relative: 1e-14)
        #expect(s.rate(at: 100) == 0.001)
        #expect(s.rate(at: 5000) == 0.001)
        // Monotonically non-increasing over the schedule.
        let rates = (0...100).map(s.rate(at:))
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 >= $1 })
        // The default minimum is 0.
        let toZero = LearningRateSchedule.cosine(initial: 1, totalSteps: 4)
        expectClose(toZero.rate(at: 2), 0.5, relative: 1e-15)
        #expect(toZero.rate(at: 4) == 0)
        #expect(s.description == "cosine(0.05 → 0.001 over 100)")
    }

    @Test("the documented example: cosine(0.05 → 0.001 over 3000) at 1500 ≈ 0.0255")
    func documentedExample() {
        let s = LearningRateSchedule.cosine(initial: 0.05, totalSteps: 3000, minimum: 0.001)
        expectClose(s.rate(at: 1500), 0.0255, relative: 1e-12)
    }
}
