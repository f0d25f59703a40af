/// A checkpoint that does not fit the model, or values that no checkpoint may hold.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// Names, shapes or dtypes differ; nothing was restored.
    case mismatch(LoadReport)
    /// A prefix map sends two tensors of the file to one variable; nothing was restored.
    case prefixMapCollision(file: String, variable: String, tensors: [String])
    /// A tensor holds NaN or an infinity: nothing was restored (loading), or the
    /// file was not written (saving).
    case nonFiniteValue(file: String, tensor: String)
    /// The file's `global_step` is not a whole number in 0...2⁵³; nothing was restored.
    case invalidGlobalStep(file: String, tensor: String, value: Double)
    /// A metadata value Towers reads (`global_step`) is malformed; nothing was restored.
    case invalidMetadata(file: String, key: String, value: String, reason: String)
    /// ``Checkpoint/finishLoading(_:)``: once the model was built, tensors of the
    /// file still matched no variable (``LoadReport/unused``) or variables the model
    /// created got no value (``LoadReport/missing``). The values restored are kept.
    case incomplete(LoadReport)

    public var description: String {
        switch self {
        case .mismatch(let report):
            return
                "\(report)\nnothing was restored; pass options: [.allowMissing, .allowUnused] or a prefixMap to load a partial or renamed checkpoint"
        case .incomplete(let report):
            return "\(report)\nthe model is built but the checkpoint did not fit it (the \(report.restored) value(s) "
                + "restored are kept); load with options: [.allowMissing, .allowUnused] or a prefixMap to accept a "
                + "partial or renamed checkpoint"
        case .prefixMapCollision(let file, let variable, let tensors):
            return "checkpoint \(file): the prefix map sends both '\(tensors[0])' and '\(tensors[1])' to variable "
                + "'\(variable)'; nothing was restored"
        case .nonFiniteValue(let file, let tensor):
            return "checkpoint \(file): '\(tensor)' holds NaN or an infinity; a checkpoint must hold finite values "
                + "(nothing was read or written)"
        case .invalidMetadata(let file, let key, let value, let reason):
            return "checkpoint \(file): metadata \(key) \(String(reflecting: value)) \(reason); nothing was restored"
        case .invalidGlobalStep(let file, let tensor, let value):
            return "checkpoint \(file): '\(tensor)' is \(value), not a step count (a whole number in 0...2^53); "
                + "nothing was restored"
        }
    }
}
