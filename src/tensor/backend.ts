/**
 * Which kernel set the ops use. The default is the native addon when it loads (with the
 * backend native.ts picks), else the TypeScript kernels; ADEPT_KERNELS=ts forces the
 * TypeScript path. Tests switch between them with {@link setKernels} to run one op suite
 * against every backend.
 */
import type { Kernels } from "./kernels.js";
import { loadAddon, nativeKernels, threads, threadsReason } from "./native.js";
import { precision, precisionFromEnv } from "./precision.js";
import { tsKernels } from "./ts-kernels.js";

let current: Kernels | null = null;

/** The kernel set in use. */
export function kernels(): Kernels {
  if (current === null) {
    current = (process.env.ADEPT_KERNELS === "ts" ? null : nativeKernels()) ?? tsKernels;
    precisionFromEnv();
  }
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

/**
 * One line saying what the matrix products run on, for logs: kernels, library and core,
 * threads, precision and the CPU, e.g.
 * `native/openblas (OpenBLAS core SkylakeX), 2 threads, fp32 — AMD EPYC [avx2 avx512 avx512_bf16]`.
 */
export function backendSummary(): string {
  const k = kernels();
  const a = k.name.startsWith("native/") ? loadAddon() : null;
  if (!a) return `${k.name} (TypeScript kernels), 1 thread, ${precision()}`;
  const info = a.info();
  const name = a.backend();
  const lib = name.startsWith("onednn")
    ? ` (oneDNN ${info.onednn.version}, ${info.onednn.isa})`
    : name === "openblas"
      ? ` (OpenBLAS core ${info.openblas.core}${info.openblas.coreForced ? `, replacing ${info.openblas.detectedCore}` : ""})`
      : "";
  const n = name.startsWith("portable") ? 1 : threads();
  const why = name.startsWith("portable") ? "single-threaded kernel" : threadsReason();
  return `${k.name}${lib}, ${n} thread${n === 1 ? "" : "s"}${why ? ` (${why})` : ""}, ${precision()} — ${info.cpu || "unknown CPU"} [${info.isa.join(" ") || "baseline x86-64"}]`;
}
