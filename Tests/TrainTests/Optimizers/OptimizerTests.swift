import Foundation
import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Train
import Variables

/// A bad option and the error it must throw.
struct BadOption: Sendable, CustomStringConvertible {
    var description: String
    var expected: OptimizerError
    var make: @Sendable (VariableStore) throws -> any Optimizer

    static let all: [BadOption] = [
        BadOption(
            description: "SGD momentum -0.5",
            expected: OptimizerError(optimizer: "SGD", option: "momentum", "must be finite and ≥ 0, got -0.5")
        ) { try SGD(store: $0, learningRate: .constant(0.1), momentum: -0.5) },
        BadOption(
            description: "SGD weightDecay nan",
            expected: OptimizerError(optimizer: "SGD", option: "weightDecay", "must be finite and ≥ 0, got nan")
        ) { try SGD(store: $0, learningRate: .constant(0.1), weightDecay: .nan) },
        BadOption(
            description: "SGD nesterov without momentum",
            expected: OptimizerError(optimizer: "SGD", option: "nesterov", "needs momentum > 0")
        ) { try SGD(store: $0, learningRate: .constant(0.1), nesterov: true) },
        BadOption(
            description: "a negative learning rate",
            expected: OptimizerError(optimizer: "Adam", option: "learningRate", "must be finite and ≥ 0, got -0.001")
        ) { try Adam(store: $0, learningRate: .constant(-0.001)) },
        BadOption(
            description: "a step schedule every 0 steps",
            expected: OptimizerError(
                optimizer: "RMSProp", option: "learningRate", "step schedule needs every > 0, got 0")
        ) { try RMSProp(store: $0, learningRate: .step(initial: 0.1, factor: 0.5, every: 0)) },
        BadOption(
            description: "a cosine schedule over 0 steps",
            expected: OptimizerError(
                optimizer: "Adagrad", option: "learningRate", "cosine schedule needs totalSteps > 0, got 0")
        ) { try Adagrad(store: $0, learningRate: .cosine(initial: 0.1, totalSteps: 0)) },
        BadOption(
            description: "clipNorm 0",
            expected: OptimizerError(optimizer: "AdamW", option: "clipNorm", "must be finite and > 0, got 0.0")
        ) { try AdamW(store: $0, learningRate: .constant(0.1), clipNorm: 0) },
        BadOption(
            description: "Adam beta1 1",
            expected: OptimizerError(optimizer: "Adam", option: "beta1", "must be in [0, 1), got 1.0")
        ) { try Adam(store: $0, learningRate: .constant(0.1), beta1: 1) },
        BadOption(
            description: "AdamW beta2 -0.1",
            expected: OptimizerError(optimizer: "AdamW", option: "beta2", "must be in [0, 1), got -0.1")
        ) { try AdamW(store: $0, learningRate: .constant(0.1), beta2: -0.1) },
        BadOption(
            description: "Adam epsilon -1",
            expected: OptimizerError(optimizer: "Adam", option: "epsilon", "must be finite and ≥ 0, got -1.0")
        ) { try Adam(store: $0, learningRate: .constant(0.1), epsilon: -1) },
        BadOption(
            description: "RMSProp rho 1",
            expected: OptimizerError(optimizer: "RMSProp", option: "rho", "must be in [0, 1), got 1.0")
        ) { try RMSProp(store: $0, learningRate: .constant(0.1), rho: 1) },
        BadOption(
            description: "RMSProp momentum infinity",
            expected: OptimizerError(optimizer: "RMSProp", option: "momentum", "must be finite and ≥ 0, got inf")
        ) { try RMSProp(store: $0, learningRate: .constant(0.1), momentum: .infinity) },
        BadOption(
            description: "Adagrad with no accumulator and no epsilon",
            expected: OptimizerError(
                optimizer: "Adagrad", option: "epsilon",
                "must be > 0 when initialAccumulatorValue is 0 (a zero gradient would give 0/0)")
        ) { try Adagrad(store: $0, learningRate: .constant(0.1), epsilon: 0) },
        BadOption(
            description: "Adagrad initialAccumulatorValue -0.1",
            expected: OptimizerError(
                optimizer: "Adagrad", option: "initialAccumulatorValue", "must be finite and ≥ 0, got -0.1")
        ) { try Adagrad(store: $0, learningRate: .constant(0.1), initialAccumulatorValue: -0.1) },
    ]
}

