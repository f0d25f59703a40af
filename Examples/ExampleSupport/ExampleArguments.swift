import Foundation

/// The examples' one option: `--steps N` (a short run, as the tests do).
public enum ExampleArguments {
    /// `N` from `--steps N` on the command line, else `value`; anything but a
    /// whole number ≥ 1 prints why and exits with status 64.
    public static func steps(default value: Int) -> Int {
        let arguments = CommandLine.arguments
        guard let i = arguments.firstIndex(of: "--steps"), i + 1 < arguments.count else { return value }
        guard let steps = Int(arguments[i + 1]), steps >= 1 else {
            print("--steps \(arguments[i + 1]) is not a whole number ≥ 1")
            exit(64)
        }
        return steps
    }
}
