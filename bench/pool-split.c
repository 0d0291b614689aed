// The portable sgemm's thread split without Node around it: first how much of a second
// core this process gets at all (a busy loop on one thread, then the same loop on two at
// once: 1.00 = a free second core, 0.50 = none), then a 256³ product on 1 and on 2 threads
// (interleaved, medians and minima), and where the time of one 2-thread product goes (each
// thread's start and end).
//
//   gcc -O3 -std=gnu11 -ffp-contract=off -Inative bench/pool-split.c native/portable_sgemm.c native/pool.c native/cpu.c -lpthread -o /tmp/pool-split
//   /tmp/pool-split [m n k]
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "portable_sgemm.h"
#include "pool.h"

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int by_value(const void *x, const void *y) {
  const double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

static void *busy(void *arg) {
  (void)arg;
  volatile double x = 0;
  for (long i = 0; i < 100000000L; i++) x += 1;
  return NULL;
}

static int m = 256, n = 256, k = 256;
static float *A, *B, *C;
static double t0, start[2], end[2];

// Half of the rows of C on each thread, as portable_sgemm splits a square product.
static void half(void *ctx, int t) {
  (void)ctx;
  start[t] = now_us() - t0;
  const int h = m / 2;
  portable_sgemm(portable_best_isa(), 0, 0, h, n, k, 1, A + (size_t)t * h * k, k, B, n, 0, C + (size_t)t * h * n, n);
  end[t] = now_us() - t0;
}

int main(int argc, char **argv) {
  if (argc > 3) m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
  double t = now_us();
  busy(NULL);
  const double one = now_us() - t;
  pthread_t other;
  t = now_us();
  pthread_create(&other, NULL, busy, NULL);
  busy(NULL);
  pthread_join(other, NULL);
  const double two = now_us() - t;
  printf("second core: a 2-thread busy loop ran at %.2f of twice the 1-thread rate\n", one / two);

  A = malloc(sizeof(float) * m * k), B = malloc(sizeof(float) * k * n), C = malloc(sizeof(float) * m * n);
  for (int i = 0; i < m * k; i++) A[i] = 0.5f;
  for (int i = 0; i < k * n; i++) B[i] = 0.25f;
  enum { R = 400 };
  static double t1[R], t2[R];
  for (int r = 0; r < R; r++)
    for (int threads = 1; threads <= 2; threads++) {
      pool_set_threads(threads);
      const double s = now_us();
      portable_sgemm(portable_best_isa(), 0, 0, m, n, k, 1, A, k, B, n, 0, C, n);
      (threads == 1 ? t1 : t2)[r] = now_us() - s;
    }
  qsort(t1, R, sizeof(double), by_value);
  qsort(t2, R, sizeof(double), by_value);
  printf("%s %dx%dx%d: 1 thread median %.1f µs (min %.1f), 2 threads median %.1f µs (min %.1f); %lu products split\n",
         portable_isa_name(portable_best_isa()), m, n, k, t1[R / 2], t1[0], t2[R / 2], t2[0], pool_parallel_calls());

  pool_set_threads(2);
  for (int r = 0; r < 10; r++) {
    t0 = now_us();
    pool_run(2, half, NULL);
    const double total = now_us() - t0;
    if (r > 0)
      printf("  2-thread product %.1f µs: caller [%.1f, %.1f], worker [%.1f, %.1f]\n", total, start[0], end[0], start[1],
             end[1]);
  }
  return 0;
}
