// OpenBLAS and oneDNN, loaded with dlopen on first use.
//
// Why at run time rather than linked: (1) the addon builds and runs where neither is
// installed, and a library that fails to load becomes a one-line notice, not a crash;
// (2) OpenBLAS (when built with DYNAMIC_ARCH, as Debian's is) picks its kernels from its
// own table of CPU models when it initialises, and on CPUs newer than that table it falls
// to a generic or older core — 0.3.21 runs Haswell kernels on a Zen 5 (half the AVX-512
// speed) and Prescott kernels on some AVX-512 Xeons (a quarter). We check the core it chose
// against the ISA the CPU reports and, where it is weaker and the user has not set
// OPENBLAS_CORETYPE, re-initialise it with the right one (gotoblas_dynamic_quit/init
// re-read OPENBLAS_CORETYPE: driver/others/dynamic.c in OpenBLAS).
#define _GNU_SOURCE
#include "libs.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cpu.h"

static void copy_str(char *dst, size_t size, const char *src) {
  snprintf(dst, size, "%s", src ? src : "");
}

// The first of `names` that loads; when none does, `error` says why the first failed.
static void *open_first(const char *const *names, char *error, size_t size) {
  for (const char *const *n = names; *n; n++) {
    void *h = dlopen(*n, RTLD_NOW | RTLD_LOCAL);
    if (h) return h;
    const char *why = dlerror();
    if (n == names) copy_str(error, size, why);
  }
  return NULL;
}

// ---- OpenBLAS ----------------------------------------------------------------------

// The ISA level an OpenBLAS core's sgemm kernels use: 3 AVX-512, 2 AVX2+FMA, 0 older.
static int core_level(const char *core) {
  static const char *const avx512[] = {"SkylakeX", "Cooperlake", "SapphireRapids", NULL};
  static const char *const avx2[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", NULL};
  for (const char *const *c = avx512; *c; c++)
    if (strcasecmp(core, *c) == 0) return 3;
  for (const char *const *c = avx2; *c; c++)
    if (strcasecmp(core, *c) == 0) return 2;
  return 0;
}

static adept_openblas openblas;

static void load_openblas(void) {
  static const char *const names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0", NULL};
  if (getenv("ADEPT_NO_OPENBLAS") && strcmp(getenv("ADEPT_NO_OPENBLAS"), "1") == 0) {
    copy_str(openblas.error, sizeof openblas.error, "disabled by ADEPT_NO_OPENBLAS=1");
    return;
  }
  // ADEPT_OPENBLAS_CORETYPE is obeyed as given. An inherited OPENBLAS_CORETYPE is obeyed
  // unless it names a core weaker than this CPU runs (machines and containers set it for
  // other software, e.g. Haswell on a Zen 5): then it is replaced, and the change reported.
  const char *ours = getenv("ADEPT_OPENBLAS_CORETYPE");
  if (ours) setenv("OPENBLAS_CORETYPE", ours, 1);
  copy_str(openblas.requested_core, sizeof openblas.requested_core, getenv("OPENBLAS_CORETYPE"));
  void *h = open_first(names, openblas.error, sizeof openblas.error);
  if (!h) return;
  openblas.sgemm = dlsym(h, "cblas_sgemm");
  openblas.set_num_threads = dlsym(h, "openblas_set_num_threads");
  char *(*corename)(void) = dlsym(h, "openblas_get_corename");
  char *(*config)(void) = dlsym(h, "openblas_get_config");
  if (!openblas.sgemm || !openblas.set_num_threads) {
    copy_str(openblas.error, sizeof openblas.error, "the library lacks cblas_sgemm or openblas_set_num_threads");
    return;
  }
  if (config) copy_str(openblas.config, sizeof openblas.config, config());
  copy_str(openblas.detected_core, sizeof openblas.detected_core, corename ? corename() : "unknown");
  const adept_cpu *cpu = adept_cpu_info();
  const int want = cpu->avx512 ? 3 : cpu->avx2 ? 2 : 0;
  void (*quit)(void) = dlsym(h, "gotoblas_dynamic_quit");
  void (*init)(void) = dlsym(h, "gotoblas_dynamic_init");
  if (corename && quit && init && !ours && core_level(openblas.detected_core) < want) {
    setenv("OPENBLAS_CORETYPE", want == 3 ? "SkylakeX" : "Haswell", 1);
    quit();
    init();
    openblas.core_forced = 1;
  }
  copy_str(openblas.core, sizeof openblas.core, corename ? corename() : "unknown");
  openblas.loaded = 1;
}

const adept_openblas *adept_openblas_lib(void) {
  static int done = 0;
  if (!done) {
    done = 1;
    load_openblas();
  }
  return &openblas;
}

// ---- oneDNN ------------------------------------------------------------------------

typedef struct {
  int major, minor, patch;
  const char *hash;
  unsigned cpu_runtime, gpu_runtime;
} dnnl_version_record;

static adept_onednn onednn;

static void load_onednn(void) {
  static const char *const names[] = {"libdnnl.so.2", "libdnnl.so.3", "libdnnl.so", NULL};
  if (getenv("ADEPT_NO_ONEDNN") && strcmp(getenv("ADEPT_NO_ONEDNN"), "1") == 0) {
    copy_str(onednn.error, sizeof onednn.error, "disabled by ADEPT_NO_ONEDNN=1");
    return;
  }
  void *h = open_first(names, onednn.error, sizeof onednn.error);
  if (!h) return;
  onednn.sgemm = dlsym(h, "dnnl_sgemm");
  // Exported by oneDNN's CPU builds beside dnnl_sgemm (same row-major convention), though
  // not declared in its public header.
  onednn.gemm_bf16 = dlsym(h, "dnnl_gemm_bf16bf16f32");
  const dnnl_version_record *(*version)(void) = dlsym(h, "dnnl_version");
  int (*isa)(void) = dlsym(h, "dnnl_get_effective_cpu_isa");
  // oneDNN's OpenMP runtime is a dependency of the library: dlsym on its handle finds it.
  onednn.set_num_threads = dlsym(h, "omp_set_num_threads");
  if (!onednn.sgemm) {
    copy_str(onednn.error, sizeof onednn.error, "the library lacks dnnl_sgemm");
    return;
  }
  if (version) {
    const dnnl_version_record *v = version();
    snprintf(onednn.version, sizeof onednn.version, "%d.%d.%d", v->major, v->minor, v->patch);
  }
  onednn.isa = isa ? isa() : 0;
  onednn.loaded = 1;
}

const adept_onednn *adept_onednn_lib(void) {
  static int done = 0;
  if (!done) {
    done = 1;
    load_onednn();
  }
  return &onednn;
}

const char *adept_onednn_isa_name(int isa) {
  switch (isa) {
    case 0x1: return "sse41";
    case 0x3: return "avx";
    case 0x7: return "avx2";
    case 0x407: return "avx2_vnni";
    case 0x27: return "avx512_core";
    case 0x67: return "avx512_core_vnni";
    case 0xe7: return "avx512_core_bf16";
    case 0x3e7: return "avx512_core_amx";
    default: return "unknown";
  }
}
