/**
 * CPU time per update of bench/core-updates.ts's IQL, SAC and DDPM step on every sgemm
 * backend that runs here (fp32) and on oneDNN in bf16, one thread, interleaved rounds,
 * medians. CPU time (getrusage) rather than wall time: on a shared machine the time a
 * process spends descheduled does not count, so backends compare fairly under load.
 *
 *   node dist/bench/backends.js [--rounds 9] [--per-round 10]
 */
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
const addon = loadAddon();
if (!addon) throw new Error("bench/backends needs the native addon");
setThreads(1);
const configs: [string, "fp32" | "bf16"][] = NATIVE_BACKENDS.filter((b) => addon.setBackend(b) === "").map((b) => [b, "fp32"]);
if (addon.info().onednn.bf16) configs.push(["onednn", "bf16"]);
const use = ([backend, precision]: [string, "fp32" | "bf16"]): void => {
  setPrecision("fp32");
  addon.setBackend(backend);
  setPrecision(precision);
};
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
console.log(`ms CPU per update, 1 thread, ${rounds} rounds × ${perRound} updates, medians`);
console.log(`update  ${configs.map(([b, p]) => `${b}/${p}`.padStart(22)).join("")}`);
for (const name of UPDATES) {
  const samples = configs.map((): number[] => []);
  for (const c of configs) {
    use(c);
    for (let i = 0; i < perRound; i++) UPDATE_FNS[name]();
  }
  for (let r = 0; r < rounds; r++)
    configs.forEach((c, j) => {
      use(c);
      const t0 = cpuMs();
      for (let i = 0; i < perRound; i++) UPDATE_FNS[name]();
      samples[j]!.push((cpuMs() - t0) / perRound);
    });
  console.log(`${name.padEnd(6)}  ${samples.map((s) => median(s).toFixed(2).padStart(22)).join("")}`);
}
setPrecision("fp32");
