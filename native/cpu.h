#ifndef ADEPT_CPU_H
#define ADEPT_CPU_H
// What the CPU (and the OS, which must save the wide registers) can run.
typedef struct {
  int avx2;        // AVX2 and FMA3
  int avx512;      // AVX-512 F, BW, DQ and VL (the Skylake-X set our kernels use)
  int avx512_bf16; // AVX512_BF16 (vdpbf16ps)
  int amx_bf16;    // AMX tiles with bf16 (the OS must enable tile state)
  char model[64];  // the brand string, e.g. "AMD EPYC 9B45"
} adept_cpu;

// Detected once; later calls return the same record.
const adept_cpu *adept_cpu_info(void);
#endif
