import TowersCore
import Variables

/// The trainable variables' gradients packed into fused buffers (buckets of at
/// most `fusionBytes`, filled in variable-name order, one buffer per element
/// type at the default size), summed over the ranks with one `MPI_Allreduce`
/// per bucket and divided by the number of ranks.
///
/// The first bucket also carries a tail: this rank's loss, whether it was
/// non-finite, and which variables have a gradient here; so one allreduce per
/// step tells every rank the global loss, whether any rank's loss was NaN, and
/// which variables any rank sent gradients to. A variable that received no
/// gradient on this rank contributes zeros; one that received none on any rank
/// keeps no gradient (the optimizer skips it, as it would in one process).
///
/// Made once from the variable list and kept: a step allocates nothing.
final class GradientExchange {
    /// The trainable variables' names, in order.
    let names: [String]
    private let floats: [Bucket<Float>]
    private let doubles: [Bucket<Double>]
    /// Elements in the tail: loss, non-finite count, one presence count per variable.
    private let tailCount: Int
    private let tailInFloats: Bool
    /// Total gradient elements (for reports).
    let elementCount: Int

    /// The tail after a step: the sum of the ranks' finite losses, how many were
    /// not finite, and per variable how many ranks had a gradient.
    private(set) var lossSum = 0.0
    private(set) var nonFiniteCount = 0
    private var presence: [Double]

    init(variables: [any AnyVariable], fusionBytes: Int) throws {
        let sorted = variables.sorted { $0.name < $1.name }
        names = sorted.map(\.name)
        tailCount = 2 + sorted.count
        presence = [Double](repeating: 0, count: sorted.count)
        var floatMembers: [(Tensor<Float>, Int)] = [], doubleMembers: [(Tensor<Double>, Int)] = []
        for (i, v) in sorted.enumerated() {
            if let t = v.tensor(as: Float.self) { floatMembers.append((t, i)) }
            if let t = v.tensor(as: Double.self) { doubleMembers.append((t, i)) }
        }
        // The tail travels with the first bucket of Float gradients, else of Double ones.
        tailInFloats = !floatMembers.isEmpty
        floats = try Bucket.make(floatMembers, fusionBytes: fusionBytes, tail: tailInFloats ? tailCount : 0)
        doubles = try Bucket.make(doubleMembers, fusionBytes: fusionBytes, tail: tailInFloats ? 0 : tailCount)
        elementCount = floatMembers.reduce(0) { $0 + $1.0.count } + doubleMembers.reduce(0) { $0 + $1.0.count }
    }

    deinit {
        for b in floats { b.buffer.deallocate() }
        for b in doubles { b.buffer.deallocate() }
    }

    /// Sums the gradients and the tail over the ranks and leaves the averages in
    /// the variables' gradients.
    func run(loss: Float, on world: Communicator, step: Int) throws {
        for i in presence.indices { presence[i] = 0 }
        for b in floats { b.pack(&presence) }
        for b in doubles { b.pack(&presence) }
        let finite = loss.isFinite
        if tailInFloats {
            floats[0].writeTail(loss: finite ? Double(loss) : 0, nonFinite: finite ? 0 : 1, presence)
        } else {
            doubles[0].writeTail(loss: finite ? Double(loss) : 0, nonFinite: finite ? 0 : 1, presence)
        }
        for b in floats {
            try world.allreduceSum(b.buffer, count: b.count, dtype: .float, what: .gradientAllreduce, step: step)
        }
        for b in doubles {
            try world.allreduceSum(b.buffer, count: b.count, dtype: .double, what: .gradientAllreduce, step: step)
        }
        let (sum, bad) = tailInFloats ? floats[0].readTail(into: &presence) : doubles[0].readTail(into: &presence)
        lossSum = sum
        nonFiniteCount = Int(bad.rounded())
        let scale = 1 / Double(world.size)
        for b in floats { b.unpack(scale: scale, presence: presence) }
        for b in doubles { b.unpack(scale: scale, presence: presence) }
    }
}

/// One fused buffer: gradients of some variables of one element type, then
/// (in the first bucket) the tail.
private final class Bucket<T: TensorScalar> {
    /// Each variable's value tensor, its offset in the buffer and its index among all variables.
    let members: [(value: Tensor<T>, offset: Int, index: Int)]
    let buffer: UnsafeMutablePointer<T>
    let count: Int
    let tailCount: Int
    var tail: UnsafeMutablePointer<T> { buffer + (count - tailCount) }

    private init(members: [(Tensor<T>, Int, Int)], gradientCount: Int, tailCount: Int) {
        self.members = members.map { (value: $0.0, offset: $0.1, index: $0.2) }
        self.tailCount = tailCount
        count = gradientCount + tailCount
        buffer = .allocate(capacity: Swift.max(count, 1))
        buffer.initialize(repeating: 0, count: Swift.max(count, 1))
    }

    /// Buckets of at most `fusionBytes` (a larger variable gets one of its own);
    /// `tail` elements go in the first, which exists whenever `tail > 0`.
    static func make(_ members: [(Tensor<T>, Int)], fusionBytes: Int, tail: Int) throws -> [Bucket] {
        let capacity = Swift.max(1, fusionBytes / MemoryLayout<T>.stride)
        var buckets: [Bucket] = [], current: [(Tensor<T>, Int, Int)] = [], filled = 0
        func close() throws {
            guard !current.isEmpty || (buckets.isEmpty && tail > 0) else { return }
            let extra = buckets.isEmpty ? tail : 0
            guard filled + extra <= Int(Int32.max) else {
                throw DistributedError.invalidOption(
                    name: "fusionBytes", message: "gives a bucket of \(filled + extra) elements, above MPI's 2³¹ − 1")
            }
            buckets.append(Bucket(members: current, gradientCount: filled, tailCount: extra))
            current = []
            filled = 0
        }
        for (value, index) in members {
            if filled > 0, filled + value.count > capacity { try close() }
            current.append((value, filled, index))
            filled += value.count
        }
        try close()
        return buckets
    }

    func pack(_ presence: inout [Double]) {
        for m in members {
            if let g = m.value.grad {
                (buffer + m.offset).update(from: g.storage.base, count: m.value.count)
                presence[m.index] = 1
            } else {
                (buffer + m.offset).update(repeating: 0, count: m.value.count)
            }
        }
    }

    func writeTail(loss: Double, nonFinite: Double, _ presence: [Double]) {
        tail[0] = T(loss)
        tail[1] = T(nonFinite)
        for i in presence.indices { tail[2 + i] = T(presence[i]) }
    }

    /// The summed loss and non-finite count; the presence counts go to `presence`.
    func readTail(into presence: inout [Double]) -> (Double, Double) {
        for i in presence.indices { presence[i] = Double(tail[2 + i]) }
        return (Double(tail[0]), Double(tail[1]))
    }

    /// Copies the averages into the gradients (creating a zero gradient where a
    /// rank had none but another had one).
    func unpack(scale: Double, presence: [Double]) {
        let s = T(scale)
        for m in members where presence[m.index] > 0 {
            if m.value.grad == nil, let zero = try? Tensor<T>.zeros(m.value.shape) { m.value.grad = zero }
            guard let g = m.value.grad else { continue }
            let dst = g.storage.base, src = buffer + m.offset
            for i in 0..<m.value.count { dst[i] = src[i] * s }
        }
    }
}
