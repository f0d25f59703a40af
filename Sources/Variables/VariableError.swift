public import TowersCore

/// Misuse of variables and scopes. Each message names the variable or scope,
/// says what was found, and how to fix it; the texts follow TensorFlow 1's.
///
/// A call that throws leaves the store unchanged.
///
/// ```swift
/// do { _ = try store.getVariable("a", shape: [1], dtype: Float.self) }
/// catch let error as VariableError { print(error) }
/// // Variable a already exists, disallowed. Did you mean to set reuse=True or reuse=AUTO_REUSE in VarScope?
/// ```
public enum VariableError: Error, Equatable, CustomStringConvertible, Sendable {
    /// `getVariable` found the key while reuse is off.
    case alreadyExists(key: String)
    /// `getVariable` under `.reuse` did not find the key.
    case doesNotExist(key: String)
    /// Reusing a variable with a different shape.
    case shapeMismatch(key: String, specified: [Int], found: [Int])
    /// Reusing a variable with a different element type.
    case dtypeMismatch(key: String, specified: DType, found: DType)
    /// A new variable with neither a shape nor an initial value.
    case missingShape(key: String)
    /// An initial value and a shape given together.
    case shapeWithInitialValue(key: String)
    /// An initializer that cannot produce the requested shape.
    case initializerShape(key: String, initializer: String, shape: [Int], reason: String)
    /// A name that does not match TensorFlow's pattern, or is empty.
    case invalidName(name: String, pattern: String)
    /// `variableScope(default:reuse:)` with reuse but no explicit name.
    case reuseWithoutName(defaultName: String)
    /// A custom getter returned a variable of another element type.
    case getterTypeMismatch(key: String, expected: DType, returned: DType)
    /// `getVariable` or `variable` called outside any store.
    case noCurrentStore(name: String)

    public var description: String {
        switch self {
        case .alreadyExists(let key):
            return
                "Variable \(key) already exists, disallowed. Did you mean to set reuse=True or reuse=AUTO_REUSE in VarScope?"
        case .doesNotExist(let key):
            return
                "Variable \(key) does not exist, or was not created with getVariable(). Did you mean to set reuse=AUTO_REUSE in VarScope?"
        case .shapeMismatch(let key, let specified, let found):
            return "Trying to share variable \(key), but specified shape \(specified) and found shape \(found)."
        case .dtypeMismatch(let key, let specified, let found):
            return "Trying to share variable \(key), but specified dtype \(specified) and found dtype \(found)."
        case .missingShape(let key):
            return
                "Shape of a new variable (\(key)) must be fully defined, but instead was nil. Give a shape or an initial value."
        case .shapeWithInitialValue(let key):
            return "Variable \(key): an initial value fixes the shape; do not specify shape as well."
        case .initializerShape(let key, let initializer, let shape, let reason):
            return "Variable \(key): initializer \(initializer) cannot fill shape \(shape): \(reason)."
        case .invalidName(let name, let pattern):
            return name.isEmpty
                ? "Empty variable or scope name; names must match \(pattern)."
                : "'\(name)' is not a valid variable or scope name; names must match \(pattern)."
        case .reuseWithoutName(let defaultName):
            return
                "reuse cannot be used without a name_or_scope (default name '\(defaultName)'): name the scope to reuse it."
        case .getterTypeMismatch(let key, let expected, let returned):
            return "Custom getter for \(key) returned a \(returned) variable where \(expected) was requested."
        case .noCurrentStore(let name):
            return
                "'\(name)' was requested outside any variable store: call it inside store.asDefault { } or store.variableScope(...) { }."
        }
    }
}
