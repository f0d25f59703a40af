import Foundation
import Testing
import TowersCore

@testable import Train

@Suite("Safetensors interop with Python")
struct SafetensorsInteropTests {
    @Test("Python's safetensors.numpy reads what Towers writes")
    func pythonReadsTowers() throws {
        try Python.require(["safetensors", "numpy"])
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let url = directory.file("towers.safetensors")

        var file = SafetensorsFile(metadata: ["format": "towers", "step": "7"])
        let kernel = try Tensor<Float>.randomNormal([5, 3], seed: 21)
        let tower = try Tensor<Double>.randomNormal([2, 3, 4], seed: 22)
        file.set("tower/dense/kernel", kernel)
        file.set("tower/dense/bias", Tensor<Float>([0.1, -2.5, 1e-30]))
        file.set("tower_1/w", tower)
        file.set("global_step", Tensor<Double>(1234))
        file.set("empty", try Tensor<Float>.zeros([0, 2]))
        try file.write(to: url)

        let script = """
            import json, sys
            from safetensors import safe_open
            from safetensors.numpy import load_file
            tensors = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework='np') as f:
                metadata = f.metadata()
            print(json.dumps({
                'metadata': metadata,
                'tensors': {name: {'dtype': str(a.dtype), 'shape': list(a.shape), 'values': [repr(float(x)) for x in a.ravel()]}
                            for name, a in tensors.items()},
            }))
            """
        let result = try Python.run(script, arguments: [url.path])
        try #require(result.status == 0, "python failed: \(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["metadata"] as? [String: String] == ["format": "towers", "step": "7"])
        let tensors = try #require(json["tensors"] as? [String: [String: Any]])
        #expect(Set(tensors.keys) == Set(file.names))

        func check<T: TensorScalar>(_ name: String, _ expected: Tensor<T>, dtype: String) {
            guard let entry = tensors[name] else {
                Issue.record("python did not load \(name)")
                return
            }
            #expect(entry["dtype"] as? String == dtype, "\(name)")
            #expect(entry["shape"] as? [Int] == expected.shape, "\(name)")
            // Values travel as Python reprs, which round-trip exactly through Double(String).
            let values = (entry["values"] as? [String])?.compactMap { Double($0) } ?? []
            #expect(values.map { T($0) } == expected.scalars, "\(name)")
        }
        check("tower/dense/kernel", kernel, dtype: "float32")
        check("tower/dense/bias", Tensor<Float>([0.1, -2.5, 1e-30]), dtype: "float32")
        check("tower_1/w", tower, dtype: "float64")
        check("global_step", Tensor<Double>(1234), dtype: "float64")
        check("empty", try Tensor<Float>.zeros([0, 2]), dtype: "float32")
    }

    @Test("Towers reads what Python's safetensors.numpy writes")
    func towersReadsPython() throws {
        try Python.require(["safetensors", "numpy"])
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let url = directory.file("python.safetensors")
        let halfURL = directory.file("half.safetensors")
        let script = """
            import sys
            import numpy as np
            from safetensors.numpy import save_file
            save_file({
                'conv/kernel': (np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8 - 1),
                'odd': np.array([1.5, -2.25, 3.125], dtype=np.float32),
                'dense/bias': np.linspace(-1, 1, 5, dtype=np.float64),
                'scalar': np.array(2.5, dtype=np.float64),
                'nothing': np.zeros((3, 0), dtype=np.float32),
            }, sys.argv[1], metadata={'producer': 'python', 'epoch': '3'})
            save_file({'w': np.ones((2, 2), dtype=np.uint8)}, sys.argv[2])
            """
        let result = try Python.run(script, arguments: [url.path, halfURL.path])
        try #require(result.status == 0, "python failed: \(result.stderr)")

        let file = try SafetensorsFile.read(from: url)
        #expect(file.metadata == ["producer": "python", "epoch": "3"])
        #expect(file.names == ["conv/kernel", "dense/bias", "nothing", "odd", "scalar"])
        let kernel = try file.tensor(named: "conv/kernel", as: Float.self)
        #expect(kernel.shape == [2, 3, 4])
        #expect(kernel.scalars == (0..<24).map { Float($0) / 8 - 1 })
        #expect(try file.tensor(named: "odd", as: Float.self).scalars == [1.5, -2.25, 3.125])
        let bias = try file.tensor(named: "dense/bias", as: Double.self)
        #expect(bias.scalars == [-1, -0.5, 0, 0.5, 1])
        #expect(try file.tensor(named: "scalar", as: Double.self).shape == [])
        #expect(try file.tensor(named: "scalar", as: Double.self).scalar == 2.5)
        #expect(try file.tensor(named: "nothing", as: Float.self).shape == [3, 0])
        #expect(throws: SafetensorsError.dtypeMismatch(tensor: "conv/kernel", expected: .float64, found: .float32)) {
            try file.tensor(named: "conv/kernel", as: Double.self)
        }

