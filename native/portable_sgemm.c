// Portable blocked SGEMM in the BLIS/GotoBLAS layout (Van Zee & van de Geijn, "BLIS: A
// Framework for Rapidly Instantiating BLAS Functionality", ACM TOMS 2015):
//
//   for each KC-deep slice of k:   pack op(B)[KC, n] into NR-wide column panels
//     for each MC-tall block of m: pack alpha·op(A)[MC, KC] into MR-tall row panels
//       for each panel pair:       C[MR, NR] += Ap · Bp   (the micro-kernel, in registers)
//
// The micro-kernel keeps an MR×NR tile of C in vector registers and streams one column of
// Ap and one row of Bp per step, so every loaded value feeds MR or NR fused multiply-adds.
// Each element of C sums its k products in order within a slice and slices in order, so
// the result does not depend on the machine's load, on timing, or on how many threads
// share the product (see "threads" below).
#include "portable_sgemm.h"
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include "cpu.h"
#include "pool.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

enum { KC = 256, MC = 96, NC = 1024, MAX_MR = 12, MAX_NR = 32 };

// A micro-kernel: C[mr, nr] += Ap[kc, MR]ᵀ-panel · Bp[kc, NR]-panel (mr ≤ MR, nr ≤ NR at edges).
typedef void (*micro_kernel)(int kc, const float *restrict ap, const float *restrict bp, float *restrict c, int ldc,
                             int mr, int nr);

// Adds a full MR×NR tile computed in `acc` (row stride NR) to the mr×nr corner of C.
static inline void add_tile(const float *acc, int nr_full, float *c, int ldc, int mr, int nr) {
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) c[(size_t)i * ldc + j] += acc[i * nr_full + j];
}

// ---- generic: 4×8 with GCC/Clang vector extensions, which become SSE2 on any x86-64 and
// NEON on ARM; 8 accumulators, 2 row vectors of Bp and one broadcast fit 16 registers.
typedef float v4f __attribute__((vector_size(16)));
enum { GN_MR = 4, GN_NR = 8 };
static inline v4f load4(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof v);
  return v;
}
static void kernel_generic(int kc, const float *restrict ap, const float *restrict bp, float *restrict c, int ldc,
                           int mr, int nr) {
  v4f c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};
  for (int p = 0; p < kc; p++) {
    const v4f b0 = load4(bp + p * GN_NR), b1 = load4(bp + p * GN_NR + 4);
    const float *a = ap + p * GN_MR;
    const v4f a0 = {a[0], a[0], a[0], a[0]}, a1 = {a[1], a[1], a[1], a[1]};
    c00 += a0 * b0, c01 += a0 * b1, c10 += a1 * b0, c11 += a1 * b1;
    const v4f a2 = {a[2], a[2], a[2], a[2]}, a3 = {a[3], a[3], a[3], a[3]};
    c20 += a2 * b0, c21 += a2 * b1, c30 += a3 * b0, c31 += a3 * b1;
  }
  float tile[GN_MR * GN_NR];
  const v4f rows[8] = {c00, c01, c10, c11, c20, c21, c30, c31};
  memcpy(tile, rows, sizeof tile);
  add_tile(tile, GN_NR, c, ldc, mr, nr);
}

#if defined(__x86_64__)
// The wide kernels name every accumulator: held in an array, GCC keeps them on the stack.
#define ROW2(i) acc##i##0, acc##i##1
#define FMA2(i, fma, set1)            \
  do {                                \
    const __typeof__(b0) ai = set1(a[i]); \
    acc##i##0 = fma(ai, b0, acc##i##0); \
    acc##i##1 = fma(ai, b1, acc##i##1); \
  } while (0)

