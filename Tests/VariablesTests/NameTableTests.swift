import Testing
import TowersCore
import Variables

/// TF's `Graph.unique_name`, ported line by line: a dictionary of every name
/// ever used, with its count. The reference the store's bounded table must
/// agree with.
struct ReferenceNames {
    var namesInUse: [String: Int] = [:]

    mutating func unique(_ name: String, in stack: String, markAsUsed: Bool = true) -> String {
        var name = stack.isEmpty ? name : stack + "/" + name
        var nameKey = name.lowercased()
        var i = namesInUse[nameKey, default: 0]
        if markAsUsed { namesInUse[nameKey] = i + 1 }
        if i > 0 {
            let baseNameKey = nameKey
            while namesInUse[nameKey] != nil {
                nameKey = "\(baseNameKey)_\(i)"
                i += 1
            }
            if markAsUsed { namesInUse[nameKey] = 1 }
            name = "\(name)_\(i - 1)"
        }
        return name
    }
}

/// Rule 26 of SEMANTICS.md: a training loop re-enters its scopes every step; the
/// name table stays bounded while the names stay exactly TF's.
@Suite("Name table")
struct NameTableTests {
    /// One step of a siamese training loop: two towers, each entering `tower`
    /// and building two fresh default-named layers in it.
    static func step(_ store: VariableStore) throws {
        for _ in 0..<2 {
            try store.variableScope("tower", reuse: .autoReuse) {
                for units in [3, 2] {
                    try store.variableScope(nil, default: "dense") {
                        let _: Variable<Float> = try getVariable("kernel", shape: [2, units])
                        _ = store.uniqueName("MatMul")
                    }
                }
            }
        }
    }

    @Test("rule 26: a million scope re-entries leave the name table's size flat, with TF's names")
    func millionReentries() throws {
        let store = VariableStore()
        /// `n` entries of `tower`, each with a default-named layer scope naming an operation.
        func reenter(_ n: Int) throws {
            for _ in 0..<n {
                try store.variableScope("tower", reuse: .autoReuse) {
                    try store.variableScope(nil, default: "dense") { _ = store.uniqueName("MatMul") }
                }
            }
        }
        try reenter(1_000)
        let early = store.nameTableFootprint
        try reenter(999_000)
        #expect(store.nameTableFootprint == early, "the table grew with the entries")
        #expect(early < 10)
        // tower, tower_1, …, tower_999999 were handed out.
        let next = try store.variableScope("tower") { (s: VariableScope) in s.originalNameScope }
        #expect(next == "tower_1000000/")
        // What was named inside the generated scopes is still known exactly.
        #expect(store.isNameUsed("tower_123456/dense/MatMul"))
        #expect(!store.isNameUsed("tower_123456/dense_1"))
        let inside = try store.nameScope("tower_123456/dense/") { store.uniqueName("MatMul") }
        #expect(inside == "tower_123456/dense/MatMul_1")
    }

    @Test("rule 26: a training loop (two towers of fresh layers per step, with variables) keeps the table flat")
    func trainingLoop() throws {
        let store = VariableStore()
        for _ in 0..<1_000 { try Self.step(store) }
        let early = store.nameTableFootprint
        for _ in 0..<50_000 { try Self.step(store) }
        #expect(store.nameTableFootprint == early)
        #expect(early < 30)
        #expect(store.allVariables.count == 2)
        #expect(try store.nameScope("tower") { (s: String) in s } == "tower_102000/")
        #expect(store.isNameUsed("tower_5000/dense_1/MatMul"))
    }

    @Test("rule 26: a name scope re-entered every step keeps one counter per base name")
    func reenteredNameScope() throws {
        let store = VariableStore()
        for _ in 0..<100 { try store.nameScope("train") { _ = store.uniqueName("loss") } }
        let early = store.nameTableFootprint
        for _ in 0..<100_000 { try store.nameScope("train") { _ = store.uniqueName("loss") } }
        #expect(store.nameTableFootprint == early)
        #expect(try store.nameScope("train") { store.uniqueName("loss") } == "train_100100/loss")
    }

    @Test("rule 26: after one generated scope is changed, its neighbours are still the same")
    func splitRuns() throws {
        let store = VariableStore()
        for _ in 0..<10 { try store.nameScope("t") { _ = store.uniqueName("op") } }
        // Add a name inside t_4 only.
        _ = try store.nameScope("t_4/") { store.uniqueName("extra") }
        #expect(store.isNameUsed("t_4/extra"))
        #expect(!store.isNameUsed("t_3/extra"))
        #expect(!store.isNameUsed("t_5/extra"))
        #expect(store.isNameUsed("t_5/op"))
        #expect(try store.nameScope("t_4/") { store.uniqueName("op") } == "t_4/op_1")
        #expect(try store.nameScope("t_5/") { store.uniqueName("op") } == "t_5/op_1")
        #expect(try store.nameScope("t_6/") { store.uniqueName("op") } == "t_6/op_1")
        #expect(try store.nameScope("t_7/") { store.uniqueName("op_1") } == "t_7/op_1")
        #expect(try store.nameScope("t") { (scope: String) in scope } == "t_10/")
        // Explicitly asking for a generated name continues its own count.
        #expect(try store.nameScope("t_3") { (scope: String) in scope } == "t_3_1/")
        #expect(try store.nameScope("t") { (scope: String) in scope } == "t_11/")
    }

    /// Random programs of name scopes, re-entries and unique names, against the
    /// reference: names with and without suffixes, in several cases, so that
    /// explicit names collide with generated ones.
    @Test("rule 26: the bounded table gives exactly TF's names", arguments: 0..<20)
    func matchesReference(seed: UInt64) throws {
        let store = VariableStore()
        var reference = ReferenceNames()
        var rng = SeededRandom(seed: seed)
        let bases = ["a", "A", "a_1", "a_2", "b", "a_1_1", "B_1", "op", "op_3"]
        var seen: [String] = [""]  // name scopes handed out, for re-entries
        func run(depth: Int, stack: String) throws {
            for _ in 0..<(depth == 0 ? 40 : 4) {
                let pick = Int(rng.nextUniform() * 10)
                let base = bases[Int(rng.nextUniform() * Double(bases.count))]
                switch pick {
                case 0..<4:
                    let expected = reference.unique(base, in: stack)
                    let got = try store.nameScope(base) { () throws -> String in
                        let current = store.currentNameScope
                        if depth < 3 { try run(depth: depth + 1, stack: current) }
                        return current
                    }
                    #expect(got == expected, "nameScope(\(base)) in \(stack)")
                    seen.append(got)
                case 4..<5:
                    let target = seen[Int(rng.nextUniform() * Double(seen.count))]
                    if depth < 3 {
                        try store.nameScope(target.isEmpty ? "" : target + "/") {
                            try run(depth: depth + 1, stack: target)
                        }
                    }
                case 5..<6:
                    #expect(
                        store.uniqueName(base, markAsUsed: false)
                            == reference.unique(base, in: stack, markAsUsed: false))
                default:
                    #expect(store.uniqueName(base) == reference.unique(base, in: stack))
                }
            }
        }
        try run(depth: 0, stack: "")
        // Every name the reference holds is in use in the store.
        for key in reference.namesInUse.keys { #expect(store.isNameUsed(key), "\(key)") }
    }
}
