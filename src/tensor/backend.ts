/**
 * Which kernel set the ops use. The default is the native addon when it loads, else the
 * TypeScript kernels; ADEPT_KERNELS=ts forces the TypeScript path. Tests switch between
 * them with {@link setKernels} to run one op suite against every backend.
 */
import type { Kernels } from "./kernels.js";
import { nativeKernels } from "./native.js";
import { tsKernels } from "./ts-kernels.js";

let current: Kernels | null = null;

/** The kernel set in use. */
export function kernels(): Kernels {
  if (current === null) current = (process.env.ADEPT_KERNELS === "ts" ? null : nativeKernels()) ?? tsKernels;
  return current;
}

/** Switches the kernel set (for tests and benchmarks); returns the previous one. */
export function setKernels(k: Kernels): Kernels {
  const previous = kernels();
  current = k;
  return previous;
}

/**
 * Runs `body` with the kernel set `k`, then restores the previous one. `body` is synchronous,
 * so no other work in the process (an awaited training step, say) can run under `k`.
 */
export function withKernels<T>(k: Kernels, body: () => T): T {
  const previous = setKernels(k);
  try {
    return body();
  } finally {
    current = previous;
  }
}

/** Every kernel set available in this process: the TypeScript oracle, and the native one when built. */
export function availableKernels(): Kernels[] {
  const native = nativeKernels();
  return native ? [tsKernels, native] : [tsKernels];
}
