import Testing
import TowersCore
import Variables

/// Stores are shared across tasks; each task has its own current scope (the
/// "per task" state of SEMANTICS.md). Run under the thread sanitizer too.
@Suite("Concurrency")
struct ConcurrencyTests {
    static let modelNames = [
        "model/dense/kernel", "model/dense/bias", "model/dense_1/kernel", "model/dense_1/bias",
        "model/dense_2/kernel", "model/dense_2/bias", "model/step",
    ]

    /// A small model: three dense layers and a step counter.
    static func buildModel(_ store: VariableStore, input: Float) throws -> Tensor<Float> {
        try store.variableScope("model") {
            let x = try Tensor<Float>([[input, 2, 3]])
            let y = try dense(try dense(try dense(x, units: 8), units: 4), units: 2)
            _ = try store.variable(Float(0), name: "step", trainable: false)
            return y
        }
    }

    @Test("8 tasks each build a model in their own store at once")
    func separateStores() async throws {
        typealias Result = (task: Int, names: [String], values: [[Float]], output: [Float])
        let results = await withTaskGroup(of: Result.self) { group in
            for i in 0..<8 {
                group.addTask {
                    let store = VariableStore(seed: 42)
                    let y = try? Self.buildModel(store, input: Float(i))
                    let values = store.allVariables.map { $0.tensor(as: Float.self)?.scalars ?? [] }
                    return (i, names(store), values, y?.scalars ?? [])
                }
            }
            var all: [Result] = []
            for await r in group { all.append(r) }
            return all.sorted { $0.task < $1.task }
        }
        #expect(results.map(\.task) == Array(0..<8))
        // The same model built sequentially: same seed and keys, so the same initial values.
        let reference = VariableStore(seed: 42)
        _ = try Self.buildModel(reference, input: 0)
        let referenceValues = reference.allVariables.map { $0.tensor(as: Float.self)!.scalars }
        #expect(referenceValues.map(\.count) == [24, 8, 32, 4, 8, 2, 1])
        for r in results {
            #expect(r.names == Self.modelNames, "task \(r.task)")
            #expect(r.values == referenceValues, "task \(r.task)")
            #expect(r.output.count == 2, "task \(r.task)")
        }
    }

    static let towerNames = [
        "tower/dense/kernel", "tower/dense/bias", "tower/dense_1/kernel", "tower/dense_1/bias",
        "tower/dense_2/kernel", "tower/dense_2/bias",
    ]

    /// One tower in `store` under autoReuse; returns the variables it used.
    static func buildTower(_ store: VariableStore) throws -> [any AnyVariable] {
        try store.variableScope("tower", reuse: .autoReuse) {
            var used: [any AnyVariable] = []
            for units in [6, 5, 4] {
                try store.variableScope(nil, default: "dense") {
                    #expect(VariableScope.current.reuse == .autoReuse)
                    let kernel: Variable<Float> = try getVariable("kernel", shape: [3, units])
                    let bias: Variable<Float> = try getVariable("bias", shape: [units], initializer: .zeros)
                    used += [kernel, bias]
                }
            }
            return used
        }
    }

