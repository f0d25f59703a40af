import Layers
import TestSupport
import Testing
import TowersCore
import Variables

/// A window configuration (convolution kernel or pooling window).
struct WindowCase: Sendable, CustomTestStringConvertible {
    var window: (Int, Int)
    var strides: (Int, Int)
    var padding: Padding
    var input: [Int] = [2, 6, 5, 3]
    var activation: Activation = .identity
    var useBias = true

    var testDescription: String {
        "\(window.0)×\(window.1) stride \(strides.0)×\(strides.1) \(padding) on \(input)"
            + (activation == .identity ? "" : " \(activation)") + (useBias ? "" : " no bias")
    }

    static let all: [WindowCase] = [
        WindowCase(window: (3, 3), strides: (1, 1), padding: .valid),
        WindowCase(window: (3, 3), strides: (1, 1), padding: .same),
        WindowCase(window: (3, 3), strides: (2, 2), padding: .valid),
        WindowCase(window: (3, 3), strides: (2, 2), padding: .same),
        WindowCase(window: (3, 2), strides: (2, 1), padding: .valid),
        WindowCase(window: (2, 3), strides: (1, 2), padding: .same),
        WindowCase(window: (2, 2), strides: (1, 1), padding: .same, activation: .relu, useBias: false),
        WindowCase(window: (1, 1), strides: (3, 2), padding: .same, input: [1, 7, 4, 2]),
        WindowCase(window: (4, 4), strides: (3, 3), padding: .same, input: [1, 5, 5, 2]),
        WindowCase(window: (5, 5), strides: (1, 1), padding: .valid, input: [2, 5, 5, 1]),
    ]
}

@Suite("Conv2D and pooling against naive loops")
struct ConvolutionPoolingTests {
    static func tolerance<T: TensorScalar>(_: T.Type) -> (relative: Double, absolute: Double) {
        T.self == Float.self ? (1e-4, 1e-5) : (1e-12, 1e-13)
    }

    // MARK: Conv2D

    /// Builds a Conv2D with a random kernel and bias, applies it, and compares
    /// with the direct loop on the same values.
    static func checkConv<T: TensorScalar>(_ c: WindowCase, _: T.Type) throws {
        let store = VariableStore(seed: 12)
        let conv = Conv2D<T>(
            filters: 4, kernelSize: c.window, strides: c.strides, padding: c.padding, activation: c.activation,
            useBias: c.useBias, kernelInitializer: .randomNormal(standardDeviation: 1))
        let x: Tensor<T> = Fixture.normal(c.input, seed: 13)
        _ = try store.asDefault { try conv(x) }
        let kernel = try #require(store.variable(named: "conv2d/kernel")?.tensor(as: T.self))
        #expect(kernel.shape == [c.window.0, c.window.1, c.input[3], 4])
        var bias = [Double](repeating: 0, count: 4)
        if c.useBias {
            let b = try #require(store.variable(named: "conv2d/bias")?.tensor(as: T.self))
            b.assign(Fixture.normal([4], seed: 14))
            bias = b.doubles
        } else {
            #expect(store.variable(named: "conv2d/bias") == nil)
        }
        let y = try store.asDefault { try conv(x) }
        var expected = naiveConv2D(
            x.doubles, c.input, kernel: kernel.doubles, kernel.shape, bias: bias, strides: c.strides,
            same: c.padding == .same)
        if c.activation == .relu { expected.values = expected.values.map { max($0, 0) } }
        let tol = tolerance(T.self)
        expectClose(
            y, shape: expected.shape, expected.values, relative: tol.relative, absolute: tol.absolute,
            "\(c.testDescription)")
    }

    @Test("Conv2D equals the direct convolution (Float and Double)", arguments: WindowCase.all)
    func convMatchesNaive(_ c: WindowCase) throws {
        try Self.checkConv(c, Float.self)
        try Self.checkConv(c, Double.self)
    }

    @Test("Conv2D gradients (input, kernel, bias) match finite differences", arguments: WindowCase.all)
    func convGradients(_ c: WindowCase) throws {
        let store = VariableStore(seed: 15)
        let x: Tensor<Double> = Fixture.normal(c.input, seed: 16)
        // ReLU's kink is crossed by some perturbation of the kernel (every output moves): tanh
        // instead here; ReLU's forward is checked against the naive loop above.
        let activation: Activation = c.activation == .relu ? .tanh : c.activation
        try expectLayerGradientsCorrect(inputs: [x], store: store, c.testDescription) { xs in
            let conv = Conv2D<Double>(
                filters: 4, kernelSize: c.window, strides: c.strides, padding: c.padding, activation: activation,
                useBias: c.useBias)
            return weightedSum(try inTower(store) { try conv(xs[0]) })
        }
        #expect(doubleVariables(store).count == (c.useBias ? 2 : 1))
    }

    /// TF pads `same` convolutions with the smaller half first: a 2×2 kernel on a
    /// 3×3 input pads one row and column at the bottom and right only.
    @Test("Conv2D same padding with an even kernel pads at the end (worked example)")
    func convEvenKernelSame() throws {
        let store = VariableStore()
        let conv = Conv2D<Float>(filters: 1, kernelSize: (2, 2), padding: .same, kernelInitializer: .constant(1))
        let x = try Tensor<Float>(shape: [1, 3, 3, 1], scalars: (1...9).map(Float.init))
        let y = try store.asDefault { try conv(x) }
        #expect(y.shape == [1, 3, 3, 1])
        #expect(y.scalars == [12, 16, 9, 24, 28, 15, 15, 17, 9])
    }

