/**
 * `npm run bench:adept`: time per 1k agent steps of plain IQL and of ADEPT+IQL with the
 * paper's defaults (world model 3×256, K 10, IS batch 1024, 1000 rollouts of H 10 per
 * iteration of 1000 agent steps), broken down into world-model updates, rollouts and agent
 * updates. Data: hopper, uniform random actions (built in memory).
 *
 *   node dist/bench/adept.js [--iterations 2] [--transitions 50000]
 */
import { resolveAdeptConfig } from "../src/adept/config.js";
import { AdeptLearner } from "../src/adept/learner.js";
import { makeAgent } from "../src/agents/registry.js";
import { collectTransitions, uniformPolicy } from "../src/collect/collect.js";
import { datasetStats, Normalizer } from "../src/data/normalizer.js";
import { ReplayBuffer } from "../src/data/replay.js";
import { PlainLearner } from "../src/learner/learner.js";
import { kernels } from "../src/tensor/backend.js";
import { Rng } from "../src/util/rng.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const iterations = arg("--iterations", 2);
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

const iql = new PlainLearner(makeAgent("iql", dataset.observationDim, dataset.actionDim, {}, 0), buffer, new Rng(1), 256);
for (let i = 0; i < 50; i++) iql.step(); // warm-up
let t0 = performance.now();
for (let i = 0; i < steps; i++) iql.step();
const iqlMs = (performance.now() - t0) / iterations;

const adept = AdeptLearner.create("adept-iql", data, resolveAdeptConfig("adept-iql", { wmPretrainSteps: 50 }), 0, 256, { progress: false });
let wm = 0,
  rollouts = 0;
t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const m = adept.step();
  wm += m["time/wm_update_ms"] ?? 0;
  rollouts += m["time/rollout_ms"] ?? 0;
}
const adeptMs = (performance.now() - t0) / iterations;
wm /= iterations;
rollouts /= iterations;

console.log(
  `adept bench:adept — kernels ${kernels().name}, hopper (S 11, A 3), ${transitions} random transitions, ${iterations} iterations of 1000 agent steps`,
);
console.log("per 1k agent steps          ms");
console.log(`iql                    ${iqlMs.toFixed(0).padStart(8)}`);
console.log(`adept-iql              ${adeptMs.toFixed(0).padStart(8)}  (${(adeptMs / iqlMs).toFixed(2)}x iql)`);
console.log(`  world-model updates  ${wm.toFixed(0).padStart(8)}  (50 IS updates, batch 1024)`);
console.log(`  model rollouts       ${rollouts.toFixed(0).padStart(8)}  (1000 rollouts × H 10, K 10 guided steps)`);
console.log(`  agent updates        ${(adeptMs - wm - rollouts).toFixed(0).padStart(8)}  (1000 IQL updates on mixed batches)`);
