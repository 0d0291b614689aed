/**
 * Runs ../shared/bench/torch_ref.py (the PyTorch peer) and returns its ms per update, or
 * null when PyTorch is not available (`apt-get install -y python3-torch`). The fp32 peer
 * gets the OPENBLAS_CORETYPE our addon uses: PyTorch's CPU matmuls go through the same
 * Debian OpenBLAS, which on CPUs newer than its table runs generic kernels otherwise.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadAddon } from "../src/tensor/native.js";

/** The OpenBLAS core type our addon runs (the peer's fp32 needs the same), if OpenBLAS loaded. */
export function openblasCore(): string | undefined {
  const info = loadAddon()?.info();
  return info?.openblas.loaded ? info.openblas.core : undefined;
}

export interface PeerRun {
  version: string;
  /** ms per update by update name. */
  ms: Record<string, number>;
}

/** One run of the peer at `threads` threads in `mode`; null when PyTorch or the script is missing. */
export function torchRun(threads: number, mode: "fp32" | "bf16" = "fp32", coreType = openblasCore()): PeerRun | null {
  const script = join(process.cwd(), "..", "shared", "bench", "torch_ref.py");
  if (!existsSync(script) || !existsSync("/usr/bin/python3")) return null;
  const env = { ...process.env, ...(coreType ? { OPENBLAS_CORETYPE: coreType } : {}) };
  let out: string;
  try {
    out = execFileSync("/usr/bin/python3", [script, String(threads), mode], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env });
  } catch {
    return null;
  }
  const ms: Record<string, number> = {};
  for (const m of out.matchAll(/^(\w+) ms\/update ([\d.]+)/gm)) ms[m[1]!] = Number(m[2]);
  return { version: /torch (\S+)/.exec(out)?.[1] ?? "", ms };
}

/** The peer at 1 and 2 threads: the best ms per update and the thread count that gave it. */
export function torchPeer(
  mode: "fp32" | "bf16" = "fp32",
  coreType = openblasCore(),
): { ms: Record<string, number>; threads: Record<string, number>; version: string } | null {
  const ms: Record<string, number> = {};
  const threads: Record<string, number> = {};
  let version = "";
  for (const t of [1, 2]) {
    const run = torchRun(t, mode, coreType);
    if (!run) return null;
    version = run.version;
    for (const [name, v] of Object.entries(run.ms))
      if (!(name in ms) || v < ms[name]!) {
        ms[name] = v;
        threads[name] = t;
      }
  }
  return { ms, threads, version };
}
