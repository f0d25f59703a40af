import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One-line usage errors naming the option, the value and the allowed range
/// (ArgumentParser exits with status 64, EX_USAGE, for them).
enum OptionCheck {
    /// Throws unless `value` lies in `range`.
    static func integer(_ option: String, _ value: Int, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            let allowed =
                range.upperBound == Int.max
                ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw ValidationError("\(option) \(value) is out of range: it must be \(allowed)")
        }
    }

    /// Throws unless `value` is finite and `isAllowed` (described by `allowed`).
    static func number(_ option: String, _ value: Double, allowed: String, _ isAllowed: (Double) -> Bool) throws {
        guard value.isFinite, isAllowed(value) else {
            throw ValidationError("\(option) \(value) is out of range: it must be \(allowed)")
        }
    }

    /// The output directory, created if missing; a usage error in one sentence when
    /// the path names a file, a device or a FIFO, or cannot be created or written.
    static func outputDirectory(_ path: String) throws -> URL {
        let option = "--output-dir \(path)"
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw ValidationError("\(option) is not a directory (it names \(kind(info.st_mode)))")
            }
        } else {
            try makeDirectories(path, option: option)
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw ValidationError("\(option) is not a writable directory: \(String(cString: strerror(errno)))")
        }
        return URL(fileURLWithPath: path, isDirectory: true)
    }

    /// `mkdir -p`, reporting the first component that fails.
    private static func makeDirectories(_ path: String, option: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            var info = stat()
            if stat(prefix, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw ValidationError("\(option) cannot be created: \(prefix) is \(kind(info.st_mode))")
                }
                continue
            }
            guard mkdir(prefix, 0o777) == 0 || errno == EEXIST else {
                throw ValidationError("\(option) cannot be created: \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a file"
        case S_IFCHR, S_IFBLK: "a device"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        default: "not a directory"
        }
    }
}

/// Text from a file made safe for a terminal: control characters (C0, DEL and
/// C1, which start escape sequences) become `\u{…}` escapes.
func terminalSafe(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x00..<0x20, 0x7F..<0xA0:
            out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        default:
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}
