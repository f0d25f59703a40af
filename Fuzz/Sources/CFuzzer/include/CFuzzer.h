// libFuzzer's entry point for programs with their own main (in the toolchain's
// libclang_rt.fuzzer, linked by -sanitize=fuzzer).
#ifndef TOWERS_CFUZZER_H
#define TOWERS_CFUZZER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
