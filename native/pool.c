// The portable kernels' thread pool (pool.h). One caller at a time hands a job to workers
// 1 .. n-1 by bumping each one's `go` counter, runs task 0 itself, and waits until the
// workers' `pending` count reaches zero. Idle threads spin for SPIN_NS first — the products
// of one update follow each other within microseconds, and a sleeping thread takes tens of
// microseconds to wake — then sleep on a condition variable. The spin yields the core every
// few iterations: on a busy machine the scheduler may put a worker on its caller's core
// (measured: the worker then started only once the caller stopped spinning, 0.2 ms late).
//
// Sleeping without a lost wake-up: a worker announces itself in `sleeping_workers` before
// it looks at `go` a last time, and the caller bumps `go` before it looks at
// `sleeping_workers` (both sequentially consistent), so at least one of them sees the
// other; the same holds for the caller's `caller_sleeping` against the workers' `pending`.
#include "pool.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

enum { POOL_MAX = 64 };
static const long long SPIN_NS = 100000; // 0.1 ms
enum { YIELD_EVERY = 32 };               // pause iterations between sched_yield calls

// One counter per worker, each on its own cache line: bumped to hand the worker a job.
typedef struct {
  _Alignas(64) atomic_uint go;
} slot;
static slot slots[POOL_MAX];
static int started;     // workers running: ids 1 .. started
static int wanted = 1;  // pool_set_threads
static atomic_flag busy = ATOMIC_FLAG_INIT;

// The job in flight: written before the workers' `go` is bumped, read by them after.
static void (*job_task)(void *, int);
static void *job_ctx;
static atomic_int pending;          // workers that have not finished the job
static atomic_int sleeping_workers; // workers asleep on `wake`
static atomic_int caller_sleeping;  // the caller asleep on `done`
static atomic_ulong parallel_calls;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void *worker_main(void *arg) {
  const int id = (int)(intptr_t)arg;
  unsigned seen = 0;
  for (;;) {
    unsigned g = atomic_load_explicit(&slots[id].go, memory_order_acquire);
    const long long until = now_ns() + SPIN_NS;
    for (int spins = 1; g == seen; spins++) {
      cpu_relax();
      g = atomic_load_explicit(&slots[id].go, memory_order_acquire);
      if (g == seen && spins % YIELD_EVERY == 0) sched_yield();
      if (g == seen && spins % 256 == 0 && now_ns() > until) {
        pthread_mutex_lock(&mutex);
        atomic_fetch_add(&sleeping_workers, 1);
        while ((g = atomic_load(&slots[id].go)) == seen) pthread_cond_wait(&wake, &mutex);
        atomic_fetch_sub(&sleeping_workers, 1);
        pthread_mutex_unlock(&mutex);
      }
    }
    seen = g;
    job_task(job_ctx, id);
    if (atomic_fetch_sub(&pending, 1) == 1 && atomic_load(&caller_sleeping)) {
      pthread_mutex_lock(&mutex);
      pthread_cond_broadcast(&done);
      pthread_mutex_unlock(&mutex);
    }
  }
  return NULL;
}

// Starts workers until `n` threads (the caller included) can run; returns how many can.
static int ensure_workers(int n) {
  if (n > POOL_MAX) n = POOL_MAX;
  if (started + 1 >= n) return n;
  // Workers take no signals: Node's own threads handle them.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  while (started + 1 < n) {
    pthread_t thread;
    if (pthread_create(&thread, &attr, worker_main, (void *)(intptr_t)(started + 1)) != 0) break;
    started++;
  }
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return started + 1 < n ? started + 1 : n;
}

void pool_set_threads(int n) { wanted = n < 1 ? 1 : n > POOL_MAX ? POOL_MAX : n; }
int pool_threads(void) { return wanted; }
unsigned long pool_parallel_calls(void) { return atomic_load(&parallel_calls); }

int pool_run(int n, void (*task)(void *ctx, int t), void *ctx) {
  if (n <= 1 || atomic_flag_test_and_set(&busy)) {
    for (int t = 0; t < n; t++) task(ctx, t);
    return 1;
  }
  const int threads = ensure_workers(n);
  job_task = task;
  job_ctx = ctx;
  atomic_store(&pending, threads - 1);
  for (int w = 1; w < threads; w++) atomic_fetch_add(&slots[w].go, 1);
  if (atomic_load(&sleeping_workers) > 0) {
    pthread_mutex_lock(&mutex);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&mutex);
  }
  task(ctx, 0);
  for (int t = threads; t < n; t++) task(ctx, t); // tasks for workers that could not start
  const long long until = now_ns() + SPIN_NS;
  for (int spins = 1; atomic_load_explicit(&pending, memory_order_acquire) > 0; spins++) {
    cpu_relax();
    if (spins % YIELD_EVERY == 0) sched_yield();
    if (spins % 256 == 0 && now_ns() > until) {
      pthread_mutex_lock(&mutex);
      atomic_store(&caller_sleeping, 1);
      while (atomic_load(&pending) > 0) pthread_cond_wait(&done, &mutex);
      atomic_store(&caller_sleeping, 0);
      pthread_mutex_unlock(&mutex);
    }
  }
  if (threads > 1) atomic_fetch_add(&parallel_calls, 1);
  atomic_flag_clear(&busy);
  return threads;
}
