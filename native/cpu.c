// CPU feature detection with cpuid and xgetbv: an instruction set counts only when the CPU
// has it and the OS saves its registers on context switches (XCR0), as the Intel SDM
// (vol. 1, 13.3) requires before using AVX, AVX-512 or AMX state.
#include "cpu.h"
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
  unsigned int lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((unsigned long long)hi << 32) | lo;
}

static void detect(adept_cpu *c) {
  unsigned int a, b, cx, d;
  if (!__get_cpuid(1, &a, &b, &cx, &d)) return;
  const int osxsave = (cx >> 27) & 1, fma = (cx >> 12) & 1, avx = (cx >> 28) & 1;
  const unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
  const int os_ymm = (xcr0 & 0x6) == 0x6;        // SSE and AVX state
  const int os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0; // opmask, ZMM_Hi256, Hi16_ZMM
  const int os_amx = (xcr0 & 0x60000) == 0x60000;   // XTILECFG, XTILEDATA
  if (__get_cpuid_count(7, 0, &a, &b, &cx, &d)) {
    c->avx2 = avx && fma && ((b >> 5) & 1) && os_ymm;
    const int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    c->avx512 = f && dq && bw && vl && os_zmm;
    c->amx_bf16 = ((d >> 22) & 1) && ((d >> 24) & 1) && os_amx;
    if (__get_cpuid_count(7, 1, &a, &b, &cx, &d)) c->avx512_bf16 = c->avx512 && ((a >> 5) & 1);
  }
  unsigned int brand[12];
  if (__get_cpuid(0x80000000, &a, &b, &cx, &d) && a >= 0x80000004) {
    for (unsigned int i = 0; i < 3; i++) __get_cpuid(0x80000002 + i, &brand[4 * i], &brand[4 * i + 1], &brand[4 * i + 2], &brand[4 * i + 3]);
    memcpy(c->model, brand, 48);
    c->model[48] = 0;
  }
}
#else
static void detect(adept_cpu *c) { (void)c; }
#endif

const adept_cpu *adept_cpu_info(void) {
  static adept_cpu cpu;
  static int done = 0;
  if (!done) {
    memset(&cpu, 0, sizeof cpu);
    detect(&cpu);
    // Trim the brand string's padding.
    size_t n = strlen(cpu.model);
    while (n > 0 && cpu.model[n - 1] == ' ') cpu.model[--n] = 0;
    size_t lead = 0;
    while (cpu.model[lead] == ' ') lead++;
    if (lead) memmove(cpu.model, cpu.model + lead, n - lead + 1);
    done = 1;
  }
  return &cpu;
}