// ---- AVX2 + FMA: 6×16 in 12 ymm accumulators --------------------------------------
enum { V2_MR = 6, V2_NR = 16 };
__attribute__((target("avx2,fma"))) static void kernel_avx2(int kc, const float *restrict ap, const float *restrict bp,
                                                            float *restrict c, int ldc, int mr, int nr) {
  __m256 ROW2(0), ROW2(1), ROW2(2), ROW2(3), ROW2(4), ROW2(5);
  acc00 = acc01 = acc10 = acc11 = acc20 = acc21 = acc30 = acc31 = acc40 = acc41 = acc50 = acc51 = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(bp + p * V2_NR), b1 = _mm256_loadu_ps(bp + p * V2_NR + 8);
    const float *a = ap + p * V2_MR;
    FMA2(0, _mm256_fmadd_ps, _mm256_set1_ps);
    FMA2(1, _mm256_fmadd_ps, _mm256_set1_ps);
    FMA2(2, _mm256_fmadd_ps, _mm256_set1_ps);
    FMA2(3, _mm256_fmadd_ps, _mm256_set1_ps);
    FMA2(4, _mm256_fmadd_ps, _mm256_set1_ps);
    FMA2(5, _mm256_fmadd_ps, _mm256_set1_ps);
  }
  const __m256 acc[V2_MR][2] = {{ROW2(0)}, {ROW2(1)}, {ROW2(2)}, {ROW2(3)}, {ROW2(4)}, {ROW2(5)}};
  if (mr == V2_MR && nr == V2_NR) {
    for (int i = 0; i < V2_MR; i++) {
      float *ci = c + (size_t)i * ldc;
      _mm256_storeu_ps(ci, _mm256_add_ps(_mm256_loadu_ps(ci), acc[i][0]));
      _mm256_storeu_ps(ci + 8, _mm256_add_ps(_mm256_loadu_ps(ci + 8), acc[i][1]));
    }
    return;
  }
  float tile[V2_MR * V2_NR];
  for (int i = 0; i < V2_MR; i++) {
    _mm256_storeu_ps(tile + i * V2_NR, acc[i][0]);
    _mm256_storeu_ps(tile + i * V2_NR + 8, acc[i][1]);
  }
  add_tile(tile, V2_NR, c, ldc, mr, nr);
}

// ---- AVX-512: 12×32 in 24 zmm accumulators ---------------------------------------
enum { V5_MR = 12, V5_NR = 32 };
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))) static void kernel_avx512(
    int kc, const float *restrict ap, const float *restrict bp, float *restrict c, int ldc, int mr, int nr) {
  __m512 ROW2(0), ROW2(1), ROW2(2), ROW2(3), ROW2(4), ROW2(5), ROW2(6), ROW2(7), ROW2(8), ROW2(9), ROW2(10), ROW2(11);
  acc00 = acc01 = acc10 = acc11 = acc20 = acc21 = acc30 = acc31 = acc40 = acc41 = acc50 = acc51 = _mm512_setzero_ps();
  acc60 = acc61 = acc70 = acc71 = acc80 = acc81 = acc90 = acc91 = acc100 = acc101 = acc110 = acc111 = _mm512_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(bp + p * V5_NR), b1 = _mm512_loadu_ps(bp + p * V5_NR + 16);
    const float *a = ap + p * V5_MR;
    FMA2(0, _mm512_fmadd_ps, _mm512_set1_ps);
    FMA2(1, _mm512_fmadd_ps, _mm512_set1_ps);
    FMA2(2, _mm512_fmadd_ps, _mm512_set1_ps);
    FMA2(3, _mm512_fmadd_ps, _mm512_set1_ps);
    FMA2(4, _mm512_fmadd_ps, _mm512_set1_ps);
    FMA2(5, _mm512_fmadd_ps, _mm512_set1_ps);
    FMA2(6, _mm512_fmadd_ps, _mm512_set1_ps);
    FMA2(7, _mm512_fmadd_ps, _mm512_set1_ps);
    FMA2(8, _mm512_fmadd_ps, _mm512_set1_ps);
    FMA2(9, _mm512_fmadd_ps, _mm512_set1_ps);
    FMA2(10, _mm512_fmadd_ps, _mm512_set1_ps);
    FMA2(11, _mm512_fmadd_ps, _mm512_set1_ps);
  }
  const __m512 acc[V5_MR][2] = {{ROW2(0)}, {ROW2(1)}, {ROW2(2)}, {ROW2(3)}, {ROW2(4)},  {ROW2(5)},
                                {ROW2(6)}, {ROW2(7)}, {ROW2(8)}, {ROW2(9)}, {ROW2(10)}, {ROW2(11)}};
  // Edges: masked loads and stores on the columns, rows up to mr.
  const __mmask16 m0 = nr >= 16 ? 0xffff : (__mmask16)((1u << nr) - 1);
  const __mmask16 m1 = nr >= 32 ? 0xffff : nr <= 16 ? 0 : (__mmask16)((1u << (nr - 16)) - 1);
  for (int i = 0; i < mr; i++) {
    float *ci = c + (size_t)i * ldc;
    _mm512_mask_storeu_ps(ci, m0, _mm512_add_ps(_mm512_maskz_loadu_ps(m0, ci), acc[i][0]));
    _mm512_mask_storeu_ps(ci + 16, m1, _mm512_add_ps(_mm512_maskz_loadu_ps(m1, ci + 16), acc[i][1]));
  }
}
#endif

