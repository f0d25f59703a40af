import Models
import Variables

/// Which tensors of a checkpoint, and which variables of a store, are an
/// optimizer's state rather than the model's: what an inference load leaves out.
enum OptimizerState {
    /// TF1's slot names of the optimizers (with `_N` suffixes: `Adam_1`, `RMSProp_2`).
    static let slotNames: Set<String> = ["Momentum", "Adam", "AdamW", "RMSProp", "Adagrad"]

    /// The file's optimizer state: scalar counters (`global_step`, `beta1_power`,
    /// `beta2_power`, with `_N` suffixes) and slots, `<owner>/<slot name>` tensors
    /// whose owner is in the file with the same shape.
    static func tensors(in file: SafetensorsFile) -> Set<String> {
        var state: Set<String> = []
        for name in file.names where name != SafetensorsFile.metadataKey {
            guard let data = file[name] else { continue }
            if data.shape.isEmpty && SharingReport.counterNames.contains(name.strippingNumericSuffix) {
                state.insert(name)
            } else if let slash = name.lastIndex(of: "/"),
                slotNames.contains(String(name[name.index(after: slash)...]).strippingNumericSuffix),
                file[String(name[..<slash])]?.shape == data.shape
            {
                state.insert(name)
            }
        }
        return state
    }

    /// The store's optimizer slots and counters (as ``Models/SharingReport`` sorts them).
    static func variables(in store: VariableStore) -> Set<String> {
        Set(SharingReport(store: store).rows.filter { $0.kind != .model }.map(\.name))
    }
}
