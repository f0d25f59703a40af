import Testing
import TowersCore
import Variables

/// The names of every variable in `store`, in creation order.
func names(_ store: VariableStore) -> [String] { store.allVariables.map(\.name) }

/// The keys of every variable in `store`, in creation order (`nil` for `variable(_:name:)`).
func keys(_ store: VariableStore) -> [String?] { store.allVariables.map(\.key) }

/// The text of the error `body` throws, or `nil` when it does not throw.
func errorText(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return String(describing: error)
    }
}

/// Expects `body` to throw a ``VariableError`` whose description is exactly `text`.
func expectError(
    _ text: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    let error = #expect(throws: VariableError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.description == text, sourceLocation: sourceLocation)
    #expect(error.map { String(describing: $0) } == text, sourceLocation: sourceLocation)
}

/// A `Float` variable from `getVariable` on `store` (the typed overload).
func floatVariable(
    _ store: VariableStore, _ name: String, shape: [Int]? = nil, initializer: Initializer? = nil,
    trainable: Bool? = nil, regularizer: Regularizer? = nil
) throws -> Variable<Float> {
    try store.getVariable(name, shape: shape, initializer: initializer, trainable: trainable, regularizer: regularizer)
}

/// Whether two variables are the same object.
func same(_ a: any AnyVariable, _ b: any AnyVariable) -> Bool { a === b }

/// Mean and (population) variance of `xs`.
func moments(_ xs: [Double]) -> (mean: Double, variance: Double) {
    let mean = xs.reduce(0, +) / Double(xs.count)
    let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count)
    return (mean, variance)
}

/// `|actual − expected| ≤ tolerance · |expected|`.
func close(_ actual: Double, _ expected: Double, relative tolerance: Double) -> Bool {
    abs(actual - expected) <= tolerance * abs(expected)
}

/// The values of a variable as doubles.
func doubles<T: TensorScalar>(_ v: Variable<T>) -> [Double] { v.value.scalars.map(Double.init) }

extension String {
    /// The text up to the first newline: TF1's part of a Towers message.
    var firstLine: Substring { self.prefix { $0 != "\n" } }
}
