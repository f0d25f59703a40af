import CKernels
import TowersCore
public import Variables

#if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
    import _Builtin_intrinsics.intel
#endif

/// Adam (Kingma & Ba), with PyTorch's `Adam` update by default and TF1's
/// `AdamOptimizer` with `convention: .tf1`.
///
/// With `g` the (clipped) gradient plus `weightDecay · w` (PyTorch's L2
/// `weight_decay`; TF1 has none), `m = β₁·m + (1 − β₁)·g`,
/// `v = β₂·v + (1 − β₂)·g²` and `t` the optimizer's step (from 1):
/// - `.pytorch`: `w −= lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)`;
/// - `.tf1`: `w −= lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ) · m / (√v + ε)` (the paper's ε̂: the
///   two differ only through ε).
///
/// Slots (TF1's names): `<var>/Adam` (`m`) and `<var>/Adam_1` (`v`), zeros; the
/// optimizer's own `beta1_power` and `beta2_power` (`β₁ᵗ`, `β₂ᵗ`, in the first
/// variable's dtype, at the root; a second Adam on one store gets
/// `beta1_power_1`), so `t` counts this optimizer's steps and a checkpoint
/// resumes it exactly. Defaults are PyTorch's and TF1's: `β₁ = 0.9`,
/// `β₂ = 0.999`, `ε = 1e-8`.
///
/// ```swift
/// let adam = try Adam(store: store, learningRate: .constant(1e-3))
/// loss.backward()
/// try adam.step()
/// ```
public final class Adam: EngineBackedOptimizer {
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    /// L2 penalty folded into the gradient: `g += weightDecay · w` (PyTorch's
    /// `Adam(weight_decay:)`; for decoupled decay use ``AdamW``).
    public let weightDecay: Double
    public let convention: OptimizerConvention

    let engine: OptimizerEngine<AdamRule>

    /// - Throws: ``OptimizerError`` when `beta1` or `beta2` is outside `[0, 1)`, or
    ///   `epsilon`, `weightDecay`, the learning rate or `clipNorm` is negative or
    ///   not finite.
    public init(
        store: VariableStore, learningRate: LearningRateSchedule, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0, clipNorm: Double? = nil,
        convention: OptimizerConvention = .pytorch
    ) throws {
        let rule = try AdamRule(
            name: "Adam", beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay, decoupled: false,
            convention: convention)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.convention = convention
        engine = try OptimizerEngine(store: store, learningRate: learningRate, clipNorm: clipNorm, rule: rule)
    }

}

/// Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's `AdamW`:
/// `w ← w · (1 − lr · weightDecay)`, then ``Adam``'s update (without L2).
///
/// The decay is scaled by the learning rate as in PyTorch, so a schedule
/// scales it too; TF1's `tf.contrib.opt.AdamWOptimizer(weight_decay: d)` is
/// `AdamW` with `weightDecay = d / lr` (and `convention: .tf1` for its epsilon).
/// Slots are named as that optimizer's: `<var>/AdamW`, `<var>/AdamW_1`, and
/// `beta1_power`, `beta2_power`. Default `weightDecay`: PyTorch's 0.01.
///
/// ```swift
/// let adamw = try AdamW(store: store, learningRate: .cosine(initial: 1e-3, totalSteps: 10_000), weightDecay: 0.05)
/// ```
public final class AdamW: EngineBackedOptimizer {
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    /// Decoupled decay per unit learning rate: `w ← w · (1 − lr · weightDecay)`.
    public let weightDecay: Double
    public let convention: OptimizerConvention

    let engine: OptimizerEngine<AdamRule>

    /// - Throws: ``OptimizerError`` as ``Adam``'s initializer.
    public init(
        store: VariableStore, learningRate: LearningRateSchedule, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0.01, clipNorm: Double? = nil,
        convention: OptimizerConvention = .pytorch
    ) throws {
        let rule = try AdamRule(
            name: "AdamW", beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay, decoupled: true,
            convention: convention)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.convention = convention
        engine = try OptimizerEngine(store: store, learningRate: learningRate, clipNorm: clipNorm, rule: rule)
    }

}

