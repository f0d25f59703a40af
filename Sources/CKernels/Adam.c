#include "CKernels.h"

// No fused multiply-adds: every operation is rounded as in the Swift loop.
#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

int towers_kernels_have_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

__attribute__((target("avx512f"))) ptrdiff_t towers_adam_f32_avx512(
    float *w, float *g, float *m, float *v, ptrdiff_t n, const float c[6], float *probe) {
    const __m512 b1 = _mm512_set1_ps(c[0]), b2 = _mm512_set1_ps(c[1]), b2c = _mm512_set1_ps(c[2]);
    const __m512 eps = _mm512_set1_ps(c[3]), stepSize = _mm512_set1_ps(c[4]), scale = _mm512_set1_ps(c[5]);
    const __m512 zero = _mm512_setzero_ps();
    __m512 p = zero;
    const ptrdiff_t blocks = n / 16;
    for (ptrdiff_t k = 0; k < blocks; k++) {
        const ptrdiff_t o = k * 16;
        const __m512 gi = _mm512_loadu_ps(g + o), m0 = _mm512_loadu_ps(m + o);
        const __m512 v0 = _mm512_loadu_ps(v + o), w0 = _mm512_loadu_ps(w + o);
        const __m512 mi = _mm512_add_ps(m0, _mm512_mul_ps(b1, _mm512_sub_ps(gi, m0)));
        const __m512 vi = _mm512_add_ps(_mm512_mul_ps(b2, v0), _mm512_mul_ps(_mm512_mul_ps(b2c, gi), gi));
        const __m512 denominator = _mm512_add_ps(_mm512_mul_ps(_mm512_sqrt_ps(vi), scale), eps);
        const __m512 wi = _mm512_sub_ps(w0, _mm512_mul_ps(stepSize, _mm512_div_ps(mi, denominator)));
        _mm512_storeu_ps(m + o, mi);
        _mm512_storeu_ps(v + o, vi);
        _mm512_storeu_ps(w + o, wi);
        _mm512_storeu_ps(g + o, zero);
        p = _mm512_add_ps(
            p, _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(wi, zero), _mm512_mul_ps(mi, zero)), _mm512_mul_ps(vi, zero)));
    }
    *probe += _mm512_reduce_add_ps(p);
    return blocks * 16;
}

#else

int towers_kernels_have_avx512(void) { return 0; }

ptrdiff_t towers_adam_f32_avx512(
    float *w, float *g, float *m, float *v, ptrdiff_t n, const float c[6], float *probe) {
    (void)w; (void)g; (void)m; (void)v; (void)n; (void)c; (void)probe;
    return 0;
}

#endif
