/// TensorFlow's name patterns (rule 7 of the scoping semantics).
enum NameValidation {
    static let rootPattern = "^[A-Za-z0-9.][A-Za-z0-9_.\\-/>]*$"
    static let nestedPattern = "^[A-Za-z0-9_.\\-/>]*$"

    private static func isBodyCharacter(_ c: Character) -> Bool {
        (c.isASCII && (c.isLetter || c.isNumber)) || "_.-/>".contains(c)
    }

    private static func isFirstCharacter(_ c: Character) -> Bool {
        (c.isASCII && (c.isLetter || c.isNumber)) || c == "."
    }

    /// Checks `name` as used at the root (`atRoot`) or inside a scope; empty names
    /// are an error in Towers.
    static func validate(_ name: String, atRoot: Bool) throws(VariableError) {
        let pattern = atRoot ? rootPattern : nestedPattern
        guard let first = name.first else { throw .invalidName(name: name, pattern: pattern) }
        if atRoot && !isFirstCharacter(first) { throw .invalidName(name: name, pattern: pattern) }
        if !name.allSatisfy(isBodyCharacter) { throw .invalidName(name: name, pattern: pattern) }
    }
}
