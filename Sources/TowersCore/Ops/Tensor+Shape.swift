extension Tensor where Scalar: TensorScalar {
    /// The same elements with another shape (shares memory; one dimension may be
    /// `-1` and is then inferred).
    ///
    /// ```swift
    /// let flat = images.reshaped([batch, -1])
    /// ```
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let i = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            check(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            target[i] = count / known
        }
        check(
            target.reduce(1, *) == count && target.allSatisfy { $0 >= 0 },
            "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        let x = self
        func forward() {}  // the result shares this tensor's storage
        return .result("Reshape", shape: target, storage: storage, inputs: [x], forward: forward) { y in
            guard x.count > 0 else { return }
            let (dx, overwrite) = x.gradientTarget()
            if overwrite {
                dx.copyElements(from: y.grad!.storage.base, count: x.count)
            } else {
                Scalar.axpy(n: x.count, alpha: 1, x: y.grad!.storage.base, incX: 1, y: dx, incY: 1)
            }
        }
    }

    /// The transpose of a matrix.
    public func transposed() -> Tensor {
        check(rank == 2, "transposed() needs a matrix, shape is \(shape)")
        let x = self, r = shape[0], c = shape[1]
        let out = TensorStorage<Scalar>(uninitializedCount: count)
        func forward() { Scalar.transpose(x.storage.base, out.base, rows: r, cols: c, accumulate: false) }
        forward()
        return .result("Transpose", shape: [c, r], storage: out, inputs: [x], forward: forward) { y in
            Scalar.transpose(y.grad!.storage.base, x.gradPointer(), rows: c, cols: r, accumulate: true)
        }
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    ///
    /// ```swift
    /// let both = Tensor.concat([left, right], axis: 0)   // two batches → one
    /// ```
    public static func concat(_ parts: [Tensor], axis: Int = 0) -> Tensor {
        check(!parts.isEmpty, "concat needs at least one tensor")
        let first = parts[0]
        let ax = first.normalizedAxis(axis)
        for p in parts {
            check(
                p.rank == first.rank && (0..<p.rank).allSatisfy { $0 == ax || p.shape[$0] == first.shape[$0] },
                "concat along axis \(ax): shape \(p.shape) does not match \(first.shape)")
        }
        let outer = first.shape[..<ax].reduce(1, *), inner = first.shape[(ax + 1)...].reduce(1, *)
        let total = parts.reduce(0) { $0 + $1.shape[ax] }
        var shape = first.shape
        shape[ax] = total
        let out = TensorStorage<Scalar>(uninitializedCount: outer * total * inner)
        var starts: [Int] = []
        var offset = 0
        for p in parts {
            starts.append(offset)
            offset += p.shape[ax]
        }
        let offsets = starts
        func forward() {
            for (p, offset) in zip(parts, offsets) {
                let block = p.shape[ax] * inner
                for o in 0..<outer where block > 0 {
                    (out.base + o * total * inner + offset * inner).copyElements(
                        from: p.storage.base + o * block, count: block)
                }
            }
        }
        forward()
        return .result("ConcatV2", shape: shape, storage: out, inputs: parts, forward: forward) { y in
            let dy = y.grad!.storage.base
            for (p, off) in zip(parts, offsets) where p.requiresGrad {
                let block = p.shape[ax] * inner
                guard block > 0 else { continue }
                let dx = p.gradPointer()
                for o in 0..<outer {
                    Scalar.axpy(
                        n: block, alpha: 1, x: dy + o * total * inner + off * inner, incX: 1, y: dx + o * block, incY: 1
                    )
                }
            }
        }
    }

    /// The elements at positions `range` along `axis`.
    ///
    /// ```swift
    /// let firstHalf = batch.slice(0..<32, axis: 0)
    /// ```
    public func slice(_ range: Range<Int>, axis: Int = 0) -> Tensor {
        let x = self, ax = normalizedAxis(axis), d = shape[ax]
        check(
            range.lowerBound >= 0 && range.upperBound <= d,
            "slice \(range) out of range for axis \(ax) of shape \(shape)")
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        var outShape = shape
        outShape[ax] = range.count
        let block = range.count * inner
        let out = TensorStorage<Scalar>(uninitializedCount: outer * block)
        func forward() {
            for o in 0..<outer where block > 0 {
                (out.base + o * block).copyElements(
                    from: x.storage.base + (o * d + range.lowerBound) * inner, count: block)
            }
        }
        forward()
        return .result("Slice", shape: outShape, storage: out, inputs: [x], forward: forward) { y in
            guard block > 0 else { return }
            let dy = y.grad!.storage.base, dx = x.gradPointer()
            for o in 0..<outer {
                Scalar.axpy(
                    n: block, alpha: 1, x: dy + o * block, incX: 1, y: dx + (o * d + range.lowerBound) * inner, incY: 1)
            }
        }
    }

    /// Splits along `axis` into consecutive pieces of the given sizes.
    ///
    /// ```swift
    /// let parts = gates.split(sizes: [h, h, h, h], axis: 1)   // LSTM gates
    /// ```
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        let ax = normalizedAxis(axis)
        check(
            sizes.reduce(0, +) == shape[ax], "split sizes \(sizes) do not add up to dimension \(ax) of shape \(shape)")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return slice(start..<(start + n), axis: ax)
        }
    }

    /// Splits along `axis` into `count` equal pieces.
    public func split(count parts: Int, axis: Int = 0) -> [Tensor] {
        let d = shape[normalizedAxis(axis)]
        check(
            parts > 0 && d % parts == 0, "cannot split dimension \(d) of shape \(shape) into \(parts) equal parts")
        return split(sizes: Array(repeating: d / parts, count: parts), axis: axis)
    }
}
