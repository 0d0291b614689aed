/**
 * `npm run bench:adept`: time per 1k agent steps of plain IQL and of ADEPT+IQL with the
 * paper's defaults (world model 3×256, K 10, IS batch 1024, 1000 rollouts of H 10 per
 * iteration of 1000 agent steps), broken down into world-model updates, rollouts and agent
 * updates, and the world model's sampling rate in those rollouts — in fp32 and, where the
 * CPU has bf16, in bf16. Data: hopper, uniform random actions (built in memory).
 *
 *   node dist/bench/adept.js [--iterations 1] [--rounds 3] [--transitions 50000]
 *
 * Each figure is the median over rounds; a round measures each precision in turn.
 */
import { loadavg } from "node:os";
import { resolveAdeptConfig } from "../src/adept/config.js";
import { AdeptLearner } from "../src/adept/learner.js";
import { makeAgent } from "../src/agents/registry.js";
import { collectTransitions, uniformPolicy } from "../src/collect/collect.js";
import { datasetStats, Normalizer } from "../src/data/normalizer.js";
import { ReplayBuffer } from "../src/data/replay.js";
import { PlainLearner } from "../src/learner/learner.js";
import { backendSummary } from "../src/tensor/backend.js";
import { loadAddon } from "../src/tensor/native.js";
import { setPrecision } from "../src/tensor/precision.js";
import { Rng } from "../src/util/rng.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const iterations = arg("--iterations", 1);
const transitions = arg("--transitions", 50_000);
const dataset = await collectTransitions("hopper", transitions, uniformPolicy(3, new Rng(1)), { seed: 0 });
const stats = datasetStats(dataset);
const normalizer = new Normalizer(stats.observations);
const buffer = new ReplayBuffer({ observationDim: dataset.observationDim, actionDim: dataset.actionDim, capacity: dataset.size });
buffer.addDataset({
  ...dataset,
  observations: normalizer.normalize(dataset.observations.slice()),
  nextObservations: normalizer.normalize(dataset.nextObservations.slice()),
  rewards: dataset.rewards.map((r) => r * stats.rewardScale),
});
const data = { dataset, stats, normalizer, buffer };
const steps = 1000 * iterations;

/** ms per 1000 agent steps of plain IQL and of ADEPT+IQL (with its breakdown) in one precision. */
function measure(): { iql: number; adept: number; wm: number; rollouts: number } {
  const iql = new PlainLearner(makeAgent("iql", dataset.observationDim, dataset.actionDim, {}, 0), buffer, new Rng(1), 256);
  for (let i = 0; i < 50; i++) iql.step(); // warm-up
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) iql.step();
  const iqlMs = (performance.now() - t0) / iterations;
  const adept = AdeptLearner.create("adept-iql", data, resolveAdeptConfig("adept-iql", { wmPretrainSteps: 50 }), 0, 256, {
    progress: false,
  });
  let wm = 0,
    rollouts = 0;
  t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const m = adept.step();
    wm += m["time/wm_update_ms"] ?? 0;
    rollouts += m["time/rollout_ms"] ?? 0;
  }
  return { iql: iqlMs, adept: (performance.now() - t0) / iterations, wm: wm / iterations, rollouts: rollouts / iterations };
}

const precisions = loadAddon()?.info().onednn.bf16 ? (["fp32", "bf16"] as const) : (["fp32"] as const);
// Rounds alternate the precisions so that a shared machine's load changes hit both alike.
const rounds = arg("--rounds", 3);
const samples = new Map<string, ReturnType<typeof measure>[]>();
for (let r = 0; r < rounds; r++)
  for (const p of precisions) {
    setPrecision(p);
    samples.set(p, [...(samples.get(p) ?? []), measure()]);
  }
const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const results = new Map<string, ReturnType<typeof measure>>();
for (const [p, xs] of samples)
  results.set(p, {
    iql: med(xs.map((x) => x.iql)),
    adept: med(xs.map((x) => x.adept)),
    wm: med(xs.map((x) => x.wm)),
    rollouts: med(xs.map((x) => x.rollouts)),
  });
setPrecision("fp32");

console.log(
  `adept bench:adept — ${backendSummary()}; hopper (S 11, A 3), ${transitions} random transitions, ${iterations} iteration(s) of 1000 agent steps, median of ${rounds} rounds; load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
console.log(`per 1k agent steps (ms)      ${precisions.map((p) => p.padStart(8)).join(" ")}`);
const row = (label: string, f: (r: ReturnType<typeof measure>) => number, note = ""): void =>
  console.log(`${label.padEnd(28)} ${precisions.map((p) => f(results.get(p)!).toFixed(0).padStart(8)).join(" ")}${note}`);
row("iql", (r) => r.iql);
row("adept-iql", (r) => r.adept);
row("  world-model updates", (r) => r.wm, "  (50 IS updates, batch 1024)");
row("  model rollouts", (r) => r.rollouts, "  (1000 rollouts × H 10, K 10 guided steps)");
row("  agent updates", (r) => r.adept - r.wm - r.rollouts, "  (1000 IQL updates on mixed batches)");
row("world-model samples/s", (r) => 10_000 / (r.rollouts / 1000), "  (transitions sampled per second in the rollouts)");
console.log(`adept-iql / iql: ${precisions.map((p) => `${p} ${(results.get(p)!.adept / results.get(p)!.iql).toFixed(2)}x`).join(", ")}`);
