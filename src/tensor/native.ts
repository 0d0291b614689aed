/**
 * Loads the native addon (build/Release/adept_native.node) and exposes it as a
 * {@link Kernels} set. Returns null when the addon is missing (not built, or a browser):
 * callers then fall back to the TypeScript kernels.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "../util/package-root.js";
import type { Kernels } from "./kernels.js";

/** The addon's own functions, beyond the Kernels contract. */
interface NativeAddon extends Omit<Kernels, "name"> {
  sgemmBackend(): "openblas" | "portable";
  usePortableSgemm(flag: boolean): void;
  setThreads(n: number): void;
}

let addon: NativeAddon | null | undefined;

/** The raw addon, or null when it is not built. Loaded once. */
export function loadAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  try {
    const require = createRequire(import.meta.url);
    addon = require(join(packageRoot(), "build", "Release", "adept_native.node")) as NativeAddon;
    // ADEPT_SGEMM=portable routes sgemm through our own kernel even where OpenBLAS is linked.
    if (process.env.ADEPT_SGEMM === "portable") addon.usePortableSgemm(true);
    // One OpenBLAS thread unless asked otherwise: our matrices are small (256-wide layers),
    // where a second thread gains at most ~1.5x on an idle machine and loses several-fold
    // when the cores are shared (sweeps, evaluation, other jobs) — OpenBLAS threads spin.
    if (process.env.ADEPT_THREADS) addon.setThreads(Number(process.env.ADEPT_THREADS));
    else if (!process.env.OPENBLAS_NUM_THREADS) addon.setThreads(1);
  } catch {
    addon = null;
  }
  return addon;
}

/** The native kernels, or null when the addon is not available. */
export function nativeKernels(): Kernels | null {
  const a = loadAddon();
  if (!a) return null;
  return {
    name: `native/${a.sgemmBackend()}`,
    sgemm: a.sgemm,
    biasActivation: a.biasActivation,
    activationBackward: a.activationBackward,
    columnSum: a.columnSum,
    adam: a.adam,
    polyak: a.polyak,
    sumSquares: a.sumSquares,
  };
}
