/**
 * Which kernel set the ops use. The default is the native addon when it loads (with the
 * backend native.ts picks), else the TypeScript kernels; ADEPT_KERNELS=ts forces the
 * TypeScript path. Tests switch between them with {@link setKernels} to run one op suite
 * against every backend.
 */
import { cpus } from "node:os";
import type { Kernels } from "./kernels.js";
import { loadAddon, nativeKernels, threads, threadsReason } from "./native.js";
import { type Precision, precision, precisionFromEnv } from "./precision.js";
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
 * What the matrix products of this process run on, as a run's config.json records it: the
 * kernel set and backend, the library's core type or ISA, threads (and why that many),
 * precision, and the CPU with the instruction sets the kernels can use.
 */
export interface BackendRecord {
  /** The kernel set: "native/openblas", "native/onednn/bf16", "native/portable-avx512", "ts", … */
  kernels: string;
  /** The matrix-product backend: openblas, onednn, portable-avx512, portable-avx2, portable-generic or ts. */
  backend: string;
  /** OpenBLAS's core type in use (openblas backend). */
  openblasCore?: string;
  /** The core OpenBLAS picked by itself, when it was too weak for this CPU and replaced. */
  openblasReplacedCore?: string;
  /** oneDNN's version and the ISA its kernels dispatch to (onednn backend). */
  onednnVersion?: string;
  onednnIsa?: string;
  threads: number;
  /** Why that many: "ADEPT_THREADS", "2 cores", "load average 1.3 on 2 cores", "set", "TypeScript kernels". */
  threadsReason: string;
  precision: Precision;
  /** The CPU's model name ("AMD EPYC 9B45"), and the instruction sets the kernels can use (avx2, avx512, avx512_bf16, amx_bf16). */
  cpu: string;
  isa: string[];
  /** All of the above in one line: the `kernels …` line `adept train` prints ({@link backendSummary}). */
  summary: string;
}

/** The backend of this process now (see {@link BackendRecord}). */
export function backendRecord(): BackendRecord {
  const k = kernels();
  const a = k.name.startsWith("native/") ? loadAddon() : null;
  if (!a) {
    const record = {
      kernels: k.name,
      backend: k.name,
      threads: 1,
      threadsReason: "TypeScript kernels",
      precision: precision(),
      cpu: cpus()[0]?.model.trim() || "unknown CPU",
      isa: [],
    };
    return { ...record, summary: `${k.name} (TypeScript kernels), 1 thread, ${record.precision} — ${record.cpu}` };
  }
  const info = a.info();
  const backend = a.backend().replace("/bf16", "");
  const lib: Pick<BackendRecord, "openblasCore" | "openblasReplacedCore" | "onednnVersion" | "onednnIsa"> =
    backend === "openblas"
      ? { openblasCore: info.openblas.core, ...(info.openblas.coreForced ? { openblasReplacedCore: info.openblas.detectedCore } : {}) }
      : backend === "onednn"
        ? { onednnVersion: info.onednn.version, onednnIsa: info.onednn.isa }
        : {};
  const record: Omit<BackendRecord, "summary"> = {
    kernels: k.name,
    backend,
    ...lib,
    threads: threads(),
    threadsReason: threadsReason(),
    precision: precision(),
    cpu: info.cpu || "unknown CPU",
    isa: info.isa,
  };
  const libText =
    backend === "onednn"
      ? ` (oneDNN ${record.onednnVersion}, ${record.onednnIsa})`
      : backend === "openblas"
        ? ` (OpenBLAS core ${record.openblasCore}${record.openblasReplacedCore ? `, replacing ${record.openblasReplacedCore}` : ""})`
        : "";
  const n = record.threads;
  const summary = `${k.name}${libText}, ${n} thread${n === 1 ? "" : "s"}${record.threadsReason ? ` (${record.threadsReason})` : ""}, ${record.precision} — ${record.cpu} [${record.isa.join(" ") || "baseline x86-64"}]`;
  return { ...record, summary };
}

/**
 * One line saying what the matrix products run on, for logs: kernels, library and core,
 * threads, precision and the CPU, e.g.
 * `native/openblas (OpenBLAS core SkylakeX), 2 threads (2 cores), fp32 — AMD EPYC [avx2 avx512 avx512_bf16]`.
 */
export function backendSummary(): string {
  return backendRecord().summary;
}