@Suite("Optimizers")
struct OptimizerTests {
    typealias F = TrainingFixtures

    @Test("bad options throw an OptimizerError naming the optimizer, option and value", arguments: BadOption.all)
    func badOptionsThrow(bad: BadOption) throws {
        let store = VariableStore()
        let error = caughtError { _ = try bad.make(store) }
        #expect(error as? OptimizerError == bad.expected)
        #expect(
            "\(error.map { "\($0)" } ?? "")"
                == "\(bad.expected.optimizer): \(bad.expected.option) \(bad.expected.message)")
    }

    @Test("slots have TF1's names, one set per variable, and Adam has its beta powers")
    func slotNames() throws {
        let names: [(any Optimizer.Type, (VariableStore) throws -> any Optimizer, [String], [String])] = [
            (SGD.self, { try SGD(store: $0, learningRate: .constant(0.1), momentum: 0.9) }, ["Momentum"], []),
            (SGD.self, { try SGD(store: $0, learningRate: .constant(0.1)) }, [], []),
            (
                Adam.self, { try Adam(store: $0, learningRate: .constant(0.1)) }, ["Adam", "Adam_1"],
                ["beta1_power", "beta2_power"]
            ),
            (
                AdamW.self, { try AdamW(store: $0, learningRate: .constant(0.1)) }, ["AdamW", "AdamW_1"],
                ["beta1_power", "beta2_power"]
            ),
            (RMSProp.self, { try RMSProp(store: $0, learningRate: .constant(0.1)) }, ["RMSProp"], []),
            (
                RMSProp.self, { try RMSProp(store: $0, learningRate: .constant(0.1), momentum: 0.9) },
                ["RMSProp", "RMSProp_1"], []
            ),
            (
                RMSProp.self, { try RMSProp(store: $0, learningRate: .constant(0.1), momentum: 0.9, centered: true) },
                ["RMSProp", "RMSProp_1", "RMSProp_2"], []
            ),
            (
                RMSProp.self, { try RMSProp(store: $0, learningRate: .constant(0.1), convention: .tf1) },
                ["RMSProp", "RMSProp_1"], []
            ),
            (Adagrad.self, { try Adagrad(store: $0, learningRate: .constant(0.1)) }, ["Adagrad"], []),
        ]
        for (_, make, slots, extra) in names {
            let model = try ReferenceModel<Float>()
            let optimizer = try make(model.store)
            _ = try model.train(optimizer, steps: 2)
            let weights = ["tower/dense/kernel", "tower/dense/bias"]
            let expected = weights + ["global_step"] + extra + weights.flatMap { w in slots.map { "\(w)/\($0)" } }
            #expect(model.store.allVariables.map(\.name) == expected, "\(type(of: optimizer))")
            for v in model.store.allVariables where !weights.contains(v.name) {
                #expect(!v.trainable, "\(v.name)")
                #expect(v.dtype == (v.name == "global_step" ? .int64 : .float32), "\(v.name)")
            }
        }
    }

    @Test("Adam's beta powers are β^t after t steps; a second Adam on the store gets its own")
    func betaPowers() throws {
        let model = try ReferenceModel<Double>()
        let adam = try Adam(store: model.store, learningRate: .constant(0.01), beta1: 0.8, beta2: 0.9)
        _ = try model.train(adam, steps: 3)
        let beta1Power = try #require(model.store.variable(named: "beta1_power")?.tensor(as: Double.self))
        let beta2Power = try #require(model.store.variable(named: "beta2_power")?.tensor(as: Double.self))
        expectClose(beta1Power.scalar, 0.8 * 0.8 * 0.8 * 0.8, relative: 1e-15)
        expectClose(beta2Power.scalar, 0.9 * 0.9 * 0.9 * 0.9, relative: 1e-15)
        // A second Adam over the same variables: its own powers, the same slots, one global_step.
        let second = try Adam(store: model.store, learningRate: .constant(0.01))
        _ = try model.train(second, steps: 1)
        #expect(model.store.variable(named: "beta1_power_1")?.tensor(as: Double.self)?.scalar == 0.9 * 0.9)
        #expect(model.store.allVariables.filter { $0.name.hasPrefix("global_step") }.count == 1)
        #expect(second.stepCount == 4 && adam.stepCount == 4)
    }

    @Test("global_step is an Int64 counting the steps of the store's optimizers")
    func globalStepIsInt64() throws {
        let model = try ReferenceModel<Double>()
        let adam = try Adam(store: model.store, learningRate: .constant(0.01))
        let step = try #require(model.store.variable(named: "global_step") as? Variable<Int64>)
        #expect(step.value.scalar == 0 && !step.trainable && step.shape == [])
        for k in 0..<3 {
            try model.backward()
            #expect(try adam.step().step == k)
        }
        #expect(step.value.scalar == 3 && adam.stepCount == 3)
        step.value.fill(with: 41)
        #expect(adam.stepCount == 41)
    }

    @Test("a weight shared by three towers has one set of slots and is updated once per step")
    func sharedWeightUpdatedOnce() throws {
        // One step from zero slots: m = (1 − β₁)·g, v = (1 − β₂)·g², so PyTorch's
        // Adam moves every element by lr · g / (|g| + ε/√(1 − β₂)·…) ≈ lr · sign(g).
        let model = try ReferenceModel<Double>()
        let before = model.parameters
        try model.backward()
        let summed = (model.kernel.gradient!.scalars + model.bias.gradient!.scalars)
        let adam = try Adam(store: model.store, learningRate: .constant(0.01), epsilon: 0)
        try adam.step()
        let moved = zip(model.parameters, before).map { $0 - $1 }
        // Updated twice or three times, a weight would move by 2 or 3 × lr.
        expectClose(moved, summed.map { $0 > 0 ? -0.01 : 0.01 }, relative: 1e-12)
        #expect(model.store.allVariables.filter { $0.name.hasSuffix("/Adam") }.count == 2)
    }

    @Test("a plan is made once and reused while the variables stay the same")
    func plansAreReused() throws {
        let model = try ReferenceModel<Double>()
        let adam = try Adam(store: model.store, learningRate: .constant(0.01))
        let plan = try adam.prepare()
        #expect(plan.variables.map(\.name) == ["tower/dense/kernel", "tower/dense/bias"])
        #expect(try adam.prepare() === plan)
        _ = try model.train(adam, steps: 2)
        #expect(try adam.prepare() === plan, "step() made a new plan")
        // An explicit list: one plan per list, reused for the same list.
        let kernelOnly = try adam.prepare([model.kernel])
        #expect(kernelOnly !== plan)
        #expect(try adam.prepare([model.kernel]) === kernelOnly)
        // A new trainable variable is picked up by the default plan.
        let extra: Variable<Double> = try model.store.getVariable("extra", shape: [2], initializer: .ones)
        let grown = try adam.prepare()
        #expect(grown !== plan)
        #expect(grown.variables.last === extra)
        #expect(model.store.variable(named: "extra/Adam") != nil)
    }

    @Test("a step with a plan updates only its variables; a plan of another optimizer is refused")
    func stepWithPlan() throws {
        let model = try ReferenceModel<Double>()
        let sgd = try SGD(store: model.store, learningRate: .constant(0.5))
        let plan = try sgd.prepare([model.bias])
        try model.backward()
        let kernel = model.kernel.value.scalars, bias = model.bias.value.scalars
        let gb = model.bias.gradient!.scalars
        try sgd.step(plan)
        #expect(model.kernel.value.scalars == kernel)
        #expect(model.bias.value.scalars == zip(bias, gb).map { $0 - 0.5 * $1 })
        #expect(model.bias.gradient!.scalars.allSatisfy { $0 == 0 })
        #expect(model.kernel.gradient!.scalars.contains { $0 != 0 }, "the kernel's gradient is left for another plan")
        let other = try SGD(store: model.store, learningRate: .constant(0.5))
        let error = caughtError { try other.step(plan) }
        #expect(
            error as? OptimizerError
                == OptimizerError(
                    optimizer: "SGD", option: "plan",
                    "was made by another optimizer; make it with this one's prepare(_:)"))
    }

    @Test("an Adam run resumed from a checkpoint continues exactly", arguments: [false, true])
    func adamResumes(tf1: Bool) throws {
        let dir = try F.Scratch("adam")
        defer { dir.remove() }
        func run(_ steps: Int, resumeFrom url: URL? = nil) throws -> [String: [UInt64]] {
            let model = try ReferenceModel<Double>()
            let adam = try Adam(
                store: model.store, learningRate: .cosine(initial: 0.05, totalSteps: 6),
                convention: tf1 ? .tf1 : .pytorch)
            try adam.createSlots()
            if let url { try Checkpoint.load(into: model.store, from: url) }
            for _ in 0..<steps {
                try model.backward()
                try adam.step()
            }
            return F.snapshot(model.store)
        }
        let straight = try run(5)
        let url = dir.file("adam.safetensors")
        let model = try ReferenceModel<Double>()
        let adam = try Adam(
            store: model.store, learningRate: .cosine(initial: 0.05, totalSteps: 6), convention: tf1 ? .tf1 : .pytorch)
        _ = try model.train(adam, steps: 3)
        try Checkpoint.save(model.store, to: url)
        let resumed = try run(2, resumeFrom: url)
        #expect(F.differences(straight, resumed).isEmpty)
        #expect(straight["global_step"] == [5])
        #expect(Set(straight.keys).isSuperset(of: ["beta1_power", "beta2_power", "tower/dense/kernel/Adam_1"]))
    }

    @Test("every optimizer conforms to Optimizer and steps through the protocol")
    func protocolUse() throws {
        let makers: [(VariableStore) throws -> any Optimizer] = [
            { try SGD(store: $0, learningRate: .constant(0.01), momentum: 0.5) },
            { try Adam(store: $0, learningRate: .constant(0.01)) },
            { try AdamW(store: $0, learningRate: .constant(0.01)) },
            { try RMSProp(store: $0, learningRate: .constant(0.01)) },
            { try Adagrad(store: $0, learningRate: .constant(0.01)) },
        ]
        for make in makers {
            let model = try ReferenceModel<Float>()
            let optimizer = try make(model.store)
            let start = model.parameters
            let info = try model.train(optimizer, steps: 1)
            #expect(info[0] != start)
            optimizer.learningRate = .constant(0)
            try model.backward()
            let frozen = model.parameters
            let step = try optimizer.step()
            #expect(step.learningRate == 0 && step.step == 1)
            // AdamW's decay is scaled by the learning rate, so lr 0 freezes every optimizer.
            #expect(model.parameters == frozen, "\(type(of: optimizer))")
            optimizer.zeroGradients()
        }
    }

    @Test("the sharing report counts no optimizer state as parameters, whatever the optimizer")
    func sharingReportLeavesOutOptimizerState() throws {
        let makers: [(VariableStore) throws -> any Optimizer] = [
            { try SGD(store: $0, learningRate: .constant(0.01), momentum: 0.5) },
            { try Adam(store: $0, learningRate: .constant(0.01)) },
            { try AdamW(store: $0, learningRate: .constant(0.01)) },
            { try RMSProp(store: $0, learningRate: .constant(0.01), momentum: 0.9, centered: true) },
            { try Adagrad(store: $0, learningRate: .constant(0.01)) },
        ]
        for make in makers {
            let model = try ReferenceModel<Float>()
            _ = try model.train(try make(model.store), steps: 1)
            let report = SharingReport(store: model.store)
            #expect(report.totalParameters == 8 && report.trainableParameters == 8)
            #expect(report.modelRows.map(\.name) == ["tower/dense/kernel", "tower/dense/bias"])
            #expect(report.optimizerStateParameters == model.store.allVariables.map(\.parameterCount).reduce(0, +) - 8)
            #expect(report.repeatedBlocks.isEmpty && report.unsharedSuspects.isEmpty)
        }
    }
}
