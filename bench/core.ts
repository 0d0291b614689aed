/**
 * `npm run bench:core`: the numeric core's speed on this CPU — sgemm 256³ in GFLOP/s on
 * every backend that runs here, and median ms per update of IQL, SAC and a DDPM denoiser
 * step (bench/core-updates.ts, torch_ref.py's shapes) on the default backend in fp32 and
 * bf16 — beside the PyTorch peer (../shared/bench/torch_ref.py, fp32 and bf16 autocast)
 * run in the same invocation. Each side is reported at its best of 1 and 2 threads.
 *
 * The machine may be shared, so measurements are interleaved: every round times each of
 * our configurations in turn (a few updates each), half the rounds run before the PyTorch
 * peer and half after, and the figures are medians over rounds.
 *
 *   node dist/bench/core.js [--json] [--rounds 16] [--per-round 20] [--threads 1,2] [--no-torch] [--profile]
 *
 * `--json` prints one object on stdout (the table goes to stderr): {cpu, isa, backend,
 * sgemm_gflops: {"<backend>/<precision>"}, updates_ms: {iql: {fp32, bf16}, sac, ddpm},
 * torch_ms: {iql: {fp32, bf16}, …}}.
 * `--profile` prints where each update's time goes (kernels vs the rest) instead.
 */

import { loadavg } from "node:os";
import { kernels } from "../src/tensor/backend.js";
import { loadAddon, NATIVE_BACKENDS, setThreads } from "../src/tensor/native.js";
import { setPrecision } from "../src/tensor/precision.js";
import { FLOPS, UPDATE_FNS, UPDATES, type UpdateName } from "./core-updates.js";
import { profileKernels } from "./profile-kernels.js";
import { medianMs } from "./timing.js";
import { torchRun } from "./torch-peer.js";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(flag("--rounds") ?? 16);
const perRound = Number(flag("--per-round") ?? 20);
const threadCounts = (flag("--threads") ?? "1,2").split(",").map(Number);
const json = args.includes("--json");
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
// With --json the object is the only thing on stdout; the table goes to stderr.
const log = (line: string): void => {
  if (json) process.stderr.write(`${line}\n`);
  else console.log(line);
};

const loadAtStart = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
const addon = loadAddon();
const info = addon?.info();
const defaultBackend = addon?.backend() ?? kernels().name;
// bf16 runs on oneDNN only: not where ADEPT_SGEMM forces another backend.
const forced = process.env.ADEPT_SGEMM;
const bf16 = (info?.onednn.bf16 ?? false) && (forced === undefined || forced === "onednn");
const precisions = bf16 ? (["fp32", "bf16"] as const) : (["fp32"] as const);
type Config = { precision: "fp32" | "bf16"; threads: number };
const configs: Config[] = precisions.flatMap((precision) => threadCounts.map((threads) => ({ precision, threads })));

function use(c: Config): void {
  setPrecision(c.precision);
  setThreads(c.threads);
}

// ---- sgemm 256³ on every backend ------------------------------------------------------
function sgemmGflops(): number {
  const n = 256;
  const x = new Float32Array(n * n).fill(0.5),
    y = new Float32Array(n * n).fill(0.25),
    z = new Float32Array(n * n);
  const ms = medianMs(() => kernels().sgemm(false, false, n, n, n, 1, x, y, 0, z), 200, 50);
  return (2 * n * n * n) / (ms * 1e6);
}

const sgemm: Record<string, number> = {};
if (addon) {
  for (const name of NATIVE_BACKENDS) {
    if (addon.setBackend(name)) continue; // cannot run here
    for (const p of name === "onednn" && bf16 ? (["fp32", "bf16"] as const) : (["fp32"] as const)) {
      if (p === "bf16") addon.setPrecision(true);
      let best = 0;
      for (const t of threadCounts) {
        setThreads(t);
        best = Math.max(best, sgemmGflops());
      }
      addon.setPrecision(false);
      sgemm[`${name}/${p}`] = Number(best.toFixed(1));
    }
  }
  addon.setBackend(defaultBackend);
} else sgemm["ts/fp32"] = Number(sgemmGflops().toFixed(1));

