/// Stops the program with `message` when `condition` is false: for broken
/// invariants and for tensor algebra on shapes that do not fit (a programming
/// error, like an array index out of range).
///
/// Unlike `precondition(_:_:)`, whose message optimised builds drop, the message
/// is printed in release builds too, so a shape error names both shapes.
/// Data a user can get wrong (layer and loss inputs, labels, files, options)
/// is checked before it reaches here and throws a typed error instead.
@inline(__always)
package func check(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID,
    line: UInt = #line
) {
    if _slowPath(!condition()) { fail(message(), file: file, line: line) }
}

/// Stops the program with `message`, in every build configuration.
package func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError(message, file: file, line: line)
}
