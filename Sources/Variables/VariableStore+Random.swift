import TowersCore

extension VariableStore {
    /// The seed of ``randomGenerator`` for a store seed: a hash of a key no
    /// variable can have, so it differs from every initializer's seed.
    static func generatorSeed(_ storeSeed: UInt64) -> UInt64 {
        seed(storeSeed, key: "#random_generator")
    }

    /// Restarts ``randomGenerator`` from the store's seed, as a fresh store with
    /// the same seed would have it (for example, to replay the masks of a run).
    ///
    /// ```swift
    /// let store = VariableStore(seed: 42)
    /// let a = try store.asDefault { try Dropout<Float>(rate: 0.5)(x, training: true) }
    /// store.resetRandomGenerator()
    /// let b = try store.asDefault { try Dropout<Float>(rate: 0.5)(x, training: true) }   // the same mask as a
    /// ```
    public func resetRandomGenerator() {
        randomGenerator.reseed(Self.generatorSeed(seed))
    }
}
