import Synchronization
import Testing
import TowersCore
import Variables

/// A thread-safe list of lines, for getters to write to.
final class Log: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// A getter that logs `tag` before and after calling the next getter.
func tracing(_ tag: String, into log: Log) -> CustomGetter {
    { request, next in
        log.append("\(tag)>")
        defer { log.append("<\(tag)") }
        return try next(request)
    }
}

/// Rules 17 and 37 of SEMANTICS.md: custom getters, and getters that return
/// tensors derived from variables.
@Suite("Custom getters")
struct CustomGetterTests {
    @Test("rule 17: a scope's getter runs on every getVariable in it, creating and reusing, with the full key")
    func runsOnEveryCall() throws {
        let store = VariableStore()
        let log = Log()
        let getter: CustomGetter = { request, next in
            log.append(
                "\(request.key) reuse=\(request.reuse.map { "\($0)" } ?? "off") shape=\(request.shape.map { "\($0.compactMap { $0 })" } ?? "nil")"
            )
            return try next(request)
        }
        let created: Variable<Float> = try store.variableScope("g", customGetter: getter) {
            try getVariable("x", shape: [2])
        }
        let reused: Variable<Float> = try store.variableScope("g", reuse: .reuse, customGetter: getter) {
            try getVariable("x")
        }
        let nested: Variable<Float> = try store.variableScope("g", customGetter: getter) {
            try store.variableScope("h", reuse: .autoReuse) { try getVariable("y", shape: [3]) }
        }
        // Not in its scope: not called.
        let outside: Variable<Float> = try store.variableScope("other") { try getVariable("z", shape: [1]) }
        #expect(reused === created)
        #expect(nested.name == "g/h/y")
        #expect(outside.name == "other/z")
        #expect(log.all == ["g/x reuse=off shape=[2]", "g/x reuse=reuse shape=nil", "g/h/y reuse=autoReuse shape=[3]"])
        // variable() does not go through getters.
        _ = try store.variableScope("g", customGetter: getter) { try store.variable(Float(0), name: "plain") }
        #expect(log.all.count == 3)
    }

    @Test("rule 17: the getter receives the resolved arguments")
    func resolvedArguments() throws {
        let store = VariableStore()
        let requests = Mutex<[GetterRequest]>([])
        let getter: CustomGetter = { request, next in
            requests.withLock { $0.append(request) }
            return try next(request)
        }
        try store.variableScope(
            "s", initializer: .constant(3), regularizer: .l2(0.5), dtype: .float64, trainable: false,
            customGetter: getter
        ) {
            _ = try store.getVariable("scoped", shape: [2])
            _ = try store.getVariable(
                "call", shape: [4], dtype: Float.self, initializer: .ones, trainable: true, regularizer: .l1(2))
            _ = try store.getVariable("iv", initialValue: Tensor<Double>([1, 2, 3]))
        }
        let r = requests.withLock { $0 }
        #expect(r.map(\.key) == ["s/scoped", "s/call", "s/iv"])
        #expect(r.map(\.shape) == [[2], [4], [3]])
        #expect(r.map(\.dtype) == [.float64, .float32, .float64])
        #expect(r.map { $0.initializer?.name } == ["constant(3.0)", "ones", "values(3)"])
        #expect(r.map(\.trainable) == [false, true, false])
        #expect(r.map { $0.regularizer?.name } == ["l2(0.5)", "l1(2.0)", "l2(0.5)"])
        #expect(r.map(\.reuse) == [nil, nil, nil])
        // Without any initializer the request's is nil: the default (Glorot uniform).
        let plain = Mutex<Initializer?>(.ones)
        try store.variableScope(
            "t",
            customGetter: { request, next in
                plain.withLock { $0 = request.initializer }
                return try next(request)
            }
        ) {
            _ = try store.getVariable("w", shape: [2])
        }
        #expect(plain.withLock { $0 } == nil)
    }

