import TowersCore
public import Variables

/// Stochastic gradient descent with momentum, Nesterov momentum, weight decay,
/// gradient clipping by global norm and a learning-rate schedule.
///
/// The update is PyTorch's `SGD` (dampening 0), which is also TF1's
/// `MomentumOptimizer` (`use_nesterov` for Nesterov): with `g` the (clipped)
/// gradient plus `weightDecay · w`, `buf = μ·buf + g` and
/// `w −= lr · (nesterov ? g + μ·buf : buf)`, or `w −= lr · g` without momentum.
/// The momentum slot is TF1's `<var>/Momentum` (only with `momentum > 0`). See
/// ``Optimizer`` for what all optimizers share (state by variable identity,
/// `global_step`, schedules, clipping).
///
/// ```swift
/// let sgd = try SGD(store: store, learningRate: .constant(0.05), momentum: 0.9)
/// loss.backward()
/// try sgd.step()        // update every trainable variable, then zero the gradients
/// ```
public final class SGD: EngineBackedOptimizer {
    public let momentum: Double
    public let nesterov: Bool
    /// L2 penalty folded into the gradient: `g += weightDecay · w` (PyTorch's `weight_decay`).
    public let weightDecay: Double

    let engine: OptimizerEngine<SGDRule>

    /// - Throws: ``OptimizerError`` for a negative or non-finite `momentum`,
    ///   `weightDecay`, learning rate or `clipNorm`, or `nesterov` without momentum.
    public init(
        store: VariableStore, learningRate: LearningRateSchedule, momentum: Double = 0, nesterov: Bool = false,
        weightDecay: Double = 0, clipNorm: Double? = nil
    ) throws {
        let check = OptionCheck("SGD")
        try check.nonNegative("momentum", momentum)
        try check.nonNegative("weightDecay", weightDecay)
        if nesterov && momentum == 0 { throw check.error("nesterov", "needs momentum > 0") }
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        engine = try OptimizerEngine(
            store: store, learningRate: learningRate, clipNorm: clipNorm,
            rule: SGDRule(momentum: momentum, nesterov: nesterov, weightDecay: weightDecay))
    }

}

struct SGDRule: UpdateRule {
    let momentum: Double
    let nesterov: Bool
    let weightDecay: Double

    var name: String { "SGD" }
    var slots: [SlotSpec] { momentum > 0 ? [SlotSpec(name: "Momentum", initialValue: 0)] : [] }

    func coefficients(learningRate: Double) -> Double { learningRate }

    /// `g += λ·w; buf = μ·buf + g; w −= lr · (nesterov ? g + μ·buf : buf)`, then
    /// `g = 0`, in one pass over the elements (the update with BLAS calls read and
    /// wrote each buffer three times). Plain multiplies and adds: Swift code is
    /// compiled for every x86-64, where a fused multiply-add is a library call.
    func update<T: TensorScalar>(
        _ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ slots: [UnsafeMutablePointer<T>], count n: Int,
        _ lr: Double
    ) {
        let rate = T(-lr), mu = T(momentum), decay = T(weightDecay)
        if weightDecay > 0 { for i in 0..<n { g[i] += decay * w[i] } }
        guard momentum > 0 else {
            for i in 0..<n {
                w[i] += rate * g[i]
                g[i] = 0
            }
            return
        }
        let buf = slots[0]
        if nesterov {
            let rateMu = T(-lr * momentum)
            for i in 0..<n {
                let b = mu * buf[i] + g[i]
                buf[i] = b
                w[i] += rate * g[i] + rateMu * b
                g[i] = 0
            }
        } else {
            for i in 0..<n {
                let b = mu * buf[i] + g[i]
                buf[i] = b
                w[i] += rate * b
                g[i] = 0
            }
        }
    }

