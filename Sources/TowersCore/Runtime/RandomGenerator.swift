/// A seeded random number generator shared by reference: operations that draw
/// on every call (``Tensor/dropout(rate:generator:)``) advance it, so each call
/// gets fresh numbers while a whole run stays reproducible from the seed
/// (PyTorch's `torch.Generator`, TF2's `tf.random.Generator`).
///
/// Draws are serialised by a lock, so one generator can serve several tasks;
/// the numbers each call gets then depend on the order of the calls.
///
/// ```swift
/// let generator = RandomGenerator(seed: 7)
/// let a = x.dropout(rate: 0.5, generator: generator)   // one mask
/// let b = x.dropout(rate: 0.5, generator: generator)   // another
/// ```
public final class RandomGenerator: Sendable {
    private let state: Locked<SeededRandom>

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = Locked(SeededRandom(seed: seed)) }

    /// Runs `body` with exclusive use of the generator, advancing it by what
    /// `body` draws.
    ///
    /// ```swift
    /// let u = generator.draw { $0.nextUniform() }
    /// ```
    public func draw<R>(_ body: (inout SeededRandom) -> R) -> R {
        state.withLock { body(&$0) }
    }

    /// A new generator seeded from this one's next number (advancing it by one draw).
    ///
    /// ```swift
    /// let own = shared.fork()
    /// ```
    public func fork() -> RandomGenerator {
        RandomGenerator(seed: draw { $0.next() })
    }

    /// Restarts the sequence from `seed`.
    public func reseed(_ seed: UInt64) {
        state.withLock { $0 = SeededRandom(seed: seed) }
    }
}