/// The Adam and AdamW update.
struct AdamRule: UpdateRule {
    struct Coefficients {
        /// PyTorch: `lr / (1 − β₁ᵗ)`; TF1: `lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)`.
        var stepSize: Double
        /// PyTorch: `1 / √(1 − β₂ᵗ)`; TF1: 1.
        var denominatorScale: Double
        /// AdamW: `1 − lr · weightDecay`; Adam: 1.
        var decay: Double
    }

    let name: String
    let beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double
    let decoupled: Bool
    let convention: OptimizerConvention
    private(set) var beta1Power: ScalarVariable?
    private(set) var beta2Power: ScalarVariable?

    init(
        name: String, beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double, decoupled: Bool,
        convention: OptimizerConvention
    ) throws {
        let check = OptionCheck(name)
        try check.unitInterval("beta1", beta1)
        try check.unitInterval("beta2", beta2)
        try check.nonNegative("epsilon", epsilon)
        try check.nonNegative("weightDecay", weightDecay)
        self.name = name
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        self.convention = convention
    }

    var slots: [SlotSpec] { [SlotSpec(name: name, initialValue: 0), SlotSpec(name: name + "_1", initialValue: 0)] }

    mutating func createVariables(in store: VariableStore, dtype: DType) throws {
        func power(_ name: String, _ beta: Double) throws -> ScalarVariable {
            try store.variableScope(VariableScope.root) {
                func make<T: TensorElement>(_: T.Type) throws -> any AnyVariable {
                    try store.variable(Tensor(T(convertingFromDouble: beta)), name: name, trainable: false)
                }
                return ScalarVariable(variable: try make(dtype.elementType))
            }
        }
        beta1Power = try power("beta1_power", beta1)
        beta2Power = try power("beta2_power", beta2)
    }

    func coefficients(learningRate lr: Double) -> Coefficients {
        let bc1 = 1 - (beta1Power?.value ?? beta1), bc2 = 1 - (beta2Power?.value ?? beta2)
        let decay = decoupled ? 1 - lr * weightDecay : 1
        switch convention {
        case .pytorch: return Coefficients(stepSize: lr / bc1, denominatorScale: 1 / bc2.squareRoot(), decay: decay)
        case .tf1: return Coefficients(stepSize: lr * bc2.squareRoot() / bc1, denominatorScale: 1, decay: decay)
        }
    }

    func update<T: TensorScalar>(
        _ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ slots: [UnsafeMutablePointer<T>], count n: Int,
        _ c: Coefficients
    ) {
        _ = updateCheckingFinite(w, g, slots, count: n, c)
    }

    /// Every path below sets the gradient to zero in the same pass.
    var zeroesGradient: Bool { true }

