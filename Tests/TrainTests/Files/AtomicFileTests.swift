import Foundation
import Testing

@testable import Train

@Suite("Atomic file writes")
struct AtomicFileTests {
    @Test("writes, replaces, and leaves no temporary files")
    func replace() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let url = directory.file("state.bin")
        try AtomicFile.write(Data("first".utf8), to: url)
        #expect(try Data(contentsOf: url) == Data("first".utf8))
        try AtomicFile.write(Data(repeating: 7, count: 1 << 20), to: url)
        #expect(try Data(contentsOf: url) == Data(repeating: 7, count: 1 << 20))
        try AtomicFile.write(Data(), to: url)
        #expect(try Data(contentsOf: url).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["state.bin"])
    }

    @Test("a missing directory throws a typed error naming the step")
    func missingDirectory() throws {
        let url = URL(fileURLWithPath: "/nonexistent-towers-dir/state.bin")
        #expect {
            try AtomicFile.write(Data("x".utf8), to: url)
        } throws: { error in
            guard let error = error as? AtomicFileError else { return false }
            return error.path == url.path && error.step.hasPrefix("create ") && error.code == ENOENT
                && error.description.hasPrefix("cannot write /nonexistent-towers-dir/state.bin: create ")
        }
    }

    @Test("a failed rename leaves the destination and directory untouched")
    func failedRename() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // The destination is a non-empty directory, so rename(2) fails.
        let url = directory.file("occupied")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: url.appendingPathComponent("inner"))
        #expect {
            try AtomicFile.write(Data("x".utf8), to: url)
        } throws: { error in
            (error as? AtomicFileError)?.step == "rename"
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["occupied"])
        #expect(try Data(contentsOf: url.appendingPathComponent("inner")) == Data("keep".utf8))
    }
}
