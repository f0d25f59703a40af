import TowersCore

extension Tensor where Scalar: TensorScalar {
    /// Unfolds an NHWC input into the patch matrix of a convolution:
    /// `[B·OH·OW, kh·kw·C]`, row `(b, oy, ox)`, column `(ky·kw + kx)·C + c`, zeros
    /// for padding. Its gradient folds back (col2im), accumulating overlaps.
    func im2col(_ g: WindowGeometry) -> Tensor {
        let x = self, c = g.channels, taps = g.windowH * g.windowW
        let rows = g.batch * g.outH * g.outW, cols = taps * c
        let out = TensorStorage<Scalar>(zeros: rows * cols)
        // cols: (B·OH·OW, kh·kw·C)
        g.forEachTap { o, tap, input in
            if let input { (out.base + o * cols + tap * c).copyElements(from: x.storage.base + input, count: c) }
        }
        return .result("im2col", shape: [rows, cols], storage: out, inputs: [x]) { y in
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
        Scalar.fill(out.base, with: max ? -Scalar.infinity : 0, count: n)
        var argmax = [Int](repeating: -1, count: max ? n : 0)
        var counts = [Int](repeating: 0, count: max ? 0 : g.batch * g.outH * g.outW)
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
        return .result(max ? "maxPool2D" : "avgPool2D", shape: [g.batch, g.outH, g.outW, c], storage: out, inputs: [x])
        {
            y in
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