    @Test("Conv2D output shapes follow TF")
    func convShapes() throws {
        let store = VariableStore()
        let x = try Tensor<Float>.zeros([2, 28, 28, 3])
        let shapes = try store.asDefault {
            [
                try Conv2D<Float>(filters: 8, kernelSize: (3, 3))(x).shape,
                try Conv2D<Float>(filters: 8, kernelSize: (3, 3), padding: .same)(x).shape,
                try Conv2D<Float>(filters: 8, kernelSize: (3, 3), strides: (2, 2), padding: .same)(x).shape,
                try Conv2D<Float>(filters: 8, kernelSize: (5, 5), strides: (2, 2))(x).shape,
            ]
        }
        #expect(shapes == [[2, 26, 26, 8], [2, 28, 28, 8], [2, 14, 14, 8], [2, 12, 12, 8]])
        #expect(
            store.allVariables.map(\.name).filter { $0.hasSuffix("kernel") } == [
                "conv2d/kernel", "conv2d_1/kernel", "conv2d_2/kernel", "conv2d_3/kernel",
            ])
    }

    // MARK: Pooling

    static func checkPool<T: TensorScalar>(_ c: WindowCase, max useMax: Bool, _: T.Type) throws {
        let store = VariableStore()
        let x: Tensor<T> = try spreadValues(c.input, seed: 17)
        let y = try store.asDefault {
            useMax
                ? try MaxPool2D<T>(poolSize: c.window, strides: c.strides, padding: c.padding)(x)
                : try AvgPool2D<T>(poolSize: c.window, strides: c.strides, padding: c.padding)(x)
        }
        let expected = naivePool(
            x.doubles, c.input, window: c.window, strides: c.strides, same: c.padding == .same, max: useMax)
        let tol = tolerance(T.self)
        expectClose(
            y, shape: expected.shape, expected.values, relative: tol.relative, absolute: tol.absolute,
            "\(useMax ? "max" : "average") \(c.testDescription)")
        #expect(store.allVariables.isEmpty)
    }

    @Test("MaxPool2D and AvgPool2D equal direct loops (Float and Double)", arguments: WindowCase.all)
    func poolMatchesNaive(_ c: WindowCase) throws {
        for useMax in [true, false] {
            try Self.checkPool(c, max: useMax, Float.self)
            try Self.checkPool(c, max: useMax, Double.self)
        }
    }

    @Test("pooling input gradients match finite differences", arguments: WindowCase.all)
    func poolGradients(_ c: WindowCase) throws {
        let store = VariableStore()
        let x: Tensor<Double> = try spreadValues(c.input, seed: 18)
        for useMax in [true, false] {
            try expectLayerGradientsCorrect(
                inputs: [x], store: store, "\(useMax ? "max" : "average") \(c.testDescription)"
            ) { xs in
                let y = try store.asDefault {
                    useMax
                        ? try MaxPool2D<Double>(poolSize: c.window, strides: c.strides, padding: c.padding)(xs[0])
                        : try AvgPool2D<Double>(poolSize: c.window, strides: c.strides, padding: c.padding)(xs[0])
                }
                return weightedSum(y)
            }
        }
    }

    /// TF's `same` pooling on a 3×3 input with 2×2 windows and stride 2: the
    /// border windows hold only their non-padding taps.
    @Test("same pooling at the border: average of the real taps, max ignoring padding (worked example)")
    func poolSameBorder() throws {
        let store = VariableStore()
        let x = try Tensor<Float>(shape: [1, 3, 3, 1], scalars: (1...9).map { -Float($0) })
        let (avg, mx) = try store.asDefault {
            (
                try AvgPool2D<Float>(poolSize: (2, 2), padding: .same)(x),
                try MaxPool2D<Float>(poolSize: (2, 2), padding: .same)(x)
            )
        }
        #expect(avg.shape == [1, 2, 2, 1])
        #expect(avg.scalars == [-3, -4.5, -7.5, -9])
        // All inputs negative: a zero from padding would win a max that counted it.
        #expect(mx.scalars == [-1, -3, -7, -9])
    }

    @Test("max pooling sends each window's gradient to its maximum only")
    func maxPoolGradientRouting() throws {
        let x = try Tensor<Double>(shape: [1, 2, 4, 1], scalars: [1, 5, 2, 0, 3, 4, 8, 7]).requiringGradient()
        let y = try VariableStore().asDefault { try MaxPool2D<Double>()(x) }
        #expect(y.scalars == [5, 8])
        try (y * Tensor(shape: [1, 1, 2, 1], scalars: [10, 20])).sum().backward()
        #expect(x.grad?.scalars == [0, 10, 0, 0, 0, 0, 20, 0])
    }

    @Test("Flatten keeps the batch and multiplies the rest")
    func flatten() throws {
        let store = VariableStore()
        let (a, b, empty) = try store.asDefault {
            (
                try Flatten<Float>()(Tensor.zeros([3, 2, 3, 2])), try Flatten<Float>()(Tensor.zeros([3])),
                try Flatten<Float>()(Tensor.zeros([0, 3, 4]))
            )
        }
        #expect(a.shape == [3, 12])
        #expect(b.shape == [3, 1])
        #expect(empty.shape == [0, 12], "an empty batch keeps its feature size")
        let x: Tensor<Float> = Fixture.normal([2, 3, 2], seed: 3)
        #expect(try store.asDefault { try Flatten<Float>()(x) }.scalars == x.scalars)
    }

    @Test("a Dense layer after Flatten of an empty batch still gets the right kernel")
    func emptyBatchThroughFlatten() throws {
        let store = VariableStore()
        let y = try store.asDefault { try Dense<Float>(units: 2)(try Flatten<Float>()(Tensor.zeros([0, 3, 4]))) }
        #expect(y.shape == [0, 2])
        #expect(store.variable(named: "dense/kernel")?.shape == [12, 2])
    }
}
