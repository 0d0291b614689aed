#ifndef ADEPT_LIBS_H
#define ADEPT_LIBS_H
// OpenBLAS and oneDNN, loaded at run time with dlopen so that the addon builds and runs
// without either, and so that OpenBLAS's core type can be corrected (see libs.c).
#include <stdint.h>

typedef struct {
  int loaded;
  char error[256];            // why it did not load (dlerror), for the one-line notice
  char core[32];              // openblas_get_corename() in use
  char detected_core[32];     // what OpenBLAS chose by itself, before any correction
  char requested_core[32];    // OPENBLAS_CORETYPE when the library loaded ("" when unset)
  int core_forced;            // 1 when we replaced a core too weak for this CPU
  char config[128];           // openblas_get_config()
  void (*sgemm)(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                int ldb, float beta, float *c, int ldc);
  void (*set_num_threads)(int);
} adept_openblas;

typedef struct {
  int loaded;
  char error[256];
  char version[32];
  int isa;                    // dnnl_get_effective_cpu_isa()
  int (*sgemm)(char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
               const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
  int (*gemm_bf16)(char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t *a, int64_t lda,
                   const uint16_t *b, int64_t ldb, float beta, float *c, int64_t ldc);
  void (*set_num_threads)(int); // omp_set_num_threads of the OpenMP runtime oneDNN uses
} adept_onednn;

// Loaded on first call; NULL-free: check ->loaded.
const adept_openblas *adept_openblas_lib(void);
const adept_onednn *adept_onednn_lib(void);
// oneDNN's name for an ISA code from dnnl_get_effective_cpu_isa ("avx512_core_amx", ...).
const char *adept_onednn_isa_name(int isa);
#endif
