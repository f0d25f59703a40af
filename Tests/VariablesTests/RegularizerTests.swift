import Testing
import TowersCore
import Variables

/// Rule 31 of SEMANTICS.md: which regularizer applies, its loss's name, and that
/// a variable's loss is counted once. Names as TF 2.21 gives them
/// (`r/kernel/Regularizer/…`).
@Suite("Regularizers")
struct RegularizerTests {
    @Test("rule 31: the call's regularizer, else the scope's; noRegularizer on a call or a scope turns it off")
    func whichRegularizer() throws {
        let store = VariableStore()
        try store.variableScope("r", regularizer: .l2(0.5)) {
            let _: Variable<Float> = try getVariable("kernel", shape: [1])
            let _: Variable<Float> = try getVariable("own", shape: [1], regularizer: .l1(1))
            let _: Variable<Float> = try getVariable("nr", shape: [1], regularizer: .noRegularizer)
            try store.variableScope("off", regularizer: .noRegularizer) {
                let _: Variable<Float> = try getVariable("q", shape: [1])
                let _: Variable<Float> = try getVariable("on", shape: [1], regularizer: .l2(2))
                try store.variableScope("deeper") { let _: Variable<Float> = try getVariable("d", shape: [1]) }
            }
        }
        #expect(
            store.regularizationLosses.map(\.name) == [
                "r/kernel/Regularizer", "r/own/Regularizer", "r/off/on/Regularizer",
            ])
        #expect(store.regularizationLosses.map(\.regularizer.name) == ["l2(0.5)", "l1(1.0)", "l2(2.0)"])
        #expect(Regularizer.noRegularizer.description == "noRegularizer")
    }

    @Test("rule 31: setRegularizer on a scope object")
    func setRegularizer() throws {
        let store = VariableStore()
        try store.variableScope("s") { (s: VariableScope) in
            let _: Variable<Float> = try getVariable("before", shape: [1])
            s.setRegularizer(.l2(1))
            let _: Variable<Float> = try getVariable("after", shape: [1])
            s.setRegularizer(.noRegularizer)
            let _: Variable<Float> = try getVariable("off", shape: [1])
        }
        #expect(store.regularizationLosses.map(\.name) == ["s/after/Regularizer"])
    }

    @Test("rule 31: the loss is made once, at creation: reuse adds nothing and the total counts it once")
    func countedOnce() throws {
        let store = VariableStore()
        for _ in 0..<3 {
            try store.variableScope("r", reuse: .autoReuse, regularizer: .l2(0.5)) {
                let _: Variable<Float> = try getVariable("w", shape: [2], initializer: .constant(2))
            }
        }
        #expect(store.regularizationLosses.count == 1)
        // 0.5 · (4 + 4), once.
        #expect(store.regularizationLoss(Float.self)?.scalar == 4)
    }

    @Test("rule 31: the loss is named after the key, as TF names it; variable() is never regularized")
    func lossNamesAndVariable() throws {
        let store = VariableStore()
        _ = try store.variable(Float(1), name: "firstvar")
        try store.variableScope(store.rootScope, regularizer: .l2(1)) {
            let v: Variable<Float> = try store.getVariable("firstvar", shape: [1])
            #expect(v.name == "firstvar_1")
            _ = try store.variable(Float(1), name: "plain")
        }
        #expect(store.regularizationLosses.map(\.name) == ["firstvar/Regularizer"])
        #expect(store.regularizationLosses.map(\.variable.name) == ["firstvar_1"])
    }
}