// ---- dispatch ------------------------------------------------------------------------

portable_isa portable_best_isa(void) {
#if defined(__x86_64__)
  const adept_cpu *cpu = adept_cpu_info();
  if (cpu->avx512) return PORTABLE_AVX512;
  if (cpu->avx2) return PORTABLE_AVX2;
#endif
  return PORTABLE_GENERIC;
}

const char *portable_isa_name(portable_isa isa) {
  return isa == PORTABLE_AVX512 ? "portable-avx512" : isa == PORTABLE_AVX2 ? "portable-avx2" : "portable-generic";
}

// ---- packing and blocking -----------------------------------------------------------

// op(X)[r][c] for a row-major X with leading dimension ld.
static inline float at(const float *x, int ld, int trans, int r, int c) {
  return trans ? x[(size_t)c * ld + r] : x[(size_t)r * ld + c];
}

// alpha·op(A)[i0 .. i0+mb, p0 .. p0+kb] into MR-tall panels: panel q holds rows q·MR.. as
// [kb][MR], zero-padded past mb.
static void pack_a(int mr_size, int trans, const float *a, int lda, float alpha, int i0, int mb, int p0, int kb,
                   float *restrict out) {
  for (int q = 0; q < mb; q += mr_size) {
    const int rows = mb - q < mr_size ? mb - q : mr_size;
    float *panel = out + (size_t)q * kb;
    if (!trans) {
      for (int i = 0; i < rows; i++) {
        const float *src = a + (size_t)(i0 + q + i) * lda + p0;
        for (int p = 0; p < kb; p++) panel[p * mr_size + i] = alpha * src[p];
      }
    } else {
      for (int p = 0; p < kb; p++) {
        const float *src = a + (size_t)(p0 + p) * lda + i0 + q;
        for (int i = 0; i < rows; i++) panel[p * mr_size + i] = alpha * src[i];
      }
    }
    for (int i = rows; i < mr_size; i++)
      for (int p = 0; p < kb; p++) panel[p * mr_size + i] = 0.0f;
  }
}

// op(B)[p0 .. p0+kb, j0 .. j0+nb] into NR-wide panels: panel q holds columns q·NR.. as
// [kb][NR], zero-padded past nb.
static void pack_b(int nr_size, int trans, const float *b, int ldb, int p0, int kb, int j0, int nb,
                   float *restrict out) {
  for (int q = 0; q < nb; q += nr_size) {
    const int cols = nb - q < nr_size ? nb - q : nr_size;
    float *panel = out + (size_t)q * kb;
    if (!trans) {
      for (int p = 0; p < kb; p++) {
        const float *src = b + (size_t)(p0 + p) * ldb + j0 + q;
        float *dst = panel + p * nr_size;
        memcpy(dst, src, sizeof(float) * cols);
        for (int j = cols; j < nr_size; j++) dst[j] = 0.0f;
      }
    } else {
      for (int p = 0; p < kb; p++)
        for (int j = 0; j < nr_size; j++) panel[p * nr_size + j] = j < cols ? at(b, ldb, 1, p0 + p, j0 + q + j) : 0.0f;
    }
  }
}

