import Layers
import Models
import Synchronization
import TestSupport
import Testing
import TowersCore
import Variables

/// The test tower: `[B, 4] → Dense(5, tanh) → Dense(3) → [B, 3]`, in `Double`.
/// Weights: `dense/kernel [4, 5]`, `dense/bias [5]`, `dense_1/kernel [5, 3]`,
/// `dense_1/bias [3]`: 20 + 5 + 15 + 3 = 43 parameters.
enum TestTower {
    static let inputSize = 4
    static let hidden = 5
    static let outputSize = 3
    /// One tower's parameter count, by hand: 4·5 + 5 + 5·3 + 3.
    static let parameterCount = 4 * 5 + 5 + 5 * 3 + 3
    /// The variable names of one tower under the scope `scope`, in creation order.
    static func names(scope: String = "tower") -> [String] {
        ["\(scope)/dense/kernel", "\(scope)/dense/bias", "\(scope)/dense_1/kernel", "\(scope)/dense_1/bias"]
    }

    /// The tower as a plain function (fresh layer instances on every call, so
    /// every call inside a fresh entry of one scope gets the same default names).
    /// Each call reports the variables it used to `recorder`, if given.
    @Sendable static func body(_ x: Tensor<Double>, recorder: UsedVariables?) throws -> Tensor<Double> {
        let first = Dense<Double>(units: hidden, activation: .tanh)
        let second = Dense<Double>(units: outputSize)
        let y = try second(try first(x))
        if let recorder {
            // The weights the layers just used, fetched again (same scope, reuse).
            let bias0: Variable<Double> = try first.inScope { try getVariable("bias", dtype: Double.self) }
            let bias1: Variable<Double> = try second.inScope { try getVariable("bias", dtype: Double.self) }
            recorder.record([try first.kernel(), bias0, try second.kernel(), bias1])
        }
        return y
    }

    static func towers(
        _ store: VariableStore, scope: String = "tower", recorder: UsedVariables? = nil
    )
        -> SharedTowers<Double>
    {
        SharedTowers<Double>(store: store, scope: scope) { x in try body(x, recorder: recorder) }
    }

    static func input(rows: Int, seed: UInt64) -> Tensor<Double> {
        Fixture.normal([rows, inputSize], seed: seed)
    }
}

/// The variables each tower call used, one list per call, in call order.
final class UsedVariables: Sendable {
    private let calls = Mutex<[[any AnyVariable]]>([])
    var perCall: [[any AnyVariable]] { calls.withLock { $0 } }
    func record(_ variables: [any AnyVariable]) { calls.withLock { $0.append(variables) } }
}

/// The trainable variables of `store` as `Double` variables.
func doubleVariables(_ store: VariableStore) -> [Variable<Double>] {
    store.trainableVariables.map { v in
        guard let typed = v as? Variable<Double> else { preconditionFailure("\(v) is not a Double variable") }
        return typed
    }
}

/// Whether two lists hold the same objects in the same order.
func sameObjects(_ a: [any AnyVariable], _ b: [any AnyVariable]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0 === $1 }
}

/// Elementwise `Σ parts`, without recording.
func elementwiseSum(_ parts: [Tensor<Double>]) -> Tensor<Double> {
    withoutGradients { parts.dropFirst().reduce(parts[0].detached()) { $0 + $1.detached() } }
}
