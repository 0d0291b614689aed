// adept's native kernels: a thin N-API layer over sgemm (OpenBLAS, oneDNN or our portable
// kernel, chosen at run time) and a few fused loops that would cost too much per element
// in JavaScript.
// No tensor logic lives here: callers pass Float32Arrays and sizes, already checked.
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include <stdio.h>
#include "bf16.h"
#include "cpu.h"
#include "kernels.h"
#include "libs.h"
#include "pool.h"
#include "portable_sgemm.h"

// ---- argument helpers ------------------------------------------------------------

#define CHECK(call)                                                     \
  do {                                                                  \
    if ((call) != napi_ok) {                                            \
      napi_throw_error(env, NULL, "adept_native: N-API call failed");   \
      return NULL;                                                      \
    }                                                                   \
  } while (0)

static int get_f32(napi_env env, napi_value v, float **out, size_t *len) {
  napi_typedarray_type type;
  void *data;
  size_t length;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_float32_array) {
    napi_throw_type_error(env, NULL, "adept_native: expected a Float32Array");
    return 0;
  }
  *out = (float *)data;
  if (len) *len = length;
  return 1;
}

static int get_i32(napi_env env, napi_value v, int *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "adept_native: expected an integer");
    return 0;
  }
  return 1;
}

static int get_f64(napi_env env, napi_value v, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "adept_native: expected a number");
    return 0;
  }
  return 1;
}

#define ARGS(n)                                                  \
  size_t argc = n;                                               \
  napi_value argv[n];                                            \
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));   \
  if (argc < n) {                                                \
    napi_throw_error(env, NULL, "adept_native: too few arguments"); \
    return NULL;                                                 \
  }

// ---- sgemm -------------------------------------------------------------------------

// The matrix-product backend. Chosen by the TypeScript side (src/tensor/native.ts) from
// what loads; every product of the process goes through it, so fp32 results are
// reproducible run to run on one machine with one backend and thread count.
typedef enum { BK_OPENBLAS, BK_ONEDNN, BK_PORTABLE } backend_kind;
static backend_kind backend = BK_PORTABLE;
static portable_isa portable = PORTABLE_GENERIC;
static int bf16 = 0; // matrix products in bf16 with fp32 accumulation (oneDNN only)

static const char *backend_name(void) {
  switch (backend) {
    case BK_OPENBLAS: return "openblas";
    case BK_ONEDNN: return "onednn";
    default: return portable_isa_name(portable);
  }
}

