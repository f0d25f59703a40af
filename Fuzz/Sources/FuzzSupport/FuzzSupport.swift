import CFuzzer

#if canImport(Glibc)
    import Glibc
#endif

/// Runs libFuzzer with the process's arguments on `body` (one input per call),
/// then exits with libFuzzer's status.
///
/// ```swift
/// fuzz { data, count in … ; return 0 }
/// ```
public func fuzz(_ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, body))
}
