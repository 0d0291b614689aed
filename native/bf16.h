#ifndef ADEPT_BF16_H
#define ADEPT_BF16_H
#include <stddef.h>
#include <stdint.h>
#include "libs.h"
// Whether oneDNN runs bf16 products in hardware here (AVX512-BF16 or AMX-BF16).
int bf16_supported(const adept_onednn *d);
// C = alpha op(A) op(B) + beta C with A and B rounded to bf16 (round to nearest even) and
// products summed in fp32: oneDNN's dnnl_gemm_bf16bf16f32. 0, or -1 on failure.
int bf16_gemm(const adept_onednn *d, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);
// fp32 → bf16, round to nearest even (NaN stays NaN). Exposed for tests.
void bf16_round(const float *x, uint16_t *y, size_t n);
#endif