        // Re-encoding gives a file that reads back identically.
        #expect(try SafetensorsFile(bytes: try file.serialized()) == file)

        #expect(throws: SafetensorsError.unsupportedDType(file: halfURL.path, tensor: "w", dtype: "U8")) {
            try SafetensorsFile.read(from: halfURL)
        }
    }

    /// The values of every element type as one Python script prints them:
    /// `{name: {"dtype": "I32", "shape": [...], "values": [...]}}` (floats as
    /// `repr`, which round-trips exactly).
    static let decodeScript = """
        import json, sys
        import numpy as np
        import safetensors

        def values(dtype, data):
            raw = bytes(data)
            if dtype == 'BF16':
                bits = np.frombuffer(raw, dtype='<u2').astype(np.uint32) << 16
                return [repr(float(x)) for x in bits.view(np.float32)]
            kinds = {'F32': '<f4', 'F64': '<f8', 'F16': '<f2', 'I32': '<i4', 'I64': '<i8', 'BOOL': 'u1'}
            a = np.frombuffer(raw, dtype=kinds[dtype])
            if dtype == 'BOOL':
                return [bool(x) for x in a]
            if dtype in ('I32', 'I64'):
                return [int(x) for x in a]
            return [repr(float(x)) for x in a]

        with open(sys.argv[1], 'rb') as f:
            tensors = safetensors.deserialize(f.read())
        print(json.dumps({name: {'dtype': t['dtype'], 'shape': list(t['shape']), 'values': values(t['dtype'], t['data'])}
                          for name, t in tensors}))
        """

    /// One tensor of each element type, with edge values (extremes, a rounding case, -0).
    static func everyDtype() throws -> [String: AnyTensorData] {
        [
            "f16": AnyTensorData(Tensor<Float16>([0.5, -65504, 0.00006103515625, -0.0])),
            "bf16": AnyTensorData(Tensor<BFloat16>([BFloat16(3.14159), BFloat16(-3e38), BFloat16(1e-38)])),
            "i32": AnyTensorData(try Tensor<Int32>(shape: [2, 2], scalars: [Int32.min, -1, 0, Int32.max])),
            "i64": AnyTensorData(Tensor<Int64>([Int64.min, -7, Int64(1) << 62 + 3, Int64.max])),
            "bool": AnyTensorData(try Tensor<Bool>(shape: [1, 3], scalars: [true, false, true])),
            "f32": AnyTensorData(Tensor<Float>([1e-30, -2.5])),
            "f64": AnyTensorData(Tensor<Double>([1e-300, .pi])),
        ]
    }

    /// Compares one tensor with what Python printed for it.
    static func check(_ name: String, _ data: AnyTensorData, _ printed: [String: Any]?) {
        guard let printed else {
            Issue.record("python did not read \(name)")
            return
        }
        #expect(printed["dtype"] as? String == data.dtype.safetensorsName, "\(name)")
        #expect(printed["shape"] as? [Int] == data.shape, "\(name)")
        let values = printed["values"] as? [Any] ?? []
        switch data.dtype {
        case .int32:
            #expect(
                values.compactMap { ($0 as? NSNumber)?.int64Value }
                    == (try? data.scalars(as: Int32.self))?.map(Int64.init))
        case .int64:
            #expect(
                values.compactMap { ($0 as? NSNumber)?.int64Value } == (try? data.scalars(as: Int64.self)), "\(name)")
        case .bool:
            #expect(values.compactMap { ($0 as? NSNumber)?.boolValue } == (try? data.scalars(as: Bool.self)), "\(name)")
        default:
            let doubles = values.compactMap { ($0 as? String).flatMap(Double.init) }
            let expected = data.converted(to: Double.self).scalars
            #expect(doubles.map(\.bitPattern) == expected.map(\.bitPattern), "\(name)")
        }
    }

    @Test("every dtype (F16, BF16, I32, I64, BOOL, F32, F64) round-trips with Python's safetensors, both ways")
    func everyDtypeRoundTrip() throws {
        try Python.require(["safetensors", "numpy"])
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let expected = try Self.everyDtype()

        // Towers writes; Python's safetensors (its Rust reader) reads every dtype.
        let towersURL = directory.file("towers.safetensors")
        try SafetensorsFile(tensors: expected).write(to: towersURL)
        let read = try Python.run(Self.decodeScript, arguments: [towersURL.path])
        try #require(read.status == 0, "python failed: \(read.stderr)")
        let printed = try #require(
            try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: [String: Any]])
        #expect(Set(printed.keys) == Set(expected.keys))
        for (name, data) in expected { Self.check(name, data, printed[name]) }
        // numpy itself loads every dtype but BF16 (numpy has no bfloat16).
        let numpyScript = """
            import sys
            from safetensors.numpy import load_file
            print(sorted((k, str(v.dtype)) for k, v in load_file(sys.argv[1]).items() if k != 'bf16'))
            """
        var withoutBF16 = expected
        withoutBF16["bf16"] = nil
        let numpyURL = directory.file("numpy.safetensors")
        try SafetensorsFile(tensors: withoutBF16).write(to: numpyURL)
        let numpy = try Python.run(numpyScript, arguments: [numpyURL.path])
        try #require(numpy.status == 0, "python failed: \(numpy.stderr)")
        #expect(
            numpy.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                == "[('bool', 'bool'), ('f16', 'float16'), ('f32', 'float32'), ('f64', 'float64'), ('i32', 'int32'), ('i64', 'int64')]"
        )

        // Python writes the same tensors; Towers reads them bit for bit.
        let writeScript = """
            import sys
            import numpy as np
            import safetensors
            arrays = {
                'f16': np.array([0.5, -65504, 0.00006103515625, -0.0], dtype=np.float16),
                'bf16': np.array([0x4049, 0xFF62, 0x006D], dtype=np.uint16),
                'i32': np.array([[-2**31, -1], [0, 2**31 - 1]], dtype=np.int32),
                'i64': np.array([-2**63, -7, 2**62 + 3, 2**63 - 1], dtype=np.int64),
                'bool': np.array([[True, False, True]]),
                'f32': np.array([1e-30, -2.5], dtype=np.float32),
                'f64': np.array([1e-300, np.pi], dtype=np.float64),
            }
            names = {'f16': 'float16', 'bf16': 'bfloat16', 'i32': 'int32', 'i64': 'int64', 'bool': 'bool',
                     'f32': 'float32', 'f64': 'float64'}
            try:
                from safetensors import TensorSpec
                specs = {k: TensorSpec(dtype=names[k], shape=list(a.shape), data_ptr=a.ctypes.data, data_len=a.nbytes)
                         for k, a in arrays.items()}
            except ImportError:
                specs = {k: {'dtype': names[k], 'shape': list(a.shape), 'data': a.tobytes()} for k, a in arrays.items()}
            safetensors.serialize_file(specs, sys.argv[1])
            """
        let pythonURL = directory.file("python.safetensors")
        let written = try Python.run(writeScript, arguments: [pythonURL.path])
        try #require(written.status == 0, "python failed: \(written.stderr)")
        let file = try SafetensorsFile.read(from: pythonURL)
        #expect(file.names.sorted() == expected.keys.sorted())
        for (name, data) in expected { #expect(file[name] == data, "\(name)") }
    }

    /// Header edge cases, each read by Python's `safetensors.numpy.load` and by
    /// Towers. Towers follows Python except where Python keeps the last of two
    /// equal names silently: Towers rejects those (a checkpoint must not hide a tensor).
    @Test("edge-case headers: Towers accepts and rejects what Python's safetensors does, or is stricter")
    func edgeCases() throws {
        try Python.require(["safetensors", "numpy"])
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let entry = #"{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
        // name, header, (Python accepts, Towers accepts)
        let cases: [(String, String, Bool, Bool)] = [
            ("valid", #"{"a":\#(entry)}"#, true, true),
            ("duplicate-field", #"{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, false, false),
            ("minus-zero-dim", #"{"a":{"dtype":"F32","shape":[-0,2],"data_offsets":[0,0]}}"#, false, false),
            ("minus-zero-offset", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[-0,8]}}"#, false, false),
            ("float-dim", #"{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#, false, false),
            ("exponent-offset", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8e0]}}"#, false, false),
            ("dim-2^64", #"{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}}"#, false, false),
            ("duplicate-metadata", #"{"__metadata__":{},"__metadata__":{},"a":\#(entry)}"#, false, false),
            ("null-metadata", #"{"__metadata__":null,"a":\#(entry)}"#, true, true),
            ("unknown-field", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":[]}}"#, true, true),
            ("duplicate-name", #"{"a":\#(entry),"a":\#(entry)}"#, true, false),
            ("duplicate-metadata-key", #"{"__metadata__":{"k":"1","k":"2"},"a":\#(entry)}"#, true, false),
        ]
        for (name, header, _, _) in cases {
            try safetensorsBytes(header: header, data: Array(repeating: 0, count: 8))
                .write(to: directory.file(name + ".safetensors"))
        }
        let script = """
            import json, sys, os
            from safetensors.numpy import load
            result = {}
            for name in sys.argv[2:]:
                try:
                    load(open(os.path.join(sys.argv[1], name + '.safetensors'), 'rb').read())
                    result[name] = True
                except Exception:
                    result[name] = False
            print(json.dumps(result))
            """
        let result = try Python.run(script, arguments: [directory.url.path] + cases.map(\.0))
        try #require(result.status == 0, "python failed: \(result.stderr)")
        let python = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Bool])
        for (name, _, pythonAccepts, towersAccepts) in cases {
            #expect(python[name] == pythonAccepts, "Python's safetensors on \(name)")
            let towers = (try? SafetensorsFile.read(from: directory.file(name + ".safetensors"))) != nil
            #expect(towers == towersAccepts, "Towers on \(name)")
        }
    }
}
