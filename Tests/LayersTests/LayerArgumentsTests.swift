import Layers
import Synchronization
import TestSupport
import Testing
import TowersCore
import Variables

/// The names of every variable in `store`, in creation order.
private func names(_ store: VariableStore) -> [String] { store.allVariables.map(\.name) }

/// Expects `body` to throw a ``VariableError`` whose description is `text`.
private func expectError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    let error = #expect(throws: VariableError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.description == text, sourceLocation: sourceLocation)
}

/// Rules 32, 33 and 37 of SEMANTICS.md: TF1's layer arguments (regularizers,
/// `trainable`, `reuse`, explicit names), layers using what custom getters
/// return, and configuration that cannot work. Names as `tf.compat.v1.layers`
/// (TF 2.21 with tf_keras) gives them for the same programs.
@Suite("Layer arguments")
struct LayerArgumentsTests {
    static let x = Tensor<Float>([1, 2, 3]).reshaped([1, 3])

    // MARK: Rule 19

    @Test(
        "rule 19: a layer creates <scope>/kernel [in, out], Glorot uniform, and <scope>/bias [out], zeros; a scope regularizer applies to both"
    )
    func layerWeights() throws {
        let store = VariableStore(seed: 5)
        let input = try Tensor<Float>.ones([2, 30])
        try store.asDefault {
            try store.variableScope("s", regularizer: .l2(0.5)) { _ = try Dense<Float>(units: 20)(input) }
        }
        let kernel = try #require(store.variable(named: "s/dense/kernel")?.tensor(as: Float.self))
        let bias = try #require(store.variable(named: "s/dense/bias")?.tensor(as: Float.self))
        #expect(kernel.shape == [30, 20] && bias.shape == [20])
        #expect(bias.scalars == [Float](repeating: 0, count: 20))
        // U(−l, l), l = √(6 / (30 + 20)): inside the bound, and spread over it.
        let limit = Float((6.0 / 50).squareRoot())
        #expect(kernel.scalars.allSatisfy { abs($0) <= limit })
        #expect(kernel.scalars.map(abs).max()! > 0.9 * limit)
        #expect(Set(kernel.scalars).count == 600)
        #expect(
            store.regularizationLosses.map(\.name) == ["s/dense/kernel/Regularizer", "s/dense/bias/Regularizer"])
    }

    // MARK: Rule 32

    @Test("rule 32: kernelRegularizer and biasRegularizer replace the scope's for their weight; counted once")
    func layerRegularizers() throws {
        let store = VariableStore()
        let reg = Dense<Float>(units: 2, kernelRegularizer: .l2(1), name: "reg")
        try store.asDefault {
            _ = try reg(Self.x)
            _ = try reg(Self.x)  // a second call adds no loss
            try store.variableScope("sr", regularizer: .l1(1)) { _ = try Dense<Float>(units: 2)(Self.x) }
            try store.variableScope("sr2", regularizer: .l1(1)) {
                _ = try Dense<Float>(units: 2, kernelRegularizer: .l2(2), biasRegularizer: .noRegularizer)(Self.x)
            }
        }
        #expect(
            store.regularizationLosses.map(\.name) == [
                "reg/kernel/Regularizer", "sr/dense/kernel/Regularizer", "sr/dense/bias/Regularizer",
                "sr2/dense/kernel/Regularizer",
            ])
        #expect(store.regularizationLosses.map(\.regularizer.name) == ["l2(1.0)", "l1(1.0)", "l1(1.0)", "l2(2.0)"])
    }

    @Test("rule 32: trainable: false freezes a layer; a scope's trainable default is honoured")
    func frozenLayers() throws {
        let store = VariableStore()
        try store.asDefault {
            _ = try Dense<Float>(units: 2, trainable: false, name: "frozen")(Self.x)
            try store.variableScope("fixed", trainable: false) {
                _ = try Dense<Float>(units: 2)(Self.x)
                _ = try LayerNorm<Float>()(Self.x)
            }
            _ = try Dense<Float>(units: 2, name: "free")(Self.x)
        }
        #expect(store.trainableVariables.map(\.name) == ["free/kernel", "free/bias"])
        #expect(
            store.allVariables.filter { !$0.trainable }.map(\.name) == [
                "frozen/kernel", "frozen/bias", "fixed/dense/kernel", "fixed/dense/bias", "fixed/LayerNorm/beta",
                "fixed/LayerNorm/gamma",
            ])
        let frozen = try #require(store.variable(named: "frozen/kernel") as? Variable<Float>)
        #expect(!frozen.value.requiresGrad)
        // A frozen layer still passes gradients to its input.
        let input = Tensor<Float>([1, 2, 3]).reshaped([1, 3]).requiringGradient()
        let layer = Dense<Float>(units: 2, trainable: false)
        try store.asDefault { try layer(input).sum() }.backward()
        #expect(input.grad != nil)
        #expect(frozen.gradient == nil)
    }

    @Test("rule 32: reuse: on a layer call is the same as calling it in its scope with that reuse")
    func reuseOnCall() throws {
        let store = VariableStore()
        let (first, second, third) = try store.asDefault {
            (
                try Dense<Float>(units: 2, name: "r")(Self.x),
                try Dense<Float>(units: 2, name: "r")(Self.x, reuse: .reuse),
                try Dense<Float>(units: 2, name: "r")(Self.x, reuse: .autoReuse)
            )
        }
        #expect(names(store) == ["r/kernel", "r/bias"])
        #expect(first.scalars == second.scalars && second.scalars == third.scalars)
        // As TF (r, then r_1 for the reusing call): each call by name opens a new name scope.
        let seen = Mutex<[String]>([])
        let spy: CustomGetter = { request, next in
            seen.withLock { $0.append(store.currentNameScope) }
            return try next(request)
        }
        try store.variableScope(store.rootScope, customGetter: spy) {
            _ = try Dense<Float>(units: 2, name: "r")(Self.x, reuse: .reuse)
        }
        #expect(seen.withLock { $0 } == ["r_3", "r_3"])  // r, r_1 and r_2 were the three calls above
        // Reuse of a layer that does not exist is the usual error.
        expectError(
            "Variable missing/kernel does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?"
        ) {
            _ = try store.asDefault { try Dense<Float>(units: 2, name: "missing")(Self.x, reuse: .reuse) }
        }
    }

    // MARK: Rule 33

    @Test("rule 33: an explicit name is a base name made unique: two objects named obj build obj and obj_1")
    func explicitNames() throws {
        let store = VariableStore()
        let a = Dense<Float>(units: 2, name: "obj"), b = Dense<Float>(units: 2, name: "obj")
        try store.asDefault {
            _ = try a(Self.x)
            _ = try b(Self.x)
            _ = try a(Self.x)  // an object called again uses its own scope
        }
        #expect(names(store) == ["obj/kernel", "obj/bias", "obj_1/kernel", "obj_1/bias"])
        #expect(store.asDefault { a.scopeName } == "obj")
        #expect(store.asDefault { b.scopeName } == "obj_1")
    }

    @Test("rule 33: a user-opened scope dense_1 is skipped by the next default-named layer")
    func userScopeSkipped() throws {
        let store = VariableStore()
        try store.asDefault {
            try store.variableScope("dense_1") {}
            _ = try Dense<Float>(units: 2)(Self.x)
            _ = try Dense<Float>(units: 2)(Self.x)
        }
        #expect(names(store) == ["dense/kernel", "dense/bias", "dense_2/kernel", "dense_2/bias"])
    }

    @Test("a layer called again works in its first call's name scope, wherever it is called (TF1's layers)")
    func originalNameScopeOnRecall() throws {
        let store = VariableStore()
        let seen = Mutex<[String]>([])
        let spy: CustomGetter = { request, next in
            if request.key.hasSuffix("kernel") { seen.withLock { $0.append(store.currentNameScope) } }
            return try next(request)
        }
        let layer = Dense<Float>(units: 2)
        try store.variableScope(store.rootScope, customGetter: spy) {
            try store.nameScope("dense") {}
            _ = try layer(Self.x)
            _ = try layer(Self.x)
            try store.variableScope("q") { _ = try layer(Self.x) }
        }
        // TF: scope dense, name scope dense_1; then dense_1/BiasAdd_1, dense_1/BiasAdd_2.
        #expect(store.asDefault { layer.scopeName } == "dense")
        #expect(seen.withLock { $0 } == ["dense_1", "dense_1", "dense_1"])
    }

    // MARK: Rule 37

    @Test("rule 37: layers use what a custom getter returns, and gradients reach the variables")
    func layersUseGetterResults() throws {
        let doubled: CustomGetter = { request, next in
            let v = try next(request)
            guard let w = v.value(as: Double.self) else { return v }
            return w * 2
        }
        let store = VariableStore()
        let dense = Dense<Double>(units: 2, biasInitializer: .constant(1))
        let x = try Tensor<Double>([[1, 2, 3]])
        let y = try store.variableScope("scaled", customGetter: doubled) { try dense(x) }
        let kernel = try #require(store.variable(named: "scaled/dense/kernel") as? Variable<Double>)
        let k = kernel.value.scalars
        let expected: [Double] = (0..<2).map { j in
            let product = 1 * k[j] + 2 * k[2 + j] + 3 * k[4 + j]
            return 2 * product + 2  // (2W)ᵀx + 2b with b = 1
        }
        #expect(zip(y.scalars, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        y.sum().backward()
        // d(Σ y)/dW = 2 xᵀ·1, d(Σ y)/db = 2.
        #expect(kernel.gradient?.scalars == [2, 2, 4, 4, 6, 6])
        let bias = try #require(store.variable(named: "scaled/dense/bias") as? Variable<Double>)
        #expect(bias.gradient?.scalars == [2, 2])
        // A tied decoder uses what the encoder's getters make of its kernel too.
        let decoder = TiedDense(tiedTo: dense, useBias: false)
        let z = try store.variableScope("scaled", reuse: .autoReuse, customGetter: doubled) { try decoder(y) }
        #expect(z.shape == [1, 3])
    }

    // MARK: Configuration

    @Test(
        "a configuration that cannot work is a LayerError when the layer is first called, and builds nothing",
        arguments: [
            ("units must be a positive integer, got 0", "dense"),
            ("filters must be a positive integer, got 0", "conv2d"),
            ("strides must be positive, got (-1, 1)", "conv2d"),
            ("kernelSize must be positive, got (0, 3)", "conv2d"),
            ("vocabularySize must be a positive integer, got 0", "embedding"),
            ("dimension must be a positive integer, got -2", "embedding"),
            ("units must be a positive integer, got -1", "lstm_cell"),
            ("units must be a positive integer, got 0", "gru_cell"),
            ("poolSize must be positive, got (0, 2)", "max_pooling2d"),
            ("strides must be positive, got (2, 0)", "average_pooling2d"),
            ("rate must be in [0, 1), got 1.0", "dropout"),
        ])
    func badConfiguration(message: String, scope: String) throws {
        let store = VariableStore()
        let image = try Tensor<Float>.zeros([1, 4, 4, 1]), row = try Tensor<Float>.zeros([1, 3])
        let call: () throws -> Void
        switch (message, scope) {
        case (_, "dense"): call = { _ = try Dense<Float>(units: 0)(row) }
        case (_, "conv2d") where message.hasPrefix("filters"):
            call = { _ = try Conv2D<Float>(filters: 0, kernelSize: (3, 3))(image) }
        case (_, "conv2d") where message.hasPrefix("strides"):
            call = { _ = try Conv2D<Float>(filters: 2, kernelSize: (3, 3), strides: (-1, 1))(image) }
        case (_, "conv2d"): call = { _ = try Conv2D<Float>(filters: 2, kernelSize: (0, 3))(image) }
        case (_, "embedding") where message.hasPrefix("vocabulary"):
            call = { _ = try Embedding<Float>(vocabularySize: 0, dimension: 4)(Tensor<Int32>([0])) }
        case (_, "embedding"): call = { _ = try Embedding<Float>(vocabularySize: 5, dimension: -2).lookup([1]) }
        case (_, "lstm_cell"):
            call = {
                let cell = LSTMCell<Float>(units: -1)
                _ = try cell(row, state: LSTMState(cell: try .zeros([1, 0]), hidden: try .zeros([1, 0])))
            }
        case (_, "gru_cell"): call = { _ = try GRUCell<Float>(units: 0)(row) }
        case (_, "max_pooling2d"): call = { _ = try MaxPool2D<Float>(poolSize: (0, 2))(image) }
        case (_, "dropout"): call = { _ = try Dropout<Float>(rate: 1, seed: 1)(row, training: true) }
        default: call = { _ = try AvgPool2D<Float>(poolSize: (2, 2), strides: (2, 0))(image) }
        }
        let error = #expect(throws: LayerError.self) { try store.variableScope("tower") { try call() } }
        #expect(error?.description == "tower/\(scope): \(message)")
        #expect(store.allVariables.isEmpty)
        // Nothing was opened: the next layer of the kind gets the plain default name.
        let name = try store.variableScope("tower") { () throws -> String? in
            let dense = Dense<Float>(units: 1)
            _ = try dense(row)
            return dense.scopeName
        }
        #expect(name == "tower/dense")
    }

    // MARK: Embedding ids

    @Test("Embedding looks up Int32 and Int64 id tensors of any shape; a bad id is an error")
    func integerIds() throws {
        let store = VariableStore()
        let embed = Embedding<Float>(vocabularySize: 5, dimension: 3)
        let ids32 = try Tensor<Int32>(shape: [2, 2], scalars: [4, 0, 1, 4])
        let v32 = try store.asDefault { try embed(ids32) }
        let v64 = try store.asDefault { try embed(Tensor<Int64>([4, 0, 1, 4])) }
        let table = try #require(store.variable(named: "embedding/embeddings") as? Variable<Float>).value
        #expect(v32.shape == [2, 2, 3])
        #expect(v64.shape == [4, 3])
        let rows = [4, 0, 1, 4].flatMap { r in (0..<3).map { table[r, $0] } }
        #expect(v32.scalars == rows && v64.scalars == rows)
        #expect(names(store) == ["embedding/embeddings"])
        for bad in [Int64(5), -1, Int64.max] {
            let error = #expect(throws: LayerError.self) { _ = try store.asDefault { try embed(Tensor<Int64>([bad])) } }
            #expect(error?.description == "embedding: index \(bad) out of range 0..<5")
        }
        // The gradient adds up in the rows read (row 4 twice).
        v32.sum().backward()
        let grad = try #require(store.variable(named: "embedding/embeddings")?.tensor(as: Float.self)?.grad)
        #expect(grad.scalars == [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 2, 2, 2])
    }
}
