// Portable blocked single-precision GEMM, used where OpenBLAS is absent (or when
// ADEPT_SGEMM=portable asks for it). Row-major: C = alpha * op(A) * op(B) + beta * C.
// Blocks of op(A) and op(B) are packed into contiguous row-major panels so that the
// inner loop is a unit-stride axpy over 4 rows of C that the compiler vectorizes.
#include <stdlib.h>
#include <string.h>
#include "portable_sgemm.h"

enum { MC = 64, KC = 256, NC = 512 };

static float *pack_a = NULL; // [MC][KC]
static float *pack_b = NULL; // [KC][NC]

static int ensure_buffers(void) {
  if (!pack_a) pack_a = (float *)aligned_alloc(64, sizeof(float) * MC * KC);
  if (!pack_b) pack_b = (float *)aligned_alloc(64, sizeof(float) * KC * NC);
  return pack_a && pack_b;
}

// op(X)[r][c] for a row-major X with leading dimension ld.
static inline float at(const float *x, int ld, int trans, int r, int c) {
  return trans ? x[(size_t)c * ld + r] : x[(size_t)r * ld + c];
}

static void scale_c(int m, int n, float beta, float *c, int ldc) {
  for (int i = 0; i < m; i++) {
    float *row = c + (size_t)i * ldc;
    if (beta == 0.0f) memset(row, 0, sizeof(float) * n);
    else if (beta != 1.0f) for (int j = 0; j < n; j++) row[j] *= beta;
  }
}

// C[mb][nb] += Ap[mb][kb] * Bp[kb][nb], four rows of C at a time.
static void block_kernel(int mb, int nb, int kb, const float *restrict ap, const float *restrict bp,
                         float *restrict c, int ldc) {
  int i = 0;
  for (; i + 4 <= mb; i += 4) {
    float *restrict c0 = c + (size_t)i * ldc, *restrict c1 = c0 + ldc, *restrict c2 = c1 + ldc,
                    *restrict c3 = c2 + ldc;
    const float *a0 = ap + (size_t)i * KC;
    for (int p = 0; p < kb; p++) {
      const float x0 = a0[p], x1 = a0[KC + p], x2 = a0[2 * KC + p], x3 = a0[3 * KC + p];
      const float *restrict b = bp + (size_t)p * NC;
      for (int j = 0; j < nb; j++) {
        const float bj = b[j];
        c0[j] += x0 * bj;
        c1[j] += x1 * bj;
        c2[j] += x2 * bj;
        c3[j] += x3 * bj;
      }
    }
  }
  for (; i < mb; i++) {
    float *restrict c0 = c + (size_t)i * ldc;
    const float *a0 = ap + (size_t)i * KC;
    for (int p = 0; p < kb; p++) {
      const float x0 = a0[p];
      const float *restrict b = bp + (size_t)p * NC;
      for (int j = 0; j < nb; j++) c0[j] += x0 * b[j];
    }
  }
}

int portable_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                   const float *b, int ldb, float beta, float *c, int ldc) {
  if (!ensure_buffers()) return -1;
  scale_c(m, n, beta, c, ldc);
  if (alpha == 0.0f || k == 0) return 0;
  for (int jj = 0; jj < n; jj += NC) {
    const int nb = n - jj < NC ? n - jj : NC;
    for (int pp = 0; pp < k; pp += KC) {
      const int kb = k - pp < KC ? k - pp : KC;
      for (int p = 0; p < kb; p++)
        for (int j = 0; j < nb; j++) pack_b[(size_t)p * NC + j] = at(b, ldb, trans_b, pp + p, jj + j);
      for (int ii = 0; ii < m; ii += MC) {
        const int mb = m - ii < MC ? m - ii : MC;
        for (int i = 0; i < mb; i++)
          for (int p = 0; p < kb; p++) pack_a[(size_t)i * KC + p] = alpha * at(a, lda, trans_a, ii + i, pp + p);
        block_kernel(mb, nb, kb, pack_a, pack_b, c + (size_t)ii * ldc + jj, ldc);
      }
    }
  }
  return 0;
}
