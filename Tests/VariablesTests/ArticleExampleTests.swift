import Testing
import TowersCore
import Variables

/// The article's sections on scope objects, name scopes and templates, run as
/// written (the snippet test checks that each snippet is here), with the names
/// they print checked.
@Suite("Article: scope objects, name scopes, templates")
struct ArticleExampleTests {
    @Test("article, scope objects: reuse set on the object reaches later entries through it (rule 27)")
    func scopeObjects() throws {
        let store = VariableStore()
        let tower = try store.variableScope("tower") { (scope: VariableScope) in
            let w: Variable<Float> = try getVariable("w", shape: [2])
            scope.reuseVariables()
            let same: Variable<Float> = try getVariable("w")
            print(same === w, VariableScope.current === scope)  // true true
            #expect(same === w)
            #expect(VariableScope.current === scope)
            return scope
        }
        let again: Variable<Float> = try store.variableScope("other") {
            try store.variableScope(tower) { try getVariable("w") }  // reuse comes with the object
        }
        print(again.name)  // tower/w
        #expect(again.name == "tower/w")
        #expect(store.allVariables.count == 1)
    }

    @Test("article, name scopes: variable() follows name scopes, getVariable keys do not (rules 22–24)")
    func nameScopes() throws {
        let store = VariableStore()
        let names = try (0..<3).map { _ in
            try store.variableScope("foo") { try store.variable(Float(1), name: "t").name }
        }
        print(names)  // ["foo/t", "foo_1/t", "foo_2/t"]
        #expect(names == ["foo/t", "foo_1/t", "foo_2/t"])
        let (g, t): (Variable<Float>, Variable<Float>) = try store.nameScope("ns") {
            (try getVariable("g", shape: [1]), try store.variable(Float(1), name: "t"))
        }
        print(g.name, t.name)  // g ns/t
        #expect(g.name == "g")
        #expect(t.name == "ns/t")
    }

    @Test("article, templates: the first call creates, later calls reuse from anywhere (rule 28)")
    func templates() throws {
        let store = VariableStore()
        let scale = try store.makeTemplate("scale") { (x: Tensor<Float>) in
            let s: Variable<Float> = try getVariable("s", shape: [], initializer: .constant(2))
            return x * s.value
        }
        let a = try scale(Tensor<Float>([1, 2]))
        let b = try store.variableScope("elsewhere") { try scale(Tensor<Float>([3])) }
        print(a.scalars, b.scalars, scale.variables.map(\.name))  // [2.0, 4.0] [6.0] ["scale/s"]
        #expect(a.scalars == [2, 4])
        #expect(b.scalars == [6])
        #expect(scale.variables.map(\.name) == ["scale/s"])
        // The error the article quotes: a second template named scale, making a trainable variable().
        let leaky = try store.makeTemplate("scale") { (x: Tensor<Float>) in
            x * (try variable(Tensor<Float>(1), name: "v")).value
        }
        _ = try store.nameScope("first") { try leaky(Tensor<Float>([1])) }
        expectError(
            "Trainable variable created when calling a template after the first time, perhaps you used variable() when you meant getVariable(): [<Variable 'scale_1/v' shape=[] dtype=Float32>]"
        ) {
            _ = try leaky(Tensor<Float>([1]))
        }
    }
}
