#ifndef ADEPT_POOL_H
#define ADEPT_POOL_H
// A small persistent thread pool for the portable kernels: fork-join over a few tasks, the
// first on the calling thread, the rest on workers that stay alive between calls (they
// spin briefly after a task, for the next product of the same update, then sleep).

// The threads a parallel call may use, the caller included (1: everything runs on the
// caller). Workers are started on the first call that needs them.
void pool_set_threads(int n);
int pool_threads(void);

// Runs task(ctx, t) for t = 0 .. n-1 and returns when all have finished: t = 0 on the
// calling thread, the others on workers. Runs all n on the caller when n ≤ 1, when the
// pool is busy with another caller's call (a second JS thread), or when a worker cannot be
// started. Returns how many threads ran the tasks.
int pool_run(int n, void (*task)(void *ctx, int t), void *ctx);

// Calls of pool_run that ran on more than one thread, since the process started (tests use
// it to see that a product was split).
unsigned long pool_parallel_calls(void);
#endif