// [MC][KC] and [KC][NC], packed; one pair per thread (the caller's and each pool worker's).
static _Thread_local float *buf_a = NULL, *buf_b = NULL;

static int ensure_buffers(void) {
  if (!buf_a) buf_a = (float *)aligned_alloc(64, sizeof(float) * (MC + MAX_MR) * KC);
  if (!buf_b) buf_b = (float *)aligned_alloc(64, sizeof(float) * KC * (NC + MAX_NR));
  return buf_a && buf_b;
}

static void scale_c(int m, int n, float beta, float *c, int ldc) {
  for (int i = 0; i < m; i++) {
    float *row = c + (size_t)i * ldc;
    if (beta == 0.0f) memset(row, 0, sizeof(float) * n);
    else if (beta != 1.0f)
      for (int j = 0; j < n; j++) row[j] *= beta;
  }
}

// ---- narrow products (n ≤ NARROW: value heads, action-sized outputs) -----------------
// Packing B into 32-wide panels would multiply the work of a 1-column product by 32; these
// run as m dot products (or k axpys when A is transposed) per column instead, each summed
// in a fixed order.
enum { NARROW = 8 };

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PORTABLE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PORTABLE_CLONES
#endif

// Σ_p x[p]·y[p] in 16 interleaved partial sums (vectorizes without reassociation).
PORTABLE_CLONES static float dot(const float *restrict x, const float *restrict y, int k) {
  float part[16] = {0};
  int p = 0;
  for (; p + 16 <= k; p += 16)
    for (int q = 0; q < 16; q++) part[q] += x[p + q] * y[p + q];
  float tail = 0.0f;
  for (; p < k; p++) tail += x[p] * y[p];
  float acc = 0.0f;
  for (int q = 0; q < 16; q++) acc += part[q];
  return acc + tail;
}

// y[i] += s·x[i].
PORTABLE_CLONES static void axpy(float *restrict y, const float *restrict x, float s, int m) {
  for (int i = 0; i < m; i++) y[i] += s * x[i];
}

static int narrow_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float *c, int ldc) {
  float *col = (float *)malloc(sizeof(float) * (size_t)(k > m ? k : m) * 2);
  if (!col) return -1;
  float *bcol = col, *acc = col + (k > m ? k : m);
  for (int j = 0; j < n; j++) {
    for (int p = 0; p < k; p++) bcol[p] = at(b, ldb, trans_b, p, j);
    if (!trans_a) {
      for (int i = 0; i < m; i++) c[(size_t)i * ldc + j] += alpha * dot(a + (size_t)i * lda, bcol, k);
    } else {
      memset(acc, 0, sizeof(float) * m);
      for (int p = 0; p < k; p++) axpy(acc, a + (size_t)p * lda, bcol[p], m);
      for (int i = 0; i < m; i++) c[(size_t)i * ldc + j] += alpha * acc[i];
    }
  }
  free(col);
  return 0;
}

// The blocked product on one thread: C = alpha op(A) op(B) + beta C, every element of C
// summing its k products slice by slice (KC) in order, whatever part of C this call covers.
static int blocked_sgemm(micro_kernel kernel, int mr, int nr, int trans_a, int trans_b, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  if (!ensure_buffers()) return -1;
  scale_c(m, n, beta, c, ldc);
  const int mc = MC / mr * mr; // whole panels per block
  for (int jj = 0; jj < n; jj += NC) {
    const int nb = n - jj < NC ? n - jj : NC;
    for (int pp = 0; pp < k; pp += KC) {
      const int kb = k - pp < KC ? k - pp : KC;
      pack_b(nr, trans_b, b, ldb, pp, kb, jj, nb, buf_b);
      for (int ii = 0; ii < m; ii += mc) {
        const int mb = m - ii < mc ? m - ii : mc;
        pack_a(mr, trans_a, a, lda, alpha, ii, mb, pp, kb, buf_a);
        for (int q = 0; q < nb; q += nr) {
          const int cols = nb - q < nr ? nb - q : nr;
          for (int i = 0; i < mb; i += mr) {
            const int rows = mb - i < mr ? mb - i : mr;
            kernel(kb, buf_a + (size_t)i * kb, buf_b + (size_t)q * kb, c + (size_t)(ii + i) * ldc + jj + q, ldc, rows,
                   cols);
          }
        }
      }
    }
  }
  return 0;
}

