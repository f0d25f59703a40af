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
