/// How one operand of a broadcasting operation repeats over the output.
enum BroadcastRole: Equatable {
    case full, scalar
    case row(split: Int)  // shape is the output's trailing dims from `split` on
    case column(split: Int)  // shape is the output's leading dims up to `split`
}

extension BroadcastLayout {
    /// The output shape and loop layout for `a ∘ b`, or a trap naming both shapes.
    ///
    /// Supported: equal shapes; a one-element operand; an operand whose shape is
    /// the output's trailing dimensions (a bias row over a batch, `[n]` or `[1, n]`
    /// over `[m, n]`); an operand whose shape is the output's leading dimensions
    /// followed by ones (a column `[m, 1]` over `[m, n]`).
    static func make(_ aShape: [Int], _ bShape: [Int], op: StaticString) -> (shape: [Int], layout: BroadcastLayout) {
        let rank = Swift.max(aShape.count, bShape.count)
        let pa = Array(repeating: 1, count: rank - aShape.count) + aShape
        let pb = Array(repeating: 1, count: rank - bShape.count) + bShape
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            check(
                pa[i] == pb[i] || pa[i] == 1 || pb[i] == 1,
                "\(op): shapes \(aShape) and \(bShape) cannot be broadcast together")
            out[i] = pa[i] == 1 ? pb[i] : pa[i]
        }
        func role(_ p: [Int]) -> BroadcastRole? {
            if p == out { return .full }
            if p.allSatisfy({ $0 == 1 }) { return .scalar }
            let first = p.firstIndex { $0 != 1 }!
            if Array(p[first...]) == Array(out[first...]) { return .row(split: first) }
            let last = p.lastIndex { $0 != 1 }! + 1
            if Array(p[..<last]) == Array(out[..<last]) { return .column(split: last) }
            return nil
        }
        guard let ra = role(pa), let rb = role(pb) else {
            fail(
                "\(op): broadcasting \(aShape) with \(bShape) is not supported (only equal shapes, scalars, rows and columns)"
            )
        }
        func split(_ r: BroadcastRole) -> Int? {
            switch r {
            case .row(let s), .column(let s): return s
            default: return nil
            }
        }
        let sa = split(ra), sb = split(rb)
        if let sa, let sb, sa != sb {
            fail("\(op): broadcasting \(aShape) with \(bShape) is not supported")
        }
        let s = sa ?? sb ?? 0
        let outer = out[..<s].reduce(1, *), inner = out[s...].reduce(1, *)
        func strides(_ r: BroadcastRole) -> (Int, Int) {
            switch r {
            case .full: return (inner, 1)
            case .scalar: return (0, 0)
            case .row: return (0, 1)
            case .column: return (1, 0)
            }
        }
        let (ao, ai) = strides(ra), (bo, bi) = strides(rb)
        return (out, BroadcastLayout(outer: outer, inner: inner, aOuter: ao, aInner: ai, bOuter: bo, bInner: bi))
    }

    var aIsFull: Bool { aOuter == inner && aInner == 1 }
    var bIsFull: Bool { bOuter == inner && bInner == 1 }
    var bIsRow: Bool { bOuter == 0 && bInner == 1 && outer > 1 }
}
