/**
 * Loads the native addon (build/Release/adept_native.node), picks its matrix-product
 * backend, and exposes it as a {@link Kernels} set. Returns null when the addon is missing
 * (not built, or a browser): callers then fall back to the TypeScript kernels.
 *
 * Backends, in the order they are tried (docs/core.md has the measurements):
 *   openblas         OpenBLAS's cblas_sgemm (libopenblas.so.0), its core type checked;
 *                    first because its results do not depend on the thread count
 *   onednn           oneDNN's sgemm (libdnnl.so.2), as fast; the only one with bf16 products
 *   portable-avx512  our own kernels (native/portable_sgemm.c), whichever this CPU runs
 *   portable-avx2
 *   portable-generic
 * `ADEPT_SGEMM=<name>` forces one; a library that fails to load falls back to the next with
 * a one-line notice on stderr, and a forced backend that cannot run here is an error.
 */
import { createRequire } from "node:module";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { UserError } from "../util/errors.js";
import { packageRoot } from "../util/package-root.js";
import type { Kernels } from "./kernels.js";

/** What the addon reports about the CPU and the libraries it tried to load. */
export interface NativeInfo {
  /** The CPU's brand string (cpuid), e.g. "AMD EPYC 9B45". */
  cpu: string;
  /** Instruction sets our kernels and the libraries can use: avx2, avx512, avx512_bf16, amx_bf16. */
  isa: string[];
  /** The portable kernel this CPU runs best. */
  portable: string;
  openblas: {
    loaded: boolean;
    error: string;
    /** The core type in use, the one OpenBLAS picked by itself, and OPENBLAS_CORETYPE at load. */
    core: string;
    detectedCore: string;
    requestedCore: string;
    /** True when the picked core was too weak for this CPU and was replaced. */
    coreForced: boolean;
  };
  onednn: { loaded: boolean; error: string; version: string; isa: string; bf16: boolean };
  /** The portable kernels' thread pool (native/pool.c): its threads, and how many products it has split so far. */
  pool: { threads: number; parallelCalls: number };
}

/** The addon's own functions, beyond the Kernels contract. */
export interface NativeAddon extends Omit<Kernels, "name"> {
  info(): NativeInfo;
  /** "" when the backend is now in use, else why it cannot run here. */
  setBackend(name: string): string;
  /** The backend in use ("onednn", "openblas", "portable-avx512", …), "/bf16" appended in bf16. */
  backend(): string;
  /** "" when the precision is now in use, else why not. */
  setPrecision(bf16: boolean): string;
  setThreads(n: number): void;
}

/** Every native backend name, in the order they are tried. */
export const NATIVE_BACKENDS = ["openblas", "onednn", "portable-avx512", "portable-avx2", "portable-generic"] as const;

/** A backend asked for that cannot run (unknown name, or missing library or ISA). */
export class BackendError extends UserError {
  override name = "BackendError";
}

let addon: NativeAddon | null | undefined;

/** The raw addon, or null when it is not built. Loaded, and its backend chosen, once. */
export function loadAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  try {
    const require = createRequire(import.meta.url);
    addon = require(join(packageRoot(), "build", "Release", "adept_native.node")) as NativeAddon;
  } catch {
    addon = null;
    return addon;
  }
  chooseBackend(addon, process.env.ADEPT_SGEMM);
  const n = defaultThreads();
  const why = threadsWhy;
  setThreads(n);
  threadsWhy = why;
  return addon;
}

let threadCount = 1;

/** Sets the matrix products' threads (OpenBLAS, oneDNN's OpenMP runtime, the portable kernels' pool). */
export function setThreads(n: number): void {
  threadCount = Math.max(1, Math.floor(n));
  threadsWhy = "set";
  loadAddon()?.setThreads(threadCount);
}

/** The matrix products' thread count. */
export function threads(): number {
  return threadCount;
}

/**
 * Puts `wanted` (or, when undefined, the first backend that runs here) in use. Failed
 * libraries along the way are reported in one line each.
 */
export function chooseBackend(a: NativeAddon, wanted: string | undefined): void {
  // NOTE: ADEPT_SGEMM=portable predates the per-ISA kernels; it means the best one here.
  if (wanted === "portable") wanted = a.info().portable;
  if (wanted !== undefined) {
    if (!(NATIVE_BACKENDS as readonly string[]).includes(wanted))
      throw new BackendError(`ADEPT_SGEMM="${wanted}" is not a backend (choices: ${NATIVE_BACKENDS.join(", ")}, portable)`);
    const why = a.setBackend(wanted);
    if (why) throw new BackendError(`ADEPT_SGEMM=${wanted} cannot run here: ${why}`);
    return;
  }
  for (const name of NATIVE_BACKENDS) {
    const why = a.setBackend(name);
    if (!why) return;
    // A library that is simply not installed is not news; one that is there but broken is.
    if (!/cannot open shared object|lacks (AVX|AVX2)|disabled by/.test(why))
      process.stderr.write(`adept: ${name} backend unavailable (${why}); trying the next\n`);
  }
}

/**
 * Threads for the matrix products: ADEPT_THREADS, else OPENBLAS_NUM_THREADS, else the cores
 * that are idle when the process starts — every core on an idle machine (two threads run
 * our updates 1.3–1.7× faster than one there), fewer as the load average rises, one when
 * it reaches the core count: a library thread waiting on a core another process holds
 * makes each product many times slower (BENCHMARKS.md). A sweep gives each worker its
 * share ({@link threadsPerWorker}).
 */
export function defaultThreads(): number {
  for (const [name, v] of [
    ["ADEPT_THREADS", process.env.ADEPT_THREADS],
    ["OPENBLAS_NUM_THREADS", process.env.OPENBLAS_NUM_THREADS],
  ] as const) {
    const n = Number(v);
    if (v && Number.isInteger(n) && n >= 1) {
      threadsWhy = name;
      return n;
    }
  }
  const cores = availableParallelism();
  const load = loadavg()[0]!;
  const n = Math.max(1, Math.min(cores, Math.round(cores - load)));
  threadsWhy = n === cores ? `${cores} cores` : `load average ${load.toFixed(1)} on ${cores} cores`;
  return n;
}

let threadsWhy = "";

/** Why the thread count is what it is: "ADEPT_THREADS", "2 cores", "load average 1.3 on 2 cores", "set". */
export function threadsReason(): string {
  return threadsWhy;
}

/** Each worker's threads when `workers` processes share this machine. */
export function threadsPerWorker(workers: number): number {
  return Math.max(1, Math.floor(availableParallelism() / Math.max(1, workers)));
}

/** The native kernels, or null when the addon is not available. */
export function nativeKernels(): Kernels | null {
  const a = loadAddon();
  if (!a) return null;
  return {
    get name() {
      return `native/${a.backend()}`;
    },
    sgemm: a.sgemm,
    biasActivation: a.biasActivation,
    activationBackward: a.activationBackward,
    columnSum: a.columnSum,
    adam: a.adam,
    polyak: a.polyak,
    sumSquares: a.sumSquares,
  };
}
