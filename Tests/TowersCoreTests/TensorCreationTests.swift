import TestSupport
import Testing
import TowersCore

@Suite struct TensorCreationTests {
    @Test func zerosOnesAndFilled() throws {
        let z = try Tensor<Float>.zeros([2, 3])
        #expect(z.shape == [2, 3] && z.count == 6 && z.rank == 2)
        #expect(z.scalars == [0, 0, 0, 0, 0, 0])
        #expect(try Tensor<Double>.ones([4]).scalars == [1, 1, 1, 1])
        let f = try Tensor<Double>.filled([3, 1, 2], with: -2.5)
        #expect(f.shape == [3, 1, 2] && f.count == 6)
        #expect(f.scalars == [Double](repeating: -2.5, count: 6))
        #expect(try Tensor<Float>.zeros([]).count == 1)
        #expect(try Tensor<Float>.zeros([3, 0]).count == 0)
        #expect(try Tensor<Float>.zeros([3, 0]).scalars.isEmpty)
    }

    @Test func fromArrays() throws {
        let m = try Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4])
        #expect(m.shape == [2, 2] && m.scalars == [1, 2, 3, 4])
        let s = Tensor<Double>(2.5)
        #expect(s.shape == [] && s.rank == 0 && s.count == 1 && s.scalar == 2.5)
        let v = Tensor<Double>([1, 2, 3])
        #expect(v.shape == [3] && v.rank == 1 && v.scalars == [1, 2, 3])
        let rows = try Tensor<Float>([[1, 2, 3], [4, 5, 6]])
        #expect(rows.shape == [2, 3] && rows.scalars == [1, 2, 3, 4, 5, 6])
        #expect(rows[1, 0] == 4)
        #expect(try Tensor<Float>([[Float]]()).shape == [0, 0])
        #expect(!m.requiresGrad && m.grad == nil)
    }

    @Test func generateUsesFlatIndices() throws {
        let t = try Tensor<Double>.generate([2, 3]) { Double($0 * 10) }
        #expect(t.scalars == [0, 10, 20, 30, 40, 50])
        #expect(t[1, 2] == 50)
    }

    @Test func elementSubscriptIsRowMajor() throws {
        let t = try Tensor<Float>(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        #expect(t[0, 0, 0] == 0)
        #expect(t[0, 0, 3] == 3)
        #expect(t[0, 2, 1] == 9)
        #expect(t[1, 0, 0] == 12)
        #expect(t[1, 2, 3] == 23)
        t[1, 1, 2] = -1
        #expect(t.scalars[18] == -1)
        #expect(t[1, 1, 2] == -1)
        let s = Tensor<Double>(4)
        s[] = 5
        #expect(s.scalar == 5)
    }

    @Test func descriptionFormat() throws {
        #expect(
            try Tensor<Float>([[1, 2, 3], [4, 5, 6]]).description
                == "Tensor<Float>[2, 3] [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]")
        #expect(Tensor<Double>(2.5).description == "Tensor<Double>[] 2.5")
        #expect(Tensor<Float>([-1.5]).description == "Tensor<Float>[1] [-1.5]")
        #expect(try Tensor<Float>.zeros([0]).description == "Tensor<Float>[0] []")
        let long = Tensor<Double>((0..<10).map(Double.init))
        #expect(long.description == "Tensor<Double>[10] [0.0, 1.0, 2.0, ..., 7.0, 8.0, 9.0]")
        let eight = Tensor<Float>((0..<8).map(Float.init))
        #expect(eight.description == "Tensor<Float>[8] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]")
        let tall = try Tensor<Float>.generate([9, 1]) { Float($0) }
        #expect(tall.description == "Tensor<Float>[9, 1] [[0.0], [1.0], [2.0], ..., [6.0], [7.0], [8.0]]")
        #expect(try "\(Tensor<Float>.ones([1, 1, 2]))" == "Tensor<Float>[1, 1, 2] [[[1.0, 1.0]]]")
    }

    @Test func copyIsIndependentAndDetachedShares() {
        let x = Tensor<Double>([1, 2, 3]).requiringGradient()
        let c = x.copy(), d = x.detached()
        #expect(!c.requiresGrad && !d.requiresGrad)
        x[0] = 10
        #expect(c.scalars == [1, 2, 3])
        #expect(d.scalars == [10, 2, 3])
    }

    @Test func assignAndFill() throws {
        let x = try Tensor<Float>.zeros([2, 2])
        x.assign(Tensor<Float>([1, 2, 3, 4]))
        #expect(x.scalars == [1, 2, 3, 4])
        #expect(x.shape == [2, 2])
        x.fill(with: 7)
        #expect(x.scalars == [7, 7, 7, 7])
        x.withUnsafeMutableBufferPointer { $0[3] = 8 }
        #expect(x.withUnsafeBufferPointer { Array($0) } == [7, 7, 7, 8])
    }

    @Test func convertedBetweenPrecisions() throws {
        let d = try Tensor<Double>([[0.1, -2], [1e10, 3]])
        let f = d.converted(to: Float.self)
        #expect(f.shape == [2, 2])
        #expect(f.scalars == [Float(0.1), -2, 1e10, 3])
        #expect(f.converted(to: Double.self).scalars == [Double(Float(0.1)), -2, 1e10, 3])
    }

    @Test func dtypes() {
        #expect(Float.dtype == .float32 && Double.dtype == .float64)
        #expect(DType.float32.safetensorsName == "F32" && DType.float64.safetensorsName == "F64")
        #expect(DType.float32.byteSize == MemoryLayout<Float>.size)
        #expect(DType.float64.byteSize == MemoryLayout<Double>.size)
        #expect(DType.float64.description == "Float64")
    }
}