    @Test("rule 17: a getter may change the request")
    func changesRequest() throws {
        let store = VariableStore()
        let freeze: CustomGetter = { request, next in
            var r = request
            r.trainable = false
            r.initializer = .constant(9)
            return try next(r)
        }
        let v: Variable<Float> = try store.variableScope("frozen", customGetter: freeze) {
            try getVariable("w", shape: [2], initializer: .zeros, trainable: true)
        }
        #expect(v.trainable == false)
        #expect(v.value.scalars == [9, 9])
        #expect(store.trainableVariables.isEmpty)
    }

    @Test("rule 17: a nested getter wraps its parent's: inner first, its next calls the outer")
    func nestedGettersWrap() throws {
        let store = VariableStore()
        let log = Log()
        let v: Variable<Float> = try store.variableScope("a", customGetter: tracing("outer", into: log)) {
            try store.variableScope("b") {  // no getter: inherits the chain
                try store.variableScope("c", customGetter: tracing("inner", into: log)) {
                    try getVariable("w", shape: [1])
                }
            }
        }
        #expect(v.name == "a/b/c/w")
        #expect(log.all == ["inner>", "outer>", "<outer", "<inner"])
        // Three levels.
        let deep = Log()
        try store.variableScope("x", customGetter: tracing("1", into: deep)) {
            try store.variableScope("y", customGetter: tracing("2", into: deep)) {
                try store.variableScope("z", customGetter: tracing("3", into: deep)) {
                    let _: Variable<Float> = try getVariable("w", shape: [1])
                }
            }
        }
        #expect(deep.all == ["3>", "2>", "1>", "<1", "<2", "<3"])
    }

    @Test("rule 17: the inner getter sees the outer's changes only through next")
    func innerCallsOuter() throws {
        let store = VariableStore()
        // The outer getter makes every variable non-trainable; the inner one checks what comes back.
        let outer: CustomGetter = { request, next in
            var r = request
            r.trainable = false
            return try next(r)
        }
        let seen = Log()
        let inner: CustomGetter = { request, next in
            seen.append("asked trainable=\(request.trainable)")
            let v = try next(request)
            seen.append("got trainable=\(v.variable?.trainable == true)")
            return v
        }
        try store.variableScope("a", customGetter: outer) {
            try store.variableScope("b", customGetter: inner) {
                let _: Variable<Float> = try getVariable("w", shape: [1])
            }
        }
        #expect(seen.all == ["asked trainable=true", "got trainable=false"])
    }

    @Test("rule 17: a getter given to the call replaces the chain")
    func callGetterReplaces() throws {
        let store = VariableStore()
        let log = Log()
        try store.variableScope("a", customGetter: tracing("outer", into: log)) {
            try store.variableScope("b", customGetter: tracing("inner", into: log)) {
                let _: Variable<Float> = try getVariable("w", shape: [1], customGetter: tracing("call", into: log))
                let _: Variable<Float> = try getVariable("v", shape: [1])
            }
        }
        #expect(log.all == ["call>", "<call", "inner>", "outer>", "<outer", "<inner"])
    }

    @Test("rule 17: by scope object the object's chain is used, not the enclosing scope's")
    func scopeObjectChain() throws {
        let store = VariableStore()
        let log = Log()
        let obj = try store.variableScope("obj", customGetter: tracing("obj", into: log)) { (s: VariableScope) in s }
        #expect(obj.customGetter != nil)
        try store.variableScope("enclosing", customGetter: tracing("enclosing", into: log)) {
            try store.variableScope(obj, customGetter: tracing("arg", into: log)) {
                let _: Variable<Float> = try getVariable("w", shape: [1])
            }
        }
        #expect(log.all == ["arg>", "obj>", "<obj", "<arg"])
    }

