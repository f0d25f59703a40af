/// How a window (convolution or pooling) treats the border: TF's `valid` (only
/// windows inside the input) or `same` (zero padding so that the output size is
/// `ceil(input / stride)`).
public enum Padding: String, Sendable, Hashable {
    case valid, same

    /// The output size and leading padding for one spatial dimension.
    func geometry(input: Int, window: Int, stride: Int) -> (output: Int, padBefore: Int) {
        switch self {
        case .valid:
            return (input >= window ? (input - window) / stride + 1 : 0, 0)
        case .same:
            let output = (input + stride - 1) / stride
            let total = Swift.max((output - 1) * stride + window - input, 0)
            return (output, total / 2)
        }
    }
}

/// The geometry of a 2-D window over an NHWC input.
struct WindowGeometry: Equatable {
    var batch, height, width, channels: Int
    var windowH, windowW, strideH, strideW: Int
    var outH, outW, padTop, padLeft: Int

    init(input shape: [Int], window: (Int, Int), strides: (Int, Int), padding: Padding) {
        (batch, height, width, channels) = (shape[0], shape[1], shape[2], shape[3])
        (windowH, windowW) = window
        (strideH, strideW) = strides
        (outH, padTop) = padding.geometry(input: height, window: windowH, stride: strideH)
        (outW, padLeft) = padding.geometry(input: width, window: windowW, stride: strideW)
    }

    /// Calls `body(outputIndex, inputRowOffset?, windowIndex)` for every window
    /// position, where the input offset points at the first channel of pixel
    /// (y, x) or is `nil` for padding.
    @inline(__always)
    func forEachTap(_ body: (_ out: Int, _ tap: Int, _ input: Int?) -> Void) {
        for b in 0..<batch {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let out = (b * outH + oy) * outW + ox
                    for ky in 0..<windowH {
                        let y = oy * strideH + ky - padTop
                        for kx in 0..<windowW {
                            let x = ox * strideW + kx - padLeft
                            let inside = y >= 0 && y < height && x >= 0 && x < width
                            body(out, ky * windowW + kx, inside ? ((b * height + y) * width + x) * channels : nil)
                        }
                    }
                }
            }
        }
    }
}
