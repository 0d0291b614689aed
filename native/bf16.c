// bf16 mixed precision: the operands of a matrix product rounded to bfloat16 (8 exponent
// bits like fp32, 8 significand bits), products accumulated in fp32 — what
// torch.autocast("cpu", dtype=torch.bfloat16) does for matmul and linear. Everything else
// (weights, gradients' accumulation, optimizer state) stays fp32 in the callers.
#include "bf16.h"
#include <stdlib.h>
#include <string.h>
#include "cpu.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

int bf16_supported(const adept_onednn *d) {
  const adept_cpu *cpu = adept_cpu_info();
  return d->loaded && d->gemm_bf16 && (cpu->avx512_bf16 || cpu->amx_bf16);
}

static inline uint16_t round_one(float x) {
  uint32_t u;
  memcpy(&u, &x, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

#if defined(__x86_64__)
// vcvtne2ps2bf16 rounds to nearest even like round_one, 32 values per instruction.
__attribute__((target("avx512f,avx512bf16"))) static void round_avx512(const float *x, uint16_t *y, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i));
    _mm512_storeu_si512((void *)(y + i), (__m512i)v);
  }
  for (; i < n; i++) y[i] = round_one(x[i]);
}
#endif

void bf16_round(const float *x, uint16_t *y, size_t n) {
#if defined(__x86_64__)
  if (adept_cpu_info()->avx512_bf16) {
    round_avx512(x, y, n);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++) y[i] = round_one(x[i]);
}

// Scratch for the rounded operands, grown as needed (calls come from one JS thread).
static uint16_t *scratch[2];
static size_t scratch_len[2];

static uint16_t *buffer(int which, size_t n) {
  if (scratch_len[which] < n) {
    free(scratch[which]);
    scratch[which] = (uint16_t *)aligned_alloc(64, (n * 2 + 63) / 64 * 64);
    scratch_len[which] = scratch[which] ? n : 0;
  }
  return scratch[which];
}

int bf16_gemm(const adept_onednn *d, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc) {
  const size_t na = (size_t)m * k, nb = (size_t)k * n;
  uint16_t *a16 = buffer(0, na), *b16 = buffer(1, nb);
  if (!a16 || !b16) return -1;
  bf16_round(a, a16, na);
  bf16_round(b, b16, nb);
  return d->gemm_bf16(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a16, lda, b16, ldb, beta, c, ldc) == 0 ? 0 : -1;
}
