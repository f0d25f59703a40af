public import TowersCore

/// A value that waits for its variable: read (from a checkpoint) before the model
/// made the variable, and assigned when `getVariable` creates it.
package struct PendingValue: Sendable {
    /// The shape and element type the value has; the variable must have the same.
    package let shape: [Int]
    package let dtype: DType
    /// Where the value comes from (the checkpoint's path), for messages.
    package let file: String
    /// The value's name in `file` (before a prefix map), for messages.
    package let tensor: String
    /// Copies the value into a variable of ``shape`` and ``dtype``.
    package let assign: @Sendable (any AnyVariable) throws -> Void

    package init(
        shape: [Int], dtype: DType, file: String, tensor: String,
        assign: @escaping @Sendable (any AnyVariable) throws -> Void
    ) {
        self.shape = shape
        self.dtype = dtype
        self.file = file
        self.tensor = tensor
        self.assign = assign
    }
}

/// A store's deferred restore: the values still waiting, by the name of the
/// variable each waits for, and what happened to the variables created since it
/// opened. Open from a load that left values waiting until the loader closes it.
package struct PendingValues: Sendable {
    package var values: [String: PendingValue] = [:]
    /// Variables that got their value when they were created, in creation order.
    package var restored: [String] = []
    /// Variables created while the restore was open that no value waited for.
    package var createdWithoutValue: [String] = []
    /// Whether `getVariable` consults the values (false: one lock, then the plain path).
    package var isOpen = false
    /// The loader's own record (the checkpoint loads' files and options).
    package var loader: (any Sendable)?

    package init() {}
}

/// A value restored before its variable existed does not fit the variable the
/// model creates: thrown by `getVariable`, which then creates nothing (the value
/// keeps waiting, and the loader's final check reports it).
///
/// ```swift
/// try Checkpoint.load(into: store, from: url)              // before the model is built
/// _ = try Dense<Float>(units: 64)(x)                      // throws if the file's dense/kernel is not [in, 64]
/// ```
public enum PendingValueError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The checkpoint's tensor has another shape or element type than the variable requested.
    case mismatch(
        variable: String, file: String, tensor: String, found: [Int], foundDType: DType, requested: [Int],
        requestedDType: DType)

    public var description: String {
        switch self {
        case .mismatch(let variable, let file, let tensor, let found, let foundDType, let requested, let requestedDType):
            let source = tensor == variable ? "" : " (tensor '\(tensor)')"
            return "Variable \(variable): the model creates it with shape \(requested) \(requestedDType), but the "
                + "checkpoint \(file) loaded into the store holds \(found) \(foundDType) for it\(source); the "
                + "variable was not created. Build the model the checkpoint was saved from, or load with a prefix map."
        }
    }
}

extension VariableStore {
    /// The store's hook around the creation of a variable by `getVariable`: while
    /// a deferred restore is open, a value waiting for the new variable is
    /// checked against the request before anything is created (shape and dtype;
    /// a mismatch throws ``PendingValueError`` and creates nothing) and assigned
    /// to the variable before anyone else can read it.
    func creatingWithPendingValue(
        _ request: GetterRequest, _ create: () throws -> any AnyVariable
    ) throws -> any AnyVariable {
        guard pendingValues.withLock({ $0.isOpen }) else { return try create() }
        // Held while creating (lock order: pending values, then the store's state),
        // so the value is in place when another task gets the variable.
        return try pendingValues.withLock { p in
            guard variable(forKey: request.key) == nil else { return try create() }
            if let value = p.values[request.key], let requested = request.shape,
                case let shape = requested.compactMap({ $0 }), shape.count == requested.count,
                shape != value.shape || request.dtype != value.dtype
            {
                throw PendingValueError.mismatch(
                    variable: request.key, file: value.file, tensor: value.tensor, found: value.shape,
                    foundDType: value.dtype, requested: shape, requestedDType: request.dtype)
            }
            let v = try create()
            guard let value = p.values[v.name] else {
                p.createdWithoutValue.append(v.name)
                return v
            }
            // Only a variable whose name is not its key (`key_1`, the key's name
            // taken by `variable(_:name:)`) gets here unchecked; it stays created.
            guard value.shape == v.shape, value.dtype == v.dtype else {
                throw PendingValueError.mismatch(
                    variable: v.name, file: value.file, tensor: value.tensor, found: value.shape,
                    foundDType: value.dtype, requested: v.shape, requestedDType: v.dtype)
            }
            try value.assign(v)
            p.values[v.name] = nil
            p.restored.append(v.name)
            return v
        }
    }

    /// Runs `body` on the store's deferred restore, atomically.
    package func withPendingValues<R>(_ body: (inout PendingValues) throws -> R) throws -> R {
        try pendingValues.withLock { (p: inout PendingValues) throws -> R in try body(&p) }
    }
}
