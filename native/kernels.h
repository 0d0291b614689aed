#ifndef ADEPT_KERNELS_H
#define ADEPT_KERNELS_H
// The fused elementwise kernels behind the N-API layer (sizes checked by the caller).
#include <stddef.h>

enum { ACT_IDENTITY = 0, ACT_RELU = 1, ACT_TANH = 2, ACT_SIGMOID = 3, ACT_SILU = 4, ACT_MISH = 5, ACT_SOFTPLUS = 6 };

// z += bias (per column, when bias is not NULL), y = act(z) (y may be z); 0, or -1 for an
// unknown act.
int k_bias_activation(float *z, float *y, const float *bias, int rows, int cols, int act);
// dz = (accumulate ? dz : 0) + dy · act'(z), given y = act(z); dz may be dy, and for ReLU,
// tanh and sigmoid (which read y only) z may be y. 0, or -1 for an unknown act.
int k_activation_backward(float *dz, const float *dy, const float *z, const float *y, size_t n, int act, int accumulate);
// out[j] = beta · out[j] + Σ_i x[i][j].
void k_column_sum(float *out, const float *x, int rows, int cols, float beta);
// One Adam/AdamW step over n values, PyTorch's formula and order of operations.
void k_adam(float *p, const float *g, float *m, float *v, size_t n, double lr, double beta1, double beta2, double eps,
            double weight_decay, double bias_correction1, double bias_correction2);
// target = (1 − tau) · target + tau · source.
void k_polyak(float *target, const float *source, size_t n, double tau);
// Σ x_i², accumulated in double.
double k_sum_squares(const float *x, size_t n);
#endif
