/// The version of Towers: `towers --version` and `towers-bench` print it. A
/// release changes this one line.
///
/// ```swift
/// print("Towers \(TowersVersion.string)")
/// ```
public enum TowersVersion {
    /// The semantic version of this source tree.
    public static let string = "0.1.0"
}
