// Elementwise kernels that need instructions Swift cannot ask for per function:
// Swift code is compiled for every x86-64 (SSE2), so a loop bound by square
// roots and divisions runs four lanes at a time. These C functions carry a
// `target` attribute and are called only when the CPU has the instructions
// (`towers_kernels_have_avx512`). Each does the same IEEE operations in the
// same order as the Swift loop it stands for: the results are bit-identical.
// Internal to the package.
#ifndef TOWERS_CKERNELS_H
#define TOWERS_CKERNELS_H

#include <stddef.h>

/// 1 when the CPU and the operating system support AVX-512F.
int towers_kernels_have_avx512(void);

/// Plain Adam on `float`s, sixteen lanes at a time, over the first `n / 16 * 16`
/// elements: `m += c0·(g − m)`, `v = c1·v + c2·g·g`,
/// `w −= c4·(m / (√v·c5 + c3))`, `g = 0` (`c`: β₁ complement, β₂, β₂ complement, ε, step
/// size, denominator scale). Adds `x · 0` over the values written to `*probe`
/// (0 when all are finite, NaN otherwise) and returns how many elements it
/// updated; 0 without AVX-512.
ptrdiff_t towers_adam_f32_avx512(
    float *w, float *g, float *m, float *v, ptrdiff_t n, const float c[6], float *probe);

#endif
