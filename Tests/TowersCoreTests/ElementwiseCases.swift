// The elementwise operations under test, shared by the forward, gradient and
// broadcasting tests: each case knows how to apply itself to a tensor of either
// precision and what it computes, written with Foundation math.

import Foundation
import TestSupport
import TowersCore

enum UnaryCase: String, CaseIterable, Sendable {
    case negate, relu, leakyRelu, leakyReluAlpha, tanh, sigmoid, softplus, exp, log, sqrt, squared, abs, hinge

    func apply<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> {
        switch self {
        case .negate: -x
        case .relu: x.relu()
        case .leakyRelu: x.leakyRelu()
        case .leakyReluAlpha: x.leakyRelu(alpha: 0.05)
        case .tanh: x.tanh()
        case .sigmoid: x.sigmoid()
        case .softplus: x.softplus()
        case .exp: x.exp()
        case .log: x.log()
        case .sqrt: x.sqrt()
        case .squared: x.squared()
        case .abs: x.abs()
        case .hinge: x.hinge()
        }
    }

    func reference(_ x: Double) -> Double {
        switch self {
        case .negate: -x
        case .relu, .hinge: x > 0 ? x : 0
        case .leakyRelu: x > 0 ? x : 0.2 * x
        case .leakyReluAlpha: x > 0 ? x : 0.05 * x
        case .tanh: Foundation.tanh(x)
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        case .softplus: Foundation.log(1 + Foundation.exp(x))
        case .exp: Foundation.exp(x)
        case .log: Foundation.log(x)
        case .sqrt: Foundation.sqrt(x)
        case .squared: x * x
        case .abs: Swift.abs(x)
        }
    }

    /// Inputs inside the op's domain and away from its kinks.
    func input<S: TensorScalar>(_ shape: [Int], seed: UInt64) -> Tensor<S> {
        switch self {
        case .log, .sqrt: Fixture.positive(shape, in: 0.3...3, seed: seed)
        case .relu, .hinge, .leakyRelu, .leakyReluAlpha, .abs:
            Fixture.awayFromZero(shape, magnitude: 0.2...2, seed: seed)
        default: Fixture.uniform(shape, in: -2.5...2.5, seed: seed)
        }
    }
}

enum BinaryCase: String, CaseIterable, Sendable {
    case add, subtract, multiply, divide

    func apply<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>) -> Tensor<S> {
        switch self {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        }
    }

    func reference(_ a: Double, _ b: Double) -> Double {
        switch self {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        }
    }
}

/// Operand shapes for the broadcasting rules: equal shapes, one-element tensors,
/// rows (`[n]`, `[1, n]`, trailing dimensions) and columns (`[m, 1]`), on either side.
enum BroadcastCase: String, CaseIterable, Sendable {
    case equal, scalarRight, scalarLeft, oneByOneRight, oneByOneLeft
    case rowRight, rowLeft, row2DRight, row2DLeft, columnRight, columnLeft
    case rank3RowRight, rank3MatrixRight, rank3ColumnRight, rank3RowLeft
    case columnByRow, largeRowRight, largeRowLeft, largeColumnRight

    var shapes: (a: [Int], b: [Int]) {
        switch self {
        case .equal: ([3, 4], [3, 4])
        case .scalarRight: ([3, 4], [])
        case .scalarLeft: ([], [3, 4])
        case .oneByOneRight: ([3, 4], [1, 1])
        case .oneByOneLeft: ([1], [3, 4])
        case .rowRight: ([3, 4], [4])
        case .rowLeft: ([4], [3, 4])
        case .row2DRight: ([3, 4], [1, 4])
        case .row2DLeft: ([1, 4], [3, 4])
        case .columnRight: ([3, 4], [3, 1])
        case .columnLeft: ([3, 1], [3, 4])
        case .rank3RowRight: ([2, 3, 4], [4])
        case .rank3MatrixRight: ([2, 3, 4], [3, 4])
        case .rank3ColumnRight: ([2, 3, 4], [2, 1, 1])
        case .rank3RowLeft: ([1, 3, 4], [2, 3, 4])
        case .columnByRow: ([3, 1], [1, 4])
        case .largeRowRight: ([70, 33], [33])
        case .largeRowLeft: ([1, 33], [70, 33])
        case .largeColumnRight: ([70, 33], [70, 1])
        }
    }

    /// Small enough for finite differences.
    var isSmall: Bool { ![.largeRowRight, .largeRowLeft, .largeColumnRight].contains(self) }

    var outputShape: [Int] {
        let (a, b) = shapes
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        return zip(pa, pb).map { max($0, $1) }
    }

    /// Operands of random sign away from zero: divisors stay away from the pole
    /// and no product's gradient is accidentally tiny.
    func operands<S: TensorScalar>(seed: UInt64) -> (Tensor<S>, Tensor<S>) {
        (
            Fixture.awayFromZero(shapes.a, magnitude: 0.3...2, seed: seed),
            Fixture.awayFromZero(shapes.b, magnitude: 0.5...2, seed: seed &+ 1)
        )
    }
}

/// A tensor combined with a plain scalar constant, on either side.
enum ScalarConstantCase: String, CaseIterable, Sendable {
    case tensorPlusScalar, scalarPlusTensor, tensorMinusScalar, scalarMinusTensor
    case tensorTimesScalar, scalarTimesTensor, tensorOverScalar, scalarOverTensor

    static let constant = 1.75

    func apply<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> {
        let c = S(Self.constant)
        switch self {
        case .tensorPlusScalar: return x + c
        case .scalarPlusTensor: return c + x
        case .tensorMinusScalar: return x - c
        case .scalarMinusTensor: return c - x
        case .tensorTimesScalar: return x * c
        case .scalarTimesTensor: return c * x
        case .tensorOverScalar: return x / c
        case .scalarOverTensor: return c / x
        }
    }

    func reference(_ x: Double) -> Double {
        let c = Self.constant
        switch self {
        case .tensorPlusScalar, .scalarPlusTensor: return x + c
        case .tensorMinusScalar: return x - c
        case .scalarMinusTensor: return c - x
        case .tensorTimesScalar, .scalarTimesTensor: return x * c
        case .tensorOverScalar: return x / c
        case .scalarOverTensor: return c / x
        }
    }
}
