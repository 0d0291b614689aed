#ifndef ADEPT_PORTABLE_SGEMM_H
#define ADEPT_PORTABLE_SGEMM_H
// Row-major C = alpha * op(A) * op(B) + beta * C; returns 0, or -1 when out of memory.
int portable_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                   const float *b, int ldb, float beta, float *c, int ldc);
#endif