    /// The update; plain momentum (or none) on `Float`s, the common case, runs
    /// eight lanes at a time and checks the values it writes for NaN and
    /// infinities in the same pass (the engine would otherwise scan the weights
    /// and slots again).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func updateCheckingFinite<T: TensorScalar>(
        _ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ slots: [UnsafeMutablePointer<T>], count n: Int,
        _ lr: Double
    ) -> Bool? {
        guard T.self == Float.self, weightDecay == 0, !nesterov else {
            update(w, g, slots, count: n, lr)
            return nil
        }
        let rate = Float(-lr), mu = Float(momentum)
        let raw = (w: UnsafeMutableRawPointer(w), g: UnsafeMutableRawPointer(g))
        let start: Int
        var probe: Float
        if momentum > 0 {
            let buf = UnsafeMutableRawPointer(slots[0])
            (start, probe) = Self.momentum8(w: raw.w, g: raw.g, buf: buf, count: n, rate: rate, mu: mu)
            let w = raw.w.assumingMemoryBound(to: Float.self), g = raw.g.assumingMemoryBound(to: Float.self)
            let b = buf.assumingMemoryBound(to: Float.self)
            for i in start..<n {
                let bi = mu * b[i] + g[i]
                b[i] = bi
                w[i] += rate * bi
                g[i] = 0
                probe += w[i] * 0 + bi * 0
            }
        } else {
            (start, probe) = Self.plain8(w: raw.w, g: raw.g, count: n, rate: rate)
            let w = raw.w.assumingMemoryBound(to: Float.self), g = raw.g.assumingMemoryBound(to: Float.self)
            for i in start..<n {
                w[i] += rate * g[i]
                g[i] = 0
                probe += w[i] * 0
            }
        }
        return probe == 0
    }

    /// `buf = μ·buf + g; w += rate·buf; g = 0` eight Floats at a time over the
    /// first `count / 8 * 8` elements (IEEE lanes: bit-identical to the scalar
    /// loop): how many it updated, and the sum of `x · 0` over the values written
    /// (0 when all are finite, NaN otherwise).
    private static func momentum8(
        w: UnsafeMutableRawPointer, g: UnsafeMutableRawPointer, buf: UnsafeMutableRawPointer, count: Int,
        rate: Float, mu: Float
    ) -> (updated: Int, probe: Float) {
        typealias V = SIMD8<Float>
        let rate = V(repeating: rate), mu = V(repeating: mu), zero = V()
        let stride = MemoryLayout<V>.stride
        var probe = zero
        for k in 0..<(count / 8) {
            let offset = k * stride
            let b =
                mu * buf.loadUnaligned(fromByteOffset: offset, as: V.self)
                + g.loadUnaligned(fromByteOffset: offset, as: V.self)
            let wi = w.loadUnaligned(fromByteOffset: offset, as: V.self) + rate * b
            buf.storeBytes(of: b, toByteOffset: offset, as: V.self)
            w.storeBytes(of: wi, toByteOffset: offset, as: V.self)
            g.storeBytes(of: zero, toByteOffset: offset, as: V.self)
            probe += wi * zero + b * zero
        }
        return (count / 8 * 8, probe.sum())
    }

    /// `w += rate·g; g = 0` eight Floats at a time; as ``momentum8``.
    private static func plain8(
        w: UnsafeMutableRawPointer, g: UnsafeMutableRawPointer, count: Int, rate: Float
    ) -> (updated: Int, probe: Float) {
        typealias V = SIMD8<Float>
        let rate = V(repeating: rate), zero = V()
        let stride = MemoryLayout<V>.stride
        var probe = zero
        for k in 0..<(count / 8) {
            let offset = k * stride
            let wi =
                w.loadUnaligned(fromByteOffset: offset, as: V.self)
                + rate * g.loadUnaligned(fromByteOffset: offset, as: V.self)
            w.storeBytes(of: wi, toByteOffset: offset, as: V.self)
            g.storeBytes(of: zero, toByteOffset: offset, as: V.self)
            probe += wi * zero
        }
        return (count / 8 * 8, probe.sum())
    }

    var zeroesGradient: Bool { true }
}