if (args.includes("--profile")) {
  for (const c of configs) {
    use(c);
    for (const name of UPDATES) {
      const p = profileKernels(UPDATE_FNS[name], 100);
      console.log(`${name} ${c.precision} ${c.threads}T: ${p.totalMs.toFixed(3)} ms/update — ${p.lines.join(", ")}`);
    }
  }
  process.exit(0);
}

// ---- our updates, interleaved ---------------------------------------------------------
const samples = new Map<string, number[]>();
const key = (u: UpdateName, c: Config): string => `${u} ${c.precision} ${c.threads}`;
for (const c of configs) {
  use(c);
  for (const u of UPDATES) medianMs(UPDATE_FNS[u], 1, 20); // warm-up
}
function ourRounds(n: number): void {
  for (let r = 0; r < n; r++)
    for (const c of configs) {
      use(c);
      for (const u of UPDATES) {
        const k = key(u, c);
        samples.set(k, [...(samples.get(k) ?? []), medianMs(UPDATE_FNS[u], perRound, 2)]);
      }
    }
}

// ---- the PyTorch peer, between our two halves --------------------------------------
const torchMs: Record<string, Record<string, number>> = {};
const torchThreads: Record<string, Record<string, number>> = {};
let torchVersion = "";
ourRounds(Math.ceil(rounds / 2));
if (!args.includes("--no-torch"))
  for (const mode of ["fp32", "bf16"] as const)
    for (const t of threadCounts) {
      const run = torchRun(t, mode);
      if (!run) break;
      torchVersion = run.version;
      for (const [u, ms] of Object.entries(run.ms)) {
        torchMs[u] ??= {};
        torchThreads[u] ??= {};
        if (!(mode in torchMs[u]!) || ms < torchMs[u]![mode]!) {
          torchMs[u]![mode] = ms;
          torchThreads[u]![mode] = t;
        }
      }
    }
ourRounds(Math.floor(rounds / 2));
use({ precision: "fp32", threads: threadCounts[0]! });

const updatesMs: Record<string, Record<string, number>> = {};
const bestThreads: Record<string, Record<string, number>> = {};
const byThreads: Record<string, number> = {};
for (const u of UPDATES)
  for (const c of configs) {
    const ms = median(samples.get(key(u, c))!);
    byThreads[key(u, c)] = ms;
    updatesMs[u] ??= {};
    bestThreads[u] ??= {};
    if (!(c.precision in updatesMs[u]!) || ms < updatesMs[u]![c.precision]!) {
      updatesMs[u]![c.precision] = Number(ms.toFixed(3));
      bestThreads[u]![c.precision] = c.threads;
    }
  }

log(`adept bench:core — ${info?.cpu ?? "unknown CPU"} [${info?.isa.join(" ") ?? ""}], default backend ${defaultBackend}`);
log(
  `${rounds} interleaved rounds × ${perRound} updates, medians; PyTorch ${torchVersion || "not run"} between the halves; load average ${loadAtStart} at the start, ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} at the end`,
);
log(
  `sgemm 256³ GFLOP/s (best of ${threadCounts.join("/")} threads): ${Object.entries(sgemm)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}`,
);
log(`update  precision ${threadCounts.map((t) => `adept ${t}T`.padStart(9)).join(" ")}  GFLOP/s  torch ms (T)  adept/torch`);
for (const u of UPDATES)
  for (const p of precisions) {
    const ms = updatesMs[u]![p]!;
    const tms = torchMs[u]?.[p];
    const row = threadCounts.map((t) => byThreads[key(u, { precision: p, threads: t })]!.toFixed(3).padStart(9)).join(" ");
    log(
      `${u.padEnd(6)}  ${p.padEnd(9)} ${row}  ${(FLOPS[u] / (ms * 1e6)).toFixed(1).padStart(7)}  ${tms ? `${tms.toFixed(3)} (${torchThreads[u]![p]})`.padStart(12) : "           –"}  ${tms ? `${(ms / tms).toFixed(2)}x` : "–"}`,
    );
  }
if (!torchVersion)
  log("(PyTorch peer not run: needs /usr/bin/python3 with torch — apt-get install -y python3-torch — and ../shared/bench/torch_ref.py)");
if (json) {
  console.log(
    JSON.stringify({
      cpu: info?.cpu ?? "unknown",
      isa: info?.isa ?? [],
      backend: defaultBackend,
      sgemm_gflops: sgemm,
      updates_ms: updatesMs,
      torch_ms: torchMs,
    }),
  );
}
