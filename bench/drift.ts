/**
 * How far float32 rounding carries IQL from a float64 run, per kernel set: N IQL updates
 * (bench/core-updates.ts, fixed batch) from identical weights on our kernel sets and on
 * PyTorch in float32 and float64 (bench/drift_torch.py, the same update as torch_ref.py).
 * The distance is ‖θ − θ₆₄‖ / ‖θ₆₄ − θ₀‖ over the learned parameters: the share of the
 * training movement that rounding changed. Without PyTorch, the reference is our
 * TypeScript kernels (every op in double, rounded once to float32).
 *
 *   node dist/bench/drift.js [--updates 20,50,200] [--adam-from <another adept_native.node>]
 *
 * `--adam-from` adds two runs with another build of the addon (e.g. one with fast-math):
 * ours with that build's Adam kernel alone, and that build's kernels throughout.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { MLP } from "../src/nn/layers.js";
import { setKernels } from "../src/tensor/backend.js";
import type { Kernels } from "../src/tensor/kernels.js";
import { loadAddon, nativeKernels, setThreads } from "../src/tensor/native.js";
import { tsKernels } from "../src/tensor/ts-kernels.js";
import { IQL_STATE, iqlUpdate } from "./core-updates.js";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const counts = (flag("--updates") ?? "20,50,200").split(",").map(Number);
const updates = Math.max(...counts);
const adamFrom = flag("--adam-from");
setThreads(1);

// The starting point: weights, targets and optimizer state.
const start = {
  params: IQL_STATE.params.map((p) => p.data.slice()),
  moments: IQL_STATE.optimizers.map((o) => ({ m: o.m.map((x) => x.slice()), v: o.v.map((x) => x.slice()), step: o.stepCount })),
};
function restore(): void {
  for (const [i, p] of IQL_STATE.params.entries()) p.data.set(start.params[i]!);
  for (const [i, o] of IQL_STATE.optimizers.entries()) {
    const s = start.moments[i]!;
    for (const [j, x] of o.m.entries()) x.set(s.m[j]!);
    for (const [j, x] of o.v.entries()) x.set(s.v[j]!);
    o.stepCount = s.step;
  }
}
/** The learned parameters after each of `counts` updates on kernel set K. */
function run(K: Kernels): Map<number, Float64Array> {
  restore();
  const out = new Map<number, Float64Array>();
  const previous = setKernels(K);
  try {
    for (let i = 1; i <= updates; i++) {
      iqlUpdate();
      if (counts.includes(i)) out.set(i, Float64Array.from(IQL_STATE.learned.flatMap((p) => Array.from(p.data))));
    }
  } finally {
    setKernels(previous);
  }
  return out;
}
const learnedStart = (() => {
  restore();
  return Float64Array.from(IQL_STATE.learned.flatMap((p) => Array.from(p.data)));
})();
const dist = (x: Float64Array, y: Float64Array): number => Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0));

const native = nativeKernels();
const addon = loadAddon();
if (!native || !addon) throw new Error("bench/drift needs the native addon");
const variants: [string, Kernels][] = [];
const backend = addon.backend();
for (const b of ["openblas", "onednn", "portable-avx512"])
  if (!addon.setBackend(b)) {
    const k = nativeKernels()!;
    const sgemm = k.sgemm;
    const snapshot = { ...k, name: `native/${b}`, sgemm };
    // NOTE: the addon's backend is global; each variant sets it when it runs (below).
    variants.push([`native (${b})`, snapshot]);
  }
addon.setBackend(backend);
if (adamFrom) {
  const other = createRequire(import.meta.url)(resolve(adamFrom)) as Kernels;
  variants.push([`native (${backend}) with the adam of ${adamFrom}`, { ...native, name: "native+other-adam", adam: other.adam }]);
  // N-API properties are not enumerable: name each kernel.
  const { sgemm, biasActivation, activationBackward, columnSum, adam, polyak, sumSquares } = other;
  variants.push([
    `every kernel of ${adamFrom}`,
    { name: "other", sgemm, biasActivation, activationBackward, columnSum, adam, polyak, sumSquares },
  ]);
}

const dir = mkdtempSync(join(tmpdir(), "adept-drift-"));
const torchRun = (dtype: "float32" | "float64"): Map<number, Float64Array> | null => {
  const layers = (m: MLP): [number[], number[], number, number][] =>
    m.layers.map((l) => [Array.from(l.weight.data), Array.from(l.bias!.data), l.weight.rows, l.weight.cols]);
  const { s, a, r, s2 } = IQL_STATE.batch;
  restore();
  const state = {
    S: s.cols,
    A: a.cols,
    B: s.rows,
    updates: counts,
    s: Array.from(s.data),
    a: Array.from(a.data),
    r: Array.from(r.data),
    s2: Array.from(s2.data),
    log_std: Array.from(IQL_STATE.logStd.data),
    modules: Object.fromEntries(Object.entries(IQL_STATE.modules).map(([k, m]) => [k, layers(m)])),
  };
  writeFileSync(join(dir, "state.json"), JSON.stringify(state));
  try {
    execFileSync(
      "/usr/bin/python3",
      [join(process.cwd(), "bench", "drift_torch.py"), join(dir, "state.json"), dtype, join(dir, `${dtype}.json`)],
      {
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
  } catch {
    return null;
  }
  const snapshots = JSON.parse(readFileSync(join(dir, `${dtype}.json`), "utf8")) as Record<string, number[]>;
  return new Map(Object.entries(snapshots).map(([k, v]) => [Number(k), Float64Array.from(v)]));
};
const f64 = torchRun("float64");
const f32 = f64 ? torchRun("float32") : null;
rmSync(dir, { recursive: true, force: true });
const reference = f64 ?? run(tsKernels);
const moved = counts.map((n) => dist(reference.get(n)!, learnedStart));
const row = (label: string, x: Map<number, Float64Array>): void =>
  console.log(
    `  ${label.padEnd(64)} ${counts.map((n, i) => (dist(x.get(n)!, reference.get(n)!) / moved[i]!).toExponential(2).padStart(9)).join(" ")}`,
  );
console.log(
  `IQL from identical weights: distance to ${f64 ? "PyTorch's float64 run" : "the TypeScript kernels' run (PyTorch not available)"} relative to its movement, after ${counts.join(", ")} updates`,
);
if (f32) row("PyTorch float32", f32);
if (f64) variants.unshift(["ts (TypeScript kernels)", tsKernels]);
for (const [label, K] of variants) {
  const b = /^native \((\S+)\)/.exec(label)?.[1];
  if (b) addon.setBackend(b);
  row(label, run(K));
  addon.setBackend(backend);
}
