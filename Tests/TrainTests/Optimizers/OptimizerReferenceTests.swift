import Layers
import Models
import TestSupport
import Testing
import TowersCore
import Train
import Variables

/// One optimizer configuration and the reference run it must reproduce.
struct ReferenceCase: Sendable, CustomStringConvertible {
    /// The run's name in ``OptimizerReferences/runs``.
    var name: String
    var make: @Sendable (VariableStore) throws -> any Optimizer
    var description: String { name }

    static let all: [ReferenceCase] = [
        // PyTorch (torch.optim).
        ReferenceCase(name: "sgd_nesterov_decay") {
            try SGD(store: $0, learningRate: .constant(0.1), momentum: 0.9, nesterov: true, weightDecay: 0.01)
        },
        ReferenceCase(name: "adam") { try Adam(store: $0, learningRate: .constant(0.05)) },
        ReferenceCase(name: "adam_large_epsilon") { try Adam(store: $0, learningRate: .constant(0.05), epsilon: 0.1) },
        ReferenceCase(name: "adam_l2_clipped") {
            try Adam(store: $0, learningRate: .constant(0.05), beta1: 0.8, beta2: 0.99, weightDecay: 0.1, clipNorm: 1)
        },
        ReferenceCase(name: "adamw") {
            try AdamW(store: $0, learningRate: .constant(0.05), epsilon: 0.1, weightDecay: 0.1)
        },
        ReferenceCase(name: "rmsprop") { try RMSProp(store: $0, learningRate: .constant(0.01)) },
        ReferenceCase(name: "rmsprop_centered_momentum_schedule") {
            try RMSProp(
                store: $0, learningRate: .step(initial: 0.02, factor: 0.5, every: 2), rho: 0.9, momentum: 0.9,
                epsilon: 1e-3, centered: true)
        },
        ReferenceCase(name: "rmsprop_momentum_decay") {
            try RMSProp(store: $0, learningRate: .constant(0.01), momentum: 0.5, weightDecay: 0.05)
        },
        ReferenceCase(name: "adagrad") { try Adagrad(store: $0, learningRate: .constant(0.1)) },
        ReferenceCase(name: "adagrad_decay") {
            try Adagrad(store: $0, learningRate: .constant(0.1), initialAccumulatorValue: 0.5, weightDecay: 0.1)
        },
        // TF1 (tf.compat.v1.train).
        ReferenceCase(name: "tf1_momentum_nesterov") {
            try SGD(store: $0, learningRate: .constant(0.1), momentum: 0.9, nesterov: true)
        },
        ReferenceCase(name: "tf1_adam") { try Adam(store: $0, learningRate: .constant(0.05), convention: .tf1) },
        ReferenceCase(name: "tf1_adam_large_epsilon") {
            try Adam(store: $0, learningRate: .constant(0.05), epsilon: 0.1, convention: .tf1)
        },
        ReferenceCase(name: "tf1_rmsprop") {
            try RMSProp(store: $0, learningRate: .constant(0.01), rho: 0.9, epsilon: 1e-10, convention: .tf1)
        },
        ReferenceCase(name: "tf1_rmsprop_centered_momentum_schedule") {
            try RMSProp(
                store: $0, learningRate: .step(initial: 0.02, factor: 0.5, every: 2), rho: 0.9, momentum: 0.9,
                epsilon: 1e-3, centered: true, convention: .tf1)
        },
        ReferenceCase(name: "tf1_adagrad") {
            try Adagrad(store: $0, learningRate: .constant(0.1), initialAccumulatorValue: 0.1, epsilon: 0)
        },
    ]
}

/// The reference model: one `Dense(2)` tower shared by three inputs
/// (`tower/dense/kernel [3, 2]`, `tower/dense/bias [2]`), loss `Σᵢ Σ (cᵢ ∘ yᵢ + yᵢ² / 2)`.
struct ReferenceModel<T: TensorScalar> {
    let store: VariableStore
    let network: TripletNetwork<T>
    let kernel: Variable<T>
    let bias: Variable<T>
    let inputs: [Tensor<T>]
    let coefficients: [Tensor<T>]

