import TowersCore

extension Tensor where Scalar: TensorScalar {
    /// Unfolds an NHWC input into the patch matrix of a convolution:
    /// `[B·OH·OW, kh·kw·C]`, row `(b, oy, ox)`, column `(ky·kw + kx)·C + c`, zeros
    /// for padding. Its gradient folds back (col2im), accumulating overlaps.
    func im2col(_ g: WindowGeometry) -> Tensor {
        let x = self, c = g.channels, taps = g.windowH * g.windowW
        let rows = g.batch * g.outH * g.outW, cols = taps * c
        let out = TensorStorage<Scalar>(zeros: rows * cols)
        // cols: (B·OH·OW, kh·kw·C); padding taps stay zero.
        func forward() {
            g.forEachTap { o, tap, input in
                if let input { (out.base + o * cols + tap * c).copyElements(from: x.storage.base + input, count: c) }
            }
        }
        forward()
        return .result("Im2Col", shape: [rows, cols], storage: out, inputs: [x], forward: forward) { y in
            let dy = y.grad!.storage.base, dx = x.gradPointer()
            g.forEachTap { o, tap, input in
                if let input {
                    Scalar.axpy(n: c, alpha: 1, x: dy + o * cols + tap * c, incX: 1, y: dx + input, incY: 1)
                }
            }
        }
    }

    /// Max or average over each window of an NHWC input, per channel:
    /// `[B, OH, OW, C]`. Average pooling divides by the number of non-padding taps
    /// (as TF does with `same` padding).
    func pool2D(_ g: WindowGeometry, max: Bool) -> Tensor {
        let x = self, c = g.channels
        let n = g.batch * g.outH * g.outW * c
        let out = TensorStorage<Scalar>(uninitializedCount: n)
        // Where each max came from, and how many real (non-padding) taps each average has.
        let argmax = UnsafeMutableBufferPointer<Int>.allocate(capacity: max ? n : 0)
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: max ? 0 : g.batch * g.outH * g.outW)
        let buffers = PoolingBuffers(argmax: argmax, counts: counts)
        func forward() {
            withExtendedLifetime(buffers) {}  // the buffers live as long as either pass
            Scalar.fill(out.base, with: max ? -Scalar.infinity : 0, count: n)
            argmax.initialize(repeating: -1)
            counts.initialize(repeating: 0)
            g.forEachTap { o, _, input in
                guard let input else { return }
                if max {
                    for ch in 0..<c where x.storage.base[input + ch] > out.base[o * c + ch] || argmax[o * c + ch] < 0 {
                        out.base[o * c + ch] = x.storage.base[input + ch]
                        argmax[o * c + ch] = input + ch
                    }
                } else {
                    counts[o] += 1
                    for ch in 0..<c { out.base[o * c + ch] += x.storage.base[input + ch] }
                }
            }
            if !max {
                for o in 0..<counts.count where counts[o] > 0 {
                    Scalar.scal(n: c, alpha: 1 / Scalar(counts[o]), x: out.base + o * c, incX: 1)
                }
            }
        }
        forward()
        return .result(
            max ? "MaxPool" : "AvgPool", shape: [g.batch, g.outH, g.outW, c], storage: out, inputs: [x],
            forward: forward
        ) { y in
            withExtendedLifetime(buffers) {}
            let dy = y.grad!.storage.base, dx = x.gradPointer()
            if max {
                for i in 0..<n where argmax[i] >= 0 { dx[argmax[i]] += dy[i] }
            } else {
                g.forEachTap { o, _, input in
                    guard let input, counts[o] > 0 else { return }
                    Scalar.axpy(n: c, alpha: 1 / Scalar(counts[o]), x: dy + o * c, incX: 1, y: dx + input, incY: 1)
                }
            }
        }
    }
}

/// The index buffers of a pooling operation, freed with the last closure that
/// holds them (its forward and backward passes).
private final class PoolingBuffers: @unchecked Sendable {
    let argmax: UnsafeMutableBufferPointer<Int>
    let counts: UnsafeMutableBufferPointer<Int>
    init(argmax: UnsafeMutableBufferPointer<Int>, counts: UnsafeMutableBufferPointer<Int>) {
        self.argmax = argmax
        self.counts = counts
    }
    deinit {
        argmax.deallocate()
        counts.deallocate()
    }
}
