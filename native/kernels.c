// The elementwise kernels: loops over whole buffers that would cost too much per element
// in JavaScript. Each is compiled for AVX-512, AVX2 and the x86-64 baseline, and the
// loader picks the clone this CPU runs (GCC target_clones). They are built without
// floating-point contraction and without fast-math (see binding.gyp), so every clone
// rounds exactly like the scalar IEEE code — the same values on every x86-64 CPU — and
// NaN and ±Inf propagate as in PyTorch (a NaN gradient makes a NaN parameter).
#include "kernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

static inline float softplusf(float x) { return x > 20.0f ? x : log1pf(expf(x)); }
static inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

CLONES static void bias_rows(float *restrict z, const float *restrict bias, int rows, int cols) {
  for (int i = 0; i < rows; i++) {
    float *restrict zr = z + (size_t)i * cols;
    for (int j = 0; j < cols; j++) zr[j] += bias[j];
  }
}

// y may be z (in place): no restrict on the elementwise loops that allow it.
CLONES static void relu(float *y, const float *z, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = z[i] > 0.0f ? z[i] : 0.0f;
}

int k_bias_activation(float *z, float *y, const float *bias, int rows, int cols, int act) {
  const size_t n = (size_t)rows * cols;
  if (bias) bias_rows(z, bias, rows, cols);
  switch (act) {
    case ACT_IDENTITY: if (y != z) memcpy(y, z, sizeof(float) * n); return 0;
    case ACT_RELU: relu(y, z, n); return 0;
    case ACT_TANH: for (size_t i = 0; i < n; i++) y[i] = tanhf(z[i]); return 0;
    case ACT_SIGMOID: for (size_t i = 0; i < n; i++) y[i] = sigmoidf(z[i]); return 0;
    case ACT_SILU: for (size_t i = 0; i < n; i++) y[i] = z[i] * sigmoidf(z[i]); return 0;
    case ACT_MISH: for (size_t i = 0; i < n; i++) y[i] = z[i] * tanhf(softplusf(z[i])); return 0;
    case ACT_SOFTPLUS: for (size_t i = 0; i < n; i++) y[i] = softplusf(z[i]); return 0;
    default: return -1;
  }
}

// The derivative factor for activations whose derivative is a function of y alone. The
// select form (not `y > 0 ? dy : 0`, which reads dy conditionally) lets every clone vectorize.
CLONES static void backward_by_y(float *dz, const float *dy, const float *y, size_t n, int act, int accumulate) {
  switch (act) {
    case ACT_IDENTITY:
      if (accumulate) for (size_t i = 0; i < n; i++) dz[i] += dy[i];
      else if (dz != dy) memcpy(dz, dy, sizeof(float) * n);
      break;
    case ACT_RELU:
      if (accumulate) for (size_t i = 0; i < n; i++) { const float d = dy[i]; dz[i] += y[i] > 0.0f ? d : 0.0f; }
      else for (size_t i = 0; i < n; i++) { const float d = dy[i]; dz[i] = y[i] > 0.0f ? d : 0.0f; }
      break;
    case ACT_TANH:
      if (accumulate) for (size_t i = 0; i < n; i++) dz[i] += dy[i] * (1.0f - y[i] * y[i]);
      else for (size_t i = 0; i < n; i++) dz[i] = dy[i] * (1.0f - y[i] * y[i]);
      break;
    case ACT_SIGMOID:
      if (accumulate) for (size_t i = 0; i < n; i++) dz[i] += dy[i] * y[i] * (1.0f - y[i]);
      else for (size_t i = 0; i < n; i++) dz[i] = dy[i] * y[i] * (1.0f - y[i]);
      break;
  }
}

int k_activation_backward(float *dz, const float *dy, const float *z, const float *y, size_t n, int act, int accumulate) {
  switch (act) {
    case ACT_IDENTITY:
    case ACT_RELU:
    case ACT_TANH:
    case ACT_SIGMOID: backward_by_y(dz, dy, y, n, act, accumulate); return 0;
    case ACT_SILU:
      for (size_t i = 0; i < n; i++) {
        const float s = sigmoidf(z[i]), g = dy[i] * s * (1.0f + z[i] * (1.0f - s));
        dz[i] = accumulate ? dz[i] + g : g;
      }
      return 0;
    case ACT_MISH:
      for (size_t i = 0; i < n; i++) {
        const float t = tanhf(softplusf(z[i])), g = dy[i] * (t + z[i] * (1.0f - t * t) * sigmoidf(z[i]));
        dz[i] = accumulate ? dz[i] + g : g;
      }
      return 0;
    case ACT_SOFTPLUS:
      for (size_t i = 0; i < n; i++) {
        const float g = dy[i] * sigmoidf(z[i]);
        dz[i] = accumulate ? dz[i] + g : g;
      }
      return 0;
    default: return -1;
  }
}

CLONES void k_column_sum(float *restrict out, const float *restrict x, int rows, int cols, float beta) {
  if (beta == 0.0f) memset(out, 0, sizeof(float) * cols);
  else if (beta != 1.0f)
    for (int j = 0; j < cols; j++) out[j] *= beta;
  for (int i = 0; i < rows; i++) {
    const float *restrict xr = x + (size_t)i * cols;
    for (int j = 0; j < cols; j++) out[j] += xr[j];
  }
}

// torch.optim.Adam/AdamW's single-tensor step (torch/optim/adam.py, _single_tensor_adam),
// in its order of float32 operations:
//   p *= 1 − lr·wd (AdamW);  m = β₁m + (1−β₁)g;  v = β₂v + ((1−β₂)g)g
//   p += (−(lr/bc₁) · m) / (√v / √bc₂ + ε)        (addcdiv: self + value·t1/t2)
CLONES static void adam_loop(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, size_t n,
                             float decay, float b1, float c1, float b2, float c2, float neg_step, float sqrt_bc2,
                             float eps) {
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = b1 * m[i] + c1 * gi;
    const float vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = decay * p[i] + neg_step * mi / (sqrtf(vi) / sqrt_bc2 + eps);
  }
}

void k_adam(float *p, const float *g, float *m, float *v, size_t n, double lr, double beta1, double beta2, double eps,
            double weight_decay, double bias_correction1, double bias_correction2) {
  adam_loop(p, g, m, v, n, (float)(1.0 - lr * weight_decay), (float)beta1, (float)(1.0 - beta1), (float)beta2,
            (float)(1.0 - beta2), (float)(-lr / bias_correction1), (float)sqrt(bias_correction2), (float)eps);
}

CLONES void k_polyak(float *restrict t, const float *restrict s, size_t n, double tau) {
  const float a = (float)(1.0 - tau), b = (float)tau;
  for (size_t i = 0; i < n; i++) t[i] = a * t[i] + b * s[i];
}

CLONES double k_sum_squares(const float *restrict x, size_t n) {
  // Eight independent partial sums, so the loop vectorizes without reassociation.
  double part[8] = {0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) part[k] += (double)x[i + k] * x[i + k];
  double acc = 0.0;
  for (; i < n; i++) acc += (double)x[i] * x[i];
  for (int k = 0; k < 8; k++) acc += part[k];
  return acc;
}