// ---- threads ---------------------------------------------------------------------------
// A large product is cut into one block of C per thread — whole rows, or whole columns
// when C is wider than tall (in micro-tiles) — and each block is the blocked product of
// its rows of op(A) or columns of op(B). An element of C is then summed by one thread in
// the same order as on one thread, so the result is bit-identical at any thread count.
// Each thread packs its own operand panels; the copy this duplicates (op(B) per row block)
// costs k·n against the block's m/threads·n·k multiply-adds. A part must hold at least
// MIN_PART multiply-adds (about 10 µs on one AVX-512 core) to pay for handing it to a
// worker; smaller products stay on the calling thread.
enum { MIN_PART = 1 << 20 };

typedef struct {
  micro_kernel kernel;
  int mr, nr, trans_a, trans_b, m, n, k, lda, ldb, ldc;
  float alpha, beta;
  const float *a, *b;
  float *c;
  int by_rows, tiles, parts;
  atomic_int failed;
} split_job;

static void split_task(void *ctx, int t) {
  split_job *j = (split_job *)ctx;
  const int unit = j->by_rows ? j->mr : j->nr, dim = j->by_rows ? j->m : j->n;
  const int lo = (int)((long long)j->tiles * t / j->parts) * unit;
  int hi = (int)((long long)j->tiles * (t + 1) / j->parts) * unit;
  if (hi > dim) hi = dim;
  if (lo >= hi) return;
  int status;
  if (j->by_rows) // rows lo..hi of op(A) and C
    status = blocked_sgemm(j->kernel, j->mr, j->nr, j->trans_a, j->trans_b, hi - lo, j->n, j->k, j->alpha,
                           j->a + (j->trans_a ? (size_t)lo : (size_t)lo * j->lda), j->lda, j->b, j->ldb, j->beta,
                           j->c + (size_t)lo * j->ldc, j->ldc);
  else // columns lo..hi of op(B) and C
    status = blocked_sgemm(j->kernel, j->mr, j->nr, j->trans_a, j->trans_b, j->m, hi - lo, j->k, j->alpha, j->a, j->lda,
                           j->b + (j->trans_b ? (size_t)lo * j->ldb : (size_t)lo), j->ldb, j->beta, j->c + lo, j->ldc);
  if (status != 0) atomic_store(&j->failed, 1);
}

int portable_sgemm(portable_isa isa, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                   int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  if (m == 0 || n == 0) return 0;
  if (alpha == 0.0f || k == 0) {
    scale_c(m, n, beta, c, ldc);
    return 0;
  }
  if (n <= NARROW) {
    scale_c(m, n, beta, c, ldc);
    return narrow_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, c, ldc);
  }
  micro_kernel kernel = kernel_generic;
  int mr = GN_MR, nr = GN_NR;
#if defined(__x86_64__)
  if (isa == PORTABLE_AVX512) kernel = kernel_avx512, mr = V5_MR, nr = V5_NR;
  else if (isa == PORTABLE_AVX2) kernel = kernel_avx2, mr = V2_MR, nr = V2_NR;
#else
  (void)isa;
#endif
  const int row_tiles = (m + mr - 1) / mr, col_tiles = (n + nr - 1) / nr;
  const int by_rows = row_tiles >= col_tiles, tiles = by_rows ? row_tiles : col_tiles;
  const long long work = (long long)m * n * k;
  int parts = pool_threads();
  if (parts > tiles) parts = tiles;
  if (parts > work / MIN_PART) parts = (int)(work / MIN_PART);
  if (parts <= 1) return blocked_sgemm(kernel, mr, nr, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  split_job job = {kernel, mr, nr, trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta, a, b, c, by_rows, tiles, parts, 0};
  pool_run(parts, split_task, &job);
  return atomic_load(&job.failed) ? -1 : 0;
}