// C = alpha op(A) op(B) + beta C through the current backend; 0, or -1 out of memory.
static int gemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, const float *b, float beta, float *c) {
  const int lda = ta ? m : k, ldb = tb ? k : n, ldc = n;
  if (k == 0 || alpha == 0.0f) return portable_sgemm(PORTABLE_GENERIC, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (bf16) return bf16_gemm(adept_onednn_lib(), ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  switch (backend) {
    case BK_OPENBLAS:
      adept_openblas_lib()->sgemm(101 /* CblasRowMajor */, ta ? 112 : 111, tb ? 112 : 111, m, n, k, alpha, a, lda, b,
                                  ldb, beta, c, ldc);
      return 0;
    case BK_ONEDNN:
      return adept_onednn_lib()->sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) == 0
                 ? 0
                 : -1;
    default: return portable_sgemm(portable, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

// sgemm(transA, transB, m, n, k, alpha, A, B, beta, C): row-major, C = alpha op(A) op(B) + beta C.
static napi_value Sgemm(napi_env env, napi_callback_info info) {
  ARGS(10);
  bool ta, tb;
  int m, n, k;
  double alpha, beta;
  float *a, *b, *c;
  size_t la, lb, lc;
  CHECK(napi_get_value_bool(env, argv[0], &ta));
  CHECK(napi_get_value_bool(env, argv[1], &tb));
  if (!get_i32(env, argv[2], &m) || !get_i32(env, argv[3], &n) || !get_i32(env, argv[4], &k) ||
      !get_f64(env, argv[5], &alpha) || !get_f32(env, argv[6], &a, &la) || !get_f32(env, argv[7], &b, &lb) ||
      !get_f64(env, argv[8], &beta) || !get_f32(env, argv[9], &c, &lc))
    return NULL;
  if (m < 0 || n < 0 || k < 0 || la < (size_t)m * k || lb < (size_t)k * n || lc < (size_t)m * n) {
    napi_throw_range_error(env, NULL, "adept_native.sgemm: an operand is smaller than its shape");
    return NULL;
  }
  if (m == 0 || n == 0) return NULL;
  if (gemm(ta, tb, m, n, k, (float)alpha, a, b, (float)beta, c) != 0)
    napi_throw_error(env, NULL, "adept_native.sgemm: the backend failed (out of memory?)");
  return NULL;
}

// ---- elementwise kernels (native/kernels.c) ------------------------------------------

// biasActivation(z, y, bias | null, rows, cols, act): z += bias (per column), y = act(z).
static napi_value BiasActivation(napi_env env, napi_callback_info info) {
  ARGS(6);
  float *z, *y, *bias = NULL;
  size_t lz, ly, lb = 0;
  int rows, cols, act;
  napi_valuetype bt;
  if (!get_f32(env, argv[0], &z, &lz) || !get_f32(env, argv[1], &y, &ly)) return NULL;
  CHECK(napi_typeof(env, argv[2], &bt));
  if (bt != napi_null && !get_f32(env, argv[2], &bias, &lb)) return NULL;
  if (!get_i32(env, argv[3], &rows) || !get_i32(env, argv[4], &cols) || !get_i32(env, argv[5], &act)) return NULL;
  const size_t size = (size_t)rows * cols;
  if (rows < 0 || cols < 0 || lz < size || ly < size || (bias && lb < (size_t)cols)) {
    napi_throw_range_error(env, NULL, "adept_native.biasActivation: an operand is smaller than its shape");
    return NULL;
  }
  if (k_bias_activation(z, y, bias, rows, cols, act) != 0)
    napi_throw_range_error(env, NULL, "adept_native.biasActivation: unknown activation");
  return NULL;
}

// activationBackward(dz, dy, z, y, n, act, accumulate): dz (+)= dy * act'(z) (y = act(z)).
static napi_value ActivationBackward(napi_env env, napi_callback_info info) {
  ARGS(7);
  float *dz, *dy, *z, *y;
  size_t l0, l1, l2, l3;
  int n, act;
  bool acc;
  if (!get_f32(env, argv[0], &dz, &l0) || !get_f32(env, argv[1], &dy, &l1) || !get_f32(env, argv[2], &z, &l2) ||
      !get_f32(env, argv[3], &y, &l3) || !get_i32(env, argv[4], &n) || !get_i32(env, argv[5], &act))
    return NULL;
  CHECK(napi_get_value_bool(env, argv[6], &acc));
  if (n < 0 || l0 < (size_t)n || l1 < (size_t)n || l2 < (size_t)n || l3 < (size_t)n) {
    napi_throw_range_error(env, NULL, "adept_native.activationBackward: an operand is smaller than n");
    return NULL;
  }
  if (k_activation_backward(dz, dy, z, y, (size_t)n, act, acc) != 0)
    napi_throw_range_error(env, NULL, "adept_native.activationBackward: unknown activation");
  return NULL;
}

// columnSum(out, x, rows, cols, beta): out[j] = beta * out[j] + sum_i x[i][j].
static napi_value ColumnSum(napi_env env, napi_callback_info info) {
  ARGS(5);
  float *out, *x;
  size_t lo, lx;
  int rows, cols;
  double beta;
  if (!get_f32(env, argv[0], &out, &lo) || !get_f32(env, argv[1], &x, &lx) || !get_i32(env, argv[2], &rows) ||
      !get_i32(env, argv[3], &cols) || !get_f64(env, argv[4], &beta))
    return NULL;
  if (rows < 0 || cols < 0 || lo < (size_t)cols || lx < (size_t)rows * cols) {
    napi_throw_range_error(env, NULL, "adept_native.columnSum: an operand is smaller than its shape");
    return NULL;
  }
  k_column_sum(out, x, rows, cols, (float)beta);
  return NULL;
}

// adam(p, g, m, v, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2):
// PyTorch's Adam (weightDecay = 0) and AdamW (decoupled decay) in one pass.
static napi_value Adam(napi_env env, napi_callback_info info) {
  ARGS(11);
  float *p, *g, *m, *v;
  size_t lp, lg, lm, lv;
  double lr, b1, b2, eps, wd, bc1, bc2;
  if (!get_f32(env, argv[0], &p, &lp) || !get_f32(env, argv[1], &g, &lg) || !get_f32(env, argv[2], &m, &lm) ||
      !get_f32(env, argv[3], &v, &lv) || !get_f64(env, argv[4], &lr) || !get_f64(env, argv[5], &b1) ||
      !get_f64(env, argv[6], &b2) || !get_f64(env, argv[7], &eps) || !get_f64(env, argv[8], &wd) ||
      !get_f64(env, argv[9], &bc1) || !get_f64(env, argv[10], &bc2))
    return NULL;
  if (lg < lp || lm < lp || lv < lp) {
    napi_throw_range_error(env, NULL, "adept_native.adam: state is smaller than the parameter");
    return NULL;
  }
  k_adam(p, g, m, v, lp, lr, b1, b2, eps, wd, bc1, bc2);
  return NULL;
}

// polyak(target, source, tau): target = (1 - tau) target + tau source.
static napi_value Polyak(napi_env env, napi_callback_info info) {
  ARGS(3);
  float *t, *s;
  size_t lt, ls;
  double tau;
  if (!get_f32(env, argv[0], &t, &lt) || !get_f32(env, argv[1], &s, &ls) || !get_f64(env, argv[2], &tau)) return NULL;
  if (ls < lt) {
    napi_throw_range_error(env, NULL, "adept_native.polyak: source is smaller than target");
    return NULL;
  }
  k_polyak(t, s, lt, tau);
  return NULL;
}

// sumSquares(x): sum of x_i^2, accumulated in double.
static napi_value SumSquares(napi_env env, napi_callback_info info) {
  ARGS(1);
  float *x;
  size_t n;
  if (!get_f32(env, argv[0], &x, &n)) return NULL;
  napi_value out;
  CHECK(napi_create_double(env, k_sum_squares(x, n), &out));
  return out;
}

// ---- backend selection -------------------------------------------------------------

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &v);
  return v;
}
static napi_value boolean(napi_env env, int b) {
  napi_value v;
  napi_get_boolean(env, b, &v);
  return v;
}
static void set(napi_env env, napi_value obj, const char *key, napi_value v) { napi_set_named_property(env, obj, key, v); }

// info(): the CPU, and each backend's state. Loads OpenBLAS and oneDNN (once) to find out.
static napi_value Info(napi_env env, napi_callback_info info) {
  (void)info;
  const adept_cpu *cpu = adept_cpu_info();
  napi_value out, isa, ob, dn;
  CHECK(napi_create_object(env, &out));
  set(env, out, "cpu", str(env, cpu->model));
  CHECK(napi_create_array(env, &isa));
  uint32_t n = 0;
  if (cpu->avx2) napi_set_element(env, isa, n++, str(env, "avx2"));
  if (cpu->avx512) napi_set_element(env, isa, n++, str(env, "avx512"));
  if (cpu->avx512_bf16) napi_set_element(env, isa, n++, str(env, "avx512_bf16"));
  if (cpu->amx_bf16) napi_set_element(env, isa, n++, str(env, "amx_bf16"));
  set(env, out, "isa", isa);
  set(env, out, "portable", str(env, portable_isa_name(portable_best_isa())));
  napi_value pool, threads, calls;
  CHECK(napi_create_object(env, &pool));
  CHECK(napi_create_int32(env, pool_threads(), &threads));
  CHECK(napi_create_double(env, (double)pool_parallel_calls(), &calls));
  set(env, pool, "threads", threads);
  set(env, pool, "parallelCalls", calls);
  set(env, out, "pool", pool);
  const adept_openblas *o = adept_openblas_lib();
  CHECK(napi_create_object(env, &ob));
  set(env, ob, "loaded", boolean(env, o->loaded));
  set(env, ob, "error", str(env, o->error));
  set(env, ob, "core", str(env, o->core));
  set(env, ob, "detectedCore", str(env, o->detected_core));
  set(env, ob, "requestedCore", str(env, o->requested_core));
  set(env, ob, "coreForced", boolean(env, o->core_forced));
  set(env, out, "openblas", ob);
  const adept_onednn *d = adept_onednn_lib();
  CHECK(napi_create_object(env, &dn));
  set(env, dn, "loaded", boolean(env, d->loaded));
  set(env, dn, "error", str(env, d->error));
  set(env, dn, "version", str(env, d->version));
  set(env, dn, "isa", str(env, d->loaded ? adept_onednn_isa_name(d->isa) : ""));
  set(env, dn, "bf16", boolean(env, bf16_supported(d)));
  set(env, out, "onednn", dn);
  return out;
}

// setBackend(name): "openblas", "onednn", "portable-avx512", "portable-avx2" or
// "portable-generic". Returns "" on success, else why that backend cannot run here.
static napi_value SetBackend(napi_env env, napi_callback_info info) {
  ARGS(1);
  char name[32];
  size_t len;
  CHECK(napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len));
  const adept_cpu *cpu = adept_cpu_info();
  const char *why = "";
  if (strcmp(name, "openblas") == 0) {
    const adept_openblas *o = adept_openblas_lib();
    if (o->loaded) backend = BK_OPENBLAS;
    else why = o->error;
  } else if (strcmp(name, "onednn") == 0) {
    const adept_onednn *d = adept_onednn_lib();
    if (d->loaded) backend = BK_ONEDNN;
    else why = d->error;
  } else if (strcmp(name, "portable-avx512") == 0) {
    if (cpu->avx512) backend = BK_PORTABLE, portable = PORTABLE_AVX512;
    else why = "this CPU lacks AVX-512 (F, BW, DQ, VL)";
  } else if (strcmp(name, "portable-avx2") == 0) {
    if (cpu->avx2) backend = BK_PORTABLE, portable = PORTABLE_AVX2;
    else why = "this CPU lacks AVX2 and FMA";
  } else if (strcmp(name, "portable-generic") == 0) {
    backend = BK_PORTABLE, portable = PORTABLE_GENERIC;
  } else {
    why = "unknown backend";
  }
  if (!*why && bf16 && backend != BK_ONEDNN) bf16 = 0;
  return str(env, why);
}

// backend(): the backend in use, with "/bf16" when products run in bf16.
static napi_value Backend(napi_env env, napi_callback_info info) {
  (void)info;
  char name[48];
  snprintf(name, sizeof name, "%s%s", backend_name(), bf16 ? "/bf16" : "");
  return str(env, name);
}

// setPrecision(bf16): true runs products in bf16 with fp32 accumulation on oneDNN (the
// backend must be onednn and the CPU have AVX512-BF16 or AMX); returns "" or why not.
static napi_value SetPrecision(napi_env env, napi_callback_info info) {
  ARGS(1);
  bool flag;
  CHECK(napi_get_value_bool(env, argv[0], &flag));
  const char *why = "";
  if (!flag) bf16 = 0;
  else if (backend != BK_ONEDNN) why = "bf16 products run on the onednn backend only";
  else if (!bf16_supported(adept_onednn_lib())) why = "this CPU has neither AVX512-BF16 nor AMX-BF16";
  else bf16 = 1;
  return str(env, why);
}

// setThreads(n): threads for OpenBLAS, for oneDNN's OpenMP runtime and for the portable
// kernels' pool (native/pool.c).
static napi_value SetThreads(napi_env env, napi_callback_info info) {
  ARGS(1);
  int n;
  if (!get_i32(env, argv[0], &n)) return NULL;
  if (n < 1) n = 1;
  pool_set_threads(n);
  const adept_openblas *o = adept_openblas_lib();
  if (o->loaded) o->set_num_threads(n);
  const adept_onednn *d = adept_onednn_lib();
  if (d->loaded && d->set_num_threads) d->set_num_threads(n);
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"biasActivation", NULL, BiasActivation, NULL, NULL, NULL, napi_default, NULL},
      {"activationBackward", NULL, ActivationBackward, NULL, NULL, NULL, napi_default, NULL},
      {"columnSum", NULL, ColumnSum, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, Adam, NULL, NULL, NULL, napi_default, NULL},
      {"polyak", NULL, Polyak, NULL, NULL, NULL, napi_default, NULL},
      {"sumSquares", NULL, SumSquares, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, Info, NULL, NULL, NULL, napi_default, NULL},
      {"setBackend", NULL, SetBackend, NULL, NULL, NULL, napi_default, NULL},
      {"backend", NULL, Backend, NULL, NULL, NULL, napi_default, NULL},
      {"setPrecision", NULL, SetPrecision, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