    init(seed: UInt64 = 0) throws {
        typealias R = OptimizerReferences
        store = VariableStore(seed: seed)
        let towers = SharedTowers<T>(store: store) { x in try Dense<T>(units: 2)(x) }
        network = TripletNetwork(towers)
        inputs = try R.inputs.map { try Tensor(shape: [2, 3], scalars: $0.map { T($0) }) }
        coefficients = try R.coefficients.map { try Tensor(shape: [2, 2], scalars: $0.map { T($0) }) }
        _ = try towers.embed(inputs[0])
        kernel = try #require(store.variable(named: "tower/dense/kernel") as? Variable<T>)
        bias = try #require(store.variable(named: "tower/dense/bias") as? Variable<T>)
        kernel.value.assign(try Tensor(shape: [3, 2], scalars: R.kernel.map { T($0) }))
        bias.value.assign(Tensor(R.bias.map { T($0) }))
    }

    /// Runs the three towers and back-propagates the loss.
    func backward() throws {
        let (a, p, n) = try network(inputs[0], inputs[1], inputs[2])
        let terms = zip([a, p, n], coefficients).map { y, c in (c * y).sum() + y.squared().sum() * T(0.5) }
        (terms[0] + terms[1] + terms[2]).backward()
    }

    /// The kernel then the bias, as `Double`s.
    var parameters: [Double] { (kernel.value.scalars + bias.value.scalars).map { Double($0) } }

    /// `steps` steps of `optimizer`; the parameters after each.
    func train(_ optimizer: any Optimizer, steps: Int) throws -> [[Double]] {
        try (0..<steps).map { _ in
            try backward()
            try optimizer.step()
            return parameters
        }
    }
}

@Suite("Optimizers against PyTorch and TF1")
struct OptimizerReferenceTests {
    @Test("Double: every step matches the reference, slots too", arguments: ReferenceCase.all)
    func doubleMatchesReference(c: ReferenceCase) throws {
        let reference = try #require(OptimizerReferences.runs[c.name])
        let model = try ReferenceModel<Double>()
        let optimizer = try c.make(model.store)
        let trajectory = try model.train(optimizer, steps: reference.trajectory.count)
        for (k, (got, expected)) in zip(trajectory, reference.trajectory).enumerated() {
            expectClose(got, expected, relative: 1e-11, absolute: 1e-13, "\(c.name) step \(k + 1)")
        }
        for (slot, expected) in reference.slots {
            let variable = try #require(
                model.store.variable(named: "tower/dense/kernel/\(slot)")?.tensor(as: Double.self),
                "\(c.name): no slot tower/dense/kernel/\(slot)")
            expectClose(variable.scalars, expected, relative: 1e-11, absolute: 1e-13, "\(c.name) slot \(slot)")
        }
        #expect(optimizer.stepCount == reference.trajectory.count)
        if let names = OptimizerReferences.tf1Names[c.name] {
            // The store holds exactly the variables TF1 made, by name.
            #expect(model.store.allVariables.map(\.name).sorted() == names)
        }
    }

    @Test("Float: every step matches the reference to float rounding", arguments: ReferenceCase.all)
    func floatMatchesReference(c: ReferenceCase) throws {
        let reference = try #require(OptimizerReferences.runs[c.name])
        let model = try ReferenceModel<Float>()
        let trajectory = try model.train(try c.make(model.store), steps: reference.trajectory.count)
        for (k, (got, expected)) in zip(trajectory, reference.trajectory).enumerated() {
            expectClose(got, expected, relative: 2e-5, absolute: 2e-5, "\(c.name) step \(k + 1)")
        }
        #expect(
            model.store.variable(named: "tower/dense/kernel/\(reference.slots.keys.sorted()[0])")?.dtype == .float32)
    }

    /// Where an option selects the convention, the two references differ, so each
    /// test above can only pass with the convention it asks for.
    @Test(
        "the PyTorch and TF1 conventions give different trajectories",
        arguments: [
            ("adam_large_epsilon", "tf1_adam_large_epsilon"),
            ("rmsprop_centered_momentum_schedule", "tf1_rmsprop_centered_momentum_schedule"),
        ])
    func conventionsDiffer(pytorch: String, tf1: String) throws {
        let a = try #require(OptimizerReferences.runs[pytorch]).trajectory.last!
        let b = try #require(OptimizerReferences.runs[tf1]).trajectory.last!
        #expect(zip(a, b).map { Swift.abs($0 - $1) }.max()! > 1e-3)
    }
}
