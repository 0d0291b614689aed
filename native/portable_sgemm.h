#ifndef ADEPT_PORTABLE_SGEMM_H
#define ADEPT_PORTABLE_SGEMM_H
// Our own single-precision GEMM, for machines without OpenBLAS or oneDNN. Row-major:
// C = alpha * op(A) * op(B) + beta * C. One packing/blocking driver, three micro-kernels
// chosen at run time: AVX-512, AVX2+FMA, and a generic one in
// compiler vector extensions (SSE2 on any x86-64, NEON on ARM).
typedef enum { PORTABLE_GENERIC = 0, PORTABLE_AVX2 = 1, PORTABLE_AVX512 = 2 } portable_isa;

// The best micro-kernel this CPU runs.
portable_isa portable_best_isa(void);
const char *portable_isa_name(portable_isa isa);

// Returns 0, or -1 when out of memory. With beta == 0, C is not read (NaN in C is ignored).
// Large products are split among pool_threads() threads (pool.h), one block of C each; the
// order of every sum is fixed by the blocking, not by the split, so results are
// bit-identical from run to run and at any thread count for a given ISA.
int portable_sgemm(portable_isa isa, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                   int lda, const float *b, int ldb, float beta, float *c, int ldc);
#endif
