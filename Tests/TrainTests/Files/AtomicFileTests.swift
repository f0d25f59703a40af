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

    @Test("a write removes temporary files that killed writes to the same destination left, and nothing else")
    func staleTemporaries() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let manager = FileManager.default
        let old = Date(timeIntervalSinceNow: -3600)
        func make(_ name: String, modified: Date?, directory isDirectory: Bool = false) throws {
            let url = directory.file(name)
            if isDirectory {
                try manager.createDirectory(at: url, withIntermediateDirectories: false)
            } else {
                try Data(repeating: 1, count: 100).write(to: url)
            }
            if let modified { try manager.setAttributes([.modificationDate: modified], ofItemAtPath: url.path) }
        }
        let stale = [".state.bin.tmp-12345-678", ".state.bin.tmp-1-4294967295"]
        for name in stale { try make(name, modified: old) }
        // Another destination, other patterns, a directory, and a file newer than this process.
        let kept = [
            ".other.bin.tmp-12345-678", ".state.bin.tmp-12345-678.bak", ".state.bin.tmp-12345", ".state.bin.tmp-x-1",
            ".state.bin.tmp--1", "state.bin.tmp-12345-678", ".state.bin.tmp-9-9-9", ".state.bin.tmp-7-7",
            ".state.bin.tmp-8-8",
        ]
        for name in kept.dropLast(2) { try make(name, modified: old) }
        try make(".state.bin.tmp-7-7", modified: old, directory: true)
        try make(".state.bin.tmp-8-8", modified: nil)  // just written: a concurrent writer's file

        try AtomicFile.write(Data("x".utf8), to: directory.file("state.bin"))
        let remaining = Set(try manager.contentsOfDirectory(atPath: directory.url.path))
        #expect(remaining == Set(kept + ["state.bin"]))
    }

    @Test("this process's start time is in the recent past")
    func processStart() {
        let now = Date().timeIntervalSince1970
        #expect(AtomicFile.processStart <= now)
        #expect(AtomicFile.processStart > now - 24 * 3600)
    }
}