    @Test("rule 17: a getter may return another variable; a wrong element type is an error")
    func getterReturnsOther() throws {
        let store = VariableStore()
        let shared: Variable<Float> = try store.getVariable("shared", shape: [2])
        let redirect: CustomGetter = { _, _ in shared }
        let got: Variable<Float> = try store.variableScope("r", customGetter: redirect) {
            try getVariable("w", shape: [2])
        }
        #expect(got === shared)
        #expect(store.variable(forKey: "r/w") == nil)
        let double: Variable<Double> = try store.getVariable("d", shape: [2])
        expectError("Custom getter for r/w returned a Float64 value where Float32 was requested.") {
            try store.variableScope("r", customGetter: { _, _ in double }) {
                let _: Variable<Float> = try getVariable("w", shape: [2])
            }
        }
    }

    @Test("rule 17: a getter's error propagates and nothing is created")
    func getterThrows() throws {
        struct Refused: Error {}
        let store = VariableStore()
        #expect(throws: Refused.self) {
            try store.variableScope("r", customGetter: { _, _ in throw Refused() }) {
                let _: Variable<Float> = try getVariable("w", shape: [2])
            }
        }
        #expect(store.allVariables.isEmpty)
    }

    // MARK: Rule 37: derived tensors

    /// A getter that returns twice the variable (TF: `return 2 * getter(...)`).
    static let doubled: CustomGetter = { request, next in
        let v = try next(request)
        guard let w = v.value(as: Float.self) else { return v }
        return w * 2
    }

    @Test("rule 37: a getter may return a tensor derived from the variable; getVariableValue returns it")
    func derivedTensor() throws {
        let store = VariableStore()
        let value: Tensor<Float> = try store.variableScope("wn", customGetter: Self.doubled) {
            try getVariableValue("w", shape: [2], initializer: .constant(3))
        }
        #expect(value.scalars == [6, 6])
        let w = try #require(store.variable(forKey: "wn/w") as? Variable<Float>)
        #expect(w.value.scalars == [3, 3])
        #expect(store.allVariables.count == 1)
        // Gradients reach the variable through the derived tensor: d(Σ 2w)/dw = 2.
        value.sum().backward()
        #expect(w.gradient?.scalars == [2, 2])
        // Without a getter, getVariableValue is the variable's value.
        let plain: Tensor<Float> = try store.variableScope("wn", reuse: .reuse) { try getVariableValue("w") }
        #expect(plain === w.value)
    }

    @Test("rule 37: asking for the variable when a getter returned a tensor is an error naming the key")
    func variableWhenTensorReturned() throws {
        let store = VariableStore()
        expectError(
            "Custom getter for wn/w returned a tensor, not a variable: use getVariableValue to get what the getters return."
        ) {
            try store.variableScope("wn", customGetter: Self.doubled) {
                let _: Variable<Float> = try getVariable("w", shape: [2])
            }
        }
        // The getter's variable was made (as TF's would be) under its key.
        #expect(store.variable(forKey: "wn/w") != nil)
    }

    @Test("rule 37: weight normalisation as a getter: the value is w / ‖w‖ and its gradient is right")
    func weightNormalisation() throws {
        let normalised: CustomGetter = { request, next in
            let v = try next(request)
            guard let w = v.value(as: Double.self) else { return v }
            return w / w.squared().sum().sqrt()
        }
        let store = VariableStore()
        let direction: Tensor<Double> = try store.variableScope("wn", customGetter: normalised) {
            try getVariableValue("v", shape: [2], initializer: .values([3, 4]))
        }
        #expect(direction.scalars == [0.6, 0.8])
        // d(u·direction)/dw for u = (1, 0): (I − d dᵀ)/‖w‖ · u = (1 − 0.36, −0.48) / 5.
        (direction * Tensor<Double>([1, 0])).sum().backward()
        let w = try #require(store.variable(forKey: "wn/v") as? Variable<Double>)
        let g = try #require(w.gradient?.scalars)
        #expect(abs(g[0] - 0.128) < 1e-12 && abs(g[1] + 0.096) < 1e-12)
    }
}