    /// The update, which also zeroes the gradient; plain Adam on `Float`s (the
    /// common case) checks the values it writes for NaN and infinities as it goes.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func updateCheckingFinite<T: TensorScalar>(
        _ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ slots: [UnsafeMutablePointer<T>], count n: Int,
        _ c: Coefficients
    ) -> Bool? {
        let m = slots[0], v = slots[1]
        let b1 = T(1 - beta1), b2 = T(beta2), b2c = T(1 - beta2), eps = T(epsilon)
        let l2 = decoupled ? 0 : T(weightDecay), decay = T(c.decay)
        let stepSize = T(c.stepSize), scale = T(c.denominatorScale)
        guard !decoupled && l2 == 0 && T.self == Float.self else {
            for i in 0..<n {
                if decoupled { w[i] *= decay }
                let gi = l2 == 0 ? g[i] : g[i] + l2 * w[i]
                m[i] += b1 * (gi - m[i])
                v[i] = b2 * v[i] + b2c * gi * gi
                w[i] -= stepSize * (m[i] / (v[i].squareRoot() * scale + eps))
                g[i] = 0
            }
            return nil
        }
        // The same operations in the same order, sixteen Floats at a time where
        // the CPU has AVX-512, then four at a time (IEEE lanes: bit-identical to
        // the loop above), then the remainder.
        let constants = (
            Float(b1.doubleValue), Float(b2.doubleValue), Float(b2c.doubleValue), Float(eps.doubleValue),
            Float(stepSize.doubleValue), Float(scale.doubleValue)
        )
        let raw = (
            w: UnsafeMutableRawPointer(w), g: UnsafeMutableRawPointer(g), m: UnsafeMutableRawPointer(m),
            v: UnsafeMutableRawPointer(v)
        )
        var probe: Float = 0
        var start = 0
        if Self.hasAVX512 {
            start = withUnsafePointer(to: constants) { tuple in
                tuple.withMemoryRebound(to: Float.self, capacity: 6) { c in
                    towers_adam_f32_avx512(
                        raw.w.assumingMemoryBound(to: Float.self), raw.g.assumingMemoryBound(to: Float.self),
                        raw.m.assumingMemoryBound(to: Float.self), raw.v.assumingMemoryBound(to: Float.self), n, c,
                        &probe)
                }
            }
        }
        let lanes: (updated: Int, probe: Float) = Self.plainAdam4(
            w: raw.w, g: raw.g, m: raw.m, v: raw.v, from: start, count: n, constants: constants)
        start = lanes.updated
        probe += lanes.probe
        for i in start..<n {
            let gi = g[i]
            m[i] += b1 * (gi - m[i])
            v[i] = b2 * v[i] + b2c * gi * gi
            w[i] -= stepSize * (m[i] / (v[i].squareRoot() * scale + eps))
            g[i] = 0
            // x · 0 is 0 for a finite x, NaN otherwise.
            probe += Float((w[i] * 0 + m[i] * 0 + v[i] * 0).doubleValue)
        }
        return probe == 0
    }

    /// Whether ``CKernels``' AVX-512 Adam can run on this CPU.
    private static let hasAVX512 = towers_kernels_have_avx512() != 0

    /// The plain Adam update on `Float`s, four lanes at a time, over elements
    /// `start ..< start + (count − start) / 4 * 4`: where it stopped, and the sum
    /// of `x · 0` over the values written (0 when all are finite, NaN otherwise).
    /// `constants`: β₁ complement, β₂, β₂ complement, ε, step size, denominator scale.
    private static func plainAdam4(
        w: UnsafeMutableRawPointer, g: UnsafeMutableRawPointer, m: UnsafeMutableRawPointer,
        v: UnsafeMutableRawPointer, from start: Int, count: Int,
        constants c: (Float, Float, Float, Float, Float, Float)
    ) -> (updated: Int, probe: Float) {
        typealias V = SIMD4<Float>
        let b1 = V(repeating: c.0), b2 = V(repeating: c.1), b2c = V(repeating: c.2), eps = V(repeating: c.3)
        let stepSize = V(repeating: c.4), scale = V(repeating: c.5)
        let stride = MemoryLayout<V>.stride
        let blocks = (count - start) / 4
        let zero = V()
        var probe = zero
        for k in 0..<blocks {
            let offset = start * MemoryLayout<Float>.stride + k * stride
            let gi = g.loadUnaligned(fromByteOffset: offset, as: V.self)
            let m0 = m.loadUnaligned(fromByteOffset: offset, as: V.self)
            let v0 = v.loadUnaligned(fromByteOffset: offset, as: V.self)
            let w0 = w.loadUnaligned(fromByteOffset: offset, as: V.self)
            let mi = m0 + b1 * (gi - m0)
            let vi = b2 * v0 + b2c * gi * gi
            let wi = w0 - stepSize * (mi / (squareRoot(vi) * scale + eps))
            m.storeBytes(of: mi, toByteOffset: offset, as: V.self)
            v.storeBytes(of: vi, toByteOffset: offset, as: V.self)
            w.storeBytes(of: wi, toByteOffset: offset, as: V.self)
            g.storeBytes(of: zero, toByteOffset: offset, as: V.self)
            probe += wi * zero + mi * zero + vi * zero
        }
        return (start + blocks * 4, probe.sum())
    }

    /// Four correctly rounded square roots in one instruction where there is one
    /// (`Float.squareRoot()` compiles to a call of C's `sqrtf` on Linux, per lane).
    @inline(__always)
    private static func squareRoot(_ x: SIMD4<Float>) -> SIMD4<Float> {
        #if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
            _mm_sqrt_ps(x)
        #else
            x.squareRoot()
        #endif
    }

    func finishStep() {
        beta1Power?.multiply(by: beta1)
        beta2Power?.multiply(by: beta2)
    }
}
