/**
 * CPU time per update of bench/core-updates.ts's IQL, SAC and DDPM step on every sgemm
 * backend that runs here (fp32) and on oneDNN in bf16, one thread, interleaved rounds,
 * medians. CPU time (getrusage) rather than wall time: on a shared machine the time a
 * process spends descheduled does not count, so backends compare fairly under load.
 *
 * `--threads 1,2` times each backend at each thread count instead, in wall time (CPU time
 * adds the threads up); only meaningful where that many cores are idle — state the load.
 *
 *   node dist/bench/backends.js [--rounds 9] [--per-round 10] [--threads 1,2] [--only portable-avx512,openblas]
 */
import { loadavg } from "node:os";
import { kernels } from "../src/tensor/backend.js";
import { loadAddon, NATIVE_BACKENDS, setThreads } from "../src/tensor/native.js";
import { setPrecision } from "../src/tensor/precision.js";
import { UPDATE_FNS, UPDATES } from "./core-updates.js";
import { cpuMs } from "./profile-kernels.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = arg("--rounds", 9);
const perRound = arg("--per-round", 10);
const list = (name: string): string[] | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]!.split(",") : undefined;
};
const threadCounts = (list("--threads") ?? ["1"]).map(Number);
const only = list("--only");
const wall = list("--threads") !== undefined;
const addon = loadAddon();
if (!addon) throw new Error("bench/backends needs the native addon");
type Config = [backend: string, precision: "fp32" | "bf16", threads: number];
const backends = NATIVE_BACKENDS.filter((b) => addon.setBackend(b) === "" && (!only || only.includes(b)));
const configs: Config[] = backends.flatMap((b) => threadCounts.map((t): Config => [b, "fp32", t]));
if (addon.info().onednn.bf16 && (!only || only.includes("onednn/bf16")))
  configs.push(...threadCounts.map((t): Config => ["onednn", "bf16", t]));
const use = ([backend, precision, threads]: Config): void => {
  setPrecision("fp32");
  addon.setBackend(backend);
  setPrecision(precision);
  setThreads(threads);
};
const clock = (): number => (wall ? performance.now() : cpuMs());
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
console.log(
  wall
    ? `ms wall per update, ${threadCounts.join("/")} threads, ${rounds} rounds × ${perRound} updates, medians; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`
    : `ms CPU per update, 1 thread, ${rounds} rounds × ${perRound} updates, medians`,
);
console.log(`update  ${configs.map(([b, p, t]) => `${b}/${p}${wall ? ` ${t}T` : ""}`.padStart(26)).join("")}`);
// With --threads, one 256³ product as well (×10, so that it reads in ms like the updates):
// what the threads give the largest product of an update, beside what they give the update.
const n = 256;
const x = new Float32Array(n * n).fill(0.5),
  y = new Float32Array(n * n).fill(0.25),
  z = new Float32Array(n * n);
const sgemm10 = (): void => {
  for (let i = 0; i < 10; i++) kernels().sgemm(false, false, n, n, n, 1, x, y, 0, z);
};
const rows: [string, () => void][] = [
  ...UPDATES.map((u): [string, () => void] => [u, UPDATE_FNS[u]]),
  ...(wall ? [["256³×10", sgemm10] as [string, () => void]] : []),
];
for (const [name, fn] of rows) {
  const samples = configs.map((): number[] => []);
  for (const c of configs) {
    use(c);
    for (let i = 0; i < perRound; i++) fn();
  }
  for (let r = 0; r < rounds; r++)
    configs.forEach((c, j) => {
      use(c);
      const t0 = clock();
      for (let i = 0; i < perRound; i++) fn();
      samples[j]!.push((clock() - t0) / perRound);
    });
  console.log(`${name.padEnd(7)} ${samples.map((s) => median(s).toFixed(2).padStart(26)).join("")}`);
}
if (wall)
  console.log(
    `load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
setPrecision("fp32");
