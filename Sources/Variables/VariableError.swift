public import TowersCore

/// Misuse of variables and scopes. The first line of each message is TensorFlow
/// 1's (with Swift spellings of its API names); where TF's text does not name the
/// variable, a second line does.
///
/// A call that throws leaves no variable behind; as in TF, a failure while a new
/// variable's value is made (after its name was chosen) uses up the name.
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
    /// Reusing a variable with a different shape (`nil`: an unknown dimension).
    case shapeMismatch(key: String, specified: [Int?], found: [Int])
    /// Reusing a variable with a different element type.
    case dtypeMismatch(key: String, specified: DType, found: DType)
    /// A new variable with neither a shape, an initial value nor an initializer.
    case missingShape(key: String)
    /// A new variable whose shape is missing or has unknown dimensions.
    case shapeNotFullyDefined(key: String, shape: [Int?]?)
    /// An initial value and a shape given together.
    case shapeWithInitialValue(key: String)
    /// A negative dimension.
    case negativeDimension(key: String, shape: [Int?], dimension: Int)
    /// A shape with more elements than memory can hold.
    case tooLarge(key: String, shape: [Int], dtype: DType)
    /// The initializer could not make the value (wrong rank, too many values, a
    /// value the element type cannot hold); `reason` is TF's message.
    case initializerFailed(key: String, initializer: String, shape: [Int], reason: String)
    /// A name that does not match TensorFlow's pattern, or is empty.
    case invalidName(name: String, pattern: String)
    /// `variableScope(nil, default:, reuse:)` with reuse but no explicit name.
    case reuseWithoutName(defaultName: String)
    /// `variableScope(nil)` without a default name.
    case defaultNameRequired
    /// A custom getter returned a variable or tensor of another element type.
    case getterTypeMismatch(key: String, expected: DType, returned: DType)
    /// A custom getter returned a derived tensor where a variable was asked for.
    case getterReturnedTensor(key: String)
    /// A template created trainable variables after its first call (their descriptions).
    case templateCreatedTrainableVariables([String])
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
            return
                "Trying to share variable \(key), but specified shape \(Self.format(specified)) and found shape \(found)."
        case .dtypeMismatch(let key, let specified, let found):
            return "Trying to share variable \(key), but specified dtype \(specified) and found dtype \(found)."
        case .missingShape(let key):
            return "Variable \(key) did not get an initializer, so its `shape` argument must be specified."
        case .shapeNotFullyDefined(let key, let shape):
            return """
                The initializer passed is not valid. It should be a callable with no arguments and the shape should not \
                be provided or an instance of `Initializer` and `shape` should be fully defined.
                Variable \(key): shape \(shape.map(Self.format) ?? "nil"); a new variable needs every dimension.
                """
        case .shapeWithInitialValue(let key):
            return """
                If initializer is a constant, do not specify shape.
                Variable \(key): its initial value fixes the shape.
                """
        case .negativeDimension(let key, let shape, let d):
            return "Dimension \(d) must be >= 0\nVariable \(key): shape \(Self.format(shape))."
        case .tooLarge(let key, let shape, let dtype):
            var count = 1, overflow = false
            for d in shape {
                let (c, o) = count.multipliedReportingOverflow(by: d)
                count = c
                overflow = overflow || o
            }
            let limit = overflow ? "2**63 - 1 entries" : "2**48 bytes of \(dtype)"
            return "Shape \(shape) is too large (more than \(limit)) for '\(key)'."
        case .initializerFailed(let key, let initializer, let shape, let reason):
            return "\(reason)\nVariable \(key): initializer \(initializer), shape \(shape)."
        case .invalidName(let name, let pattern):
            if name.isEmpty { return "Empty variable or scope name; names must match \(pattern)." }
            return pattern == NameValidation.rootPattern
                ? "'\(name)' is not a valid root scope name. A root scope name has to match the following pattern: \(pattern)"
                : "'\(name)' is not a valid scope name. A scope name has to match the following pattern: \(pattern)"
        case .reuseWithoutName(let defaultName):
            return """
                reuse=True cannot be used without a name_or_scope
                The scope with default name '\(defaultName)' cannot set reuse: name it to reuse its variables.
                """
        case .defaultNameRequired:
            return "If default_name is None then name_or_scope is required"
        case .getterTypeMismatch(let key, let expected, let returned):
            return "Custom getter for \(key) returned a \(returned) value where \(expected) was requested."
        case .getterReturnedTensor(let key):
            return
                "Custom getter for \(key) returned a tensor, not a variable: use getVariableValue to get what the getters return."
        case .templateCreatedTrainableVariables(let variables):
            return
                "Trainable variable created when calling a template after the first time, perhaps you used variable() when you meant getVariable(): [\(variables.joined(separator: ", "))]"
        case .noCurrentStore(let name):
            return
                "'\(name)' was requested outside any variable store: call it inside store.asDefault { } or store.variableScope(...) { }."
        }
    }

    /// `[3, ?]`: a shape with unknown dimensions as `?`, as TF prints them.
    static func format(_ shape: [Int?]) -> String {
        "[" + shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
    }
}
