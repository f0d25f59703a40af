/// TensorFlow's name patterns (rule 7 of the scoping semantics).
enum NameValidation {
    static let rootPattern = "^[A-Za-z0-9.][A-Za-z0-9_.\\-/>]*$"
    static let nestedPattern = "^[A-Za-z0-9_.\\-/>]*$"

    /// ASCII letters, digits and `.` (checked on bytes: this runs on every scope
    /// entry and every `getVariable`).
    @inline(__always)
    private static func isFirstByte(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2E
    }

    /// The first-byte set plus `_`, `-`, `/` and `>`.
    @inline(__always)
    private static func isBodyByte(_ c: UInt8) -> Bool {
        isFirstByte(c) || c == 0x5F || c == 0x2D || c == 0x2F || c == 0x3E
    }

    /// Whether `name` matches the root (`atRoot`) or the nested pattern and is
    /// not empty.
    static func isValid(_ name: String, atRoot: Bool) -> Bool {
        let utf8 = name.utf8
        guard let first = utf8.first else { return false }
        if atRoot && !isFirstByte(first) { return false }
        return utf8.allSatisfy(isBodyByte)
    }

    /// Checks `name` as used at the root (`atRoot`) or inside a scope; empty names
    /// are an error in Towers.
    static func validate(_ name: String, atRoot: Bool) throws(VariableError) {
        guard isValid(name, atRoot: atRoot) else {
            throw .invalidName(name: name, pattern: atRoot ? rootPattern : nestedPattern)
        }
    }
}