    @Test("8 tasks build towers in ONE store under autoReuse: one set, identical objects", arguments: 0..<10)
    func sharedStoreAutoReuse(round: Int) async throws {
        let store = VariableStore(seed: UInt64(round))
        let results = await withTaskGroup(of: [ObjectIdentifier]?.self) { group in
            for _ in 0..<8 {
                group.addTask { (try? Self.buildTower(store))?.map { ObjectIdentifier($0) } }
            }
            var all: [[ObjectIdentifier]?] = []
            for await r in group { all.append(r) }
            return all
        }
        let expected = try Self.towerNames.map { name in ObjectIdentifier(try #require(store.variable(named: name))) }
        #expect(names(store).sorted() == Self.towerNames.sorted())
        #expect(store.allVariables.count == 6)
        #expect(results.count == 8)
        for r in results { #expect(r == expected) }
        #expect(store.uses(of: store.variable(named: "tower/dense/kernel")!) == ["tower/dense"])
    }

    @Test("stress: 8 tasks fetch and create in one store, 200 times each")
    func stress() async throws {
        let store = VariableStore()
        let counts = await withTaskGroup(of: Int.self) { group in
            for t in 0..<8 {
                group.addTask {
                    var fetched = 0
                    for i in 0..<200 {
                        // Shared: everyone fetches the same tower.
                        fetched += (try? Self.buildTower(store))?.count ?? 0
                        // Private: each task creates its own variable, and a plain one.
                        _ = try? store.variableScope("task\(t)") {
                            let _: Variable<Float> = try getVariable("v\(i)", shape: [1], initializer: .zeros)
                            _ = try store.variable(Float(0), name: "plain")
                        }
                        _ = store.allVariables.count + store.trainableVariables.count
                    }
                    return fetched
                }
            }
            var all: [Int] = []
            for await c in group { all.append(c) }
            return all
        }
        #expect(counts == Array(repeating: 1200, count: 8))
        #expect(store.allVariables.count == 6 + 8 * 200 * 2)
        #expect(store.variable(forKey: "task7/v199")?.name == "task7/v199")
        #expect(Set(names(store)).count == store.allVariables.count)
    }

    @Test("tasks in one store each see their own current scope")
    func perTaskScopes() async throws {
        let store = VariableStore()
        let results = await withTaskGroup(of: (Int, [String])?.self) { group in
            for i in 0..<8 {
                group.addTask {
                    try? store.variableScope("t\(i)") {
                        var seen: [String] = []
                        for j in 0..<20 {
                            try store.variableScope("s\(j)") {
                                seen.append(VariableScope.current.name)
                                let _: Variable<Float> = try getVariable("w", shape: [1])
                                spin()
                                seen.append(VariableScope.current.name)
                            }
                        }
                        seen.append(VariableScope.current.name)
                        return (i, seen)
                    }
                }
            }
            var all: [(Int, [String])] = []
            for await r in group { if let r { all.append(r) } }
            return all
        }
        #expect(results.count == 8)
        for (i, seen) in results {
            let expected = (0..<20).flatMap { j in ["t\(i)/s\(j)", "t\(i)/s\(j)"] } + ["t\(i)"]
            #expect(seen == expected)
        }
        #expect(store.allVariables.count == 160)
        #expect(Set(names(store)) == Set((0..<8).flatMap { i in (0..<20).map { j in "t\(i)/s\(j)/w" } }))
        #expect(VariableScope.current.name == "")
    }

    @Test("concurrent variable() calls with one name get distinct unique names")
    func concurrentUniqueNames() async throws {
        let store = VariableStore()
        let got = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<16 {
                group.addTask { try? store.variable(Float(0), name: "v").name }
            }
            var all: [String] = []
            for await n in group { if let n { all.append(n) } }
            return all
        }
        #expect(got.count == 16)
        #expect(Set(got) == Set(["v"] + (1..<16).map { "v_\($0)" }))
    }

    @Test("concurrent getVariable of one key without reuse: exactly one succeeds")
    func concurrentDuplicateKey() async throws {
        let store = VariableStore()
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        let v: Variable<Float> = try store.getVariable("k", shape: [2])
                        return "created " + v.name
                    } catch {
                        return String(describing: error)
                    }
                }
            }
            var all: [String] = []
            for await o in group { all.append(o) }
            return all
        }
        #expect(outcomes.filter { $0 == "created k" }.count == 1)
        #expect(
            outcomes.filter {
                $0
                    == "Variable k already exists, disallowed. Did you mean to set reuse=True or reuse=AUTO_REUSE in VarScope?"
            }.count == 7)
        #expect(names(store) == ["k"])
    }

    @Test("rule 21: tasks entering name scopes at once get distinct names from the one table, each its own current one")
    func concurrentNameScopes() async throws {
        let store = VariableStore()
        let names = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try (0..<50).map { _ in
                        try store.variableScope("tower") { () throws -> String in
                            let mine = store.currentNameScope
                            spin()
                            #expect(store.currentNameScope == mine)
                            return try store.nameScope("inner") { store.currentNameScope }
                        }
                    }
                }
            }
            var all: [String] = []
            for try await n in group { all += n }
            return all
        }
        #expect(names.count == 400)
        #expect(Set(names).count == 400)
        let expected = Set((0..<400).map { $0 == 0 ? "tower/inner" : "tower_\($0)/inner" })
        #expect(Set(names) == expected)
    }
}

/// A little work between two reads of the current scope, so other tasks run.
private func spin() {
    var x = 0
    for i in 0..<1000 { x &+= i }
    precondition(x > 0)
}
