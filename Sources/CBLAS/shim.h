// Towers' view of OpenBLAS: the CBLAS interface plus the few OpenBLAS
// extensions Towers needs to report and repair its kernel choice.
// Internal to the package: public Towers API never exposes these types.
#ifndef TOWERS_CBLAS_SHIM_H
#define TOWERS_CBLAS_SHIM_H

#include <cblas.h>

// OpenBLAS extensions (declared in its cblas.h on most builds; repeated here so
// the shim does not depend on which header variant is installed).
char *openblas_get_config(void);
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);

// Exported by DYNAMIC_ARCH builds only; looked up with dlsym at run time so a
// single-architecture OpenBLAS still links.

/// 1 when the CPU and the operating system support AVX-512F.
static inline int towers_cpu_has_avx512(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#else
    return 0;
#endif
}

/// 1 when the CPU and the operating system support AVX2 and FMA.
static inline int towers_cpu_has_avx2_fma(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/// Tells the CPU that this thread is spinning on a flag (x86 `pause`), so the
/// loop exits promptly and leaves the core's resources to other work.
static inline void towers_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/// The SSE control and status register (x86), whose FTZ (bit 15) and DAZ
/// (bit 6) flags make denormal results and inputs zero; 0 elsewhere.
static inline unsigned int towers_get_mxcsr(void) {
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_ia32_stmxcsr();
#else
    return 0;
#endif
}

static inline void towers_set_mxcsr(unsigned int value) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_ldmxcsr(value);
#else
    (void)value;
#endif
}

#endif
