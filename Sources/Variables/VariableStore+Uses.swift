extension VariableStore {
    /// Records that `variable` was used under `label`, as `getVariable` does for
    /// its calls, for uses that do not go through `getVariable` in their own
    /// scope: a tied layer that reads another layer's weight records
    /// `"tied: <its scope>"`, so a ``VariableStore/uses(of:)`` list (and a sharing
    /// report) shows the tie.
    ///
    /// ```swift
    /// store.recordUse(of: encoderKernel, label: "tied: decoder")
    /// ```
    public func recordUse(of variable: any AnyVariable, label: String) {
        state.withLock { $0.recordUse(of: variable, label: label) }
    }
}
