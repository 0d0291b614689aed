#!/usr/bin/env node
// The importance weights of a trained ADEPT policy on its dataset, off line: the distribution of
// the raw log-ratios log π(a|s) − log π_β(a|s) over dataset rows, and the weights' effective
// sample size for several clip bounds c and tempering exponents α (src/adept/importance.ts),
// computed as the learner does: on batches of N = 1024 rows (the paper's IS batch), averaged.
// It answers "why do the weights degenerate" without training anything.
//
// Usage (repository root, after `npm run build`):
//   node experiments/weights.mjs <agent checkpoint> <dataset file> [batches, default 20]
//   node experiments/weights.mjs runs/random-200k/halfcheetah-random/adept-iql/seed0/latest.safetensors \
//     .cache/adept/datasets/halfcheetah-random.hdf5
// π_β is the dataset's logged log-probability (our builds log it; a file without it is refused).
import { hasLoggedLogProbs, importanceWeights, loadAgentCheckpoint, loadDataset, Normalizer, Rng } from "../dist/src/index.js";

const N = 1024;
const [checkpoint, datasetFile, batchesArg = "20"] = process.argv.slice(2);
if (!checkpoint || !datasetFile) {
  console.error("usage: node experiments/weights.mjs <agent checkpoint> <dataset file> [batches]");
  process.exit(2);
}
const { agent, info } = loadAgentCheckpoint(checkpoint);
const dataset = await loadDataset(datasetFile);
if (!hasLoggedLogProbs(dataset)) {
  console.error(`${datasetFile}: no finite logged action log-probs (infos/action_log_probs): π_β is unknown`);
  process.exit(1);
}
const batches = Number(batchesArg);
const n = batches * N;
const S = dataset.observationDim;
const A = dataset.actionDim;
const rng = new Rng(0);
const observations = new Float32Array(n * S);
const actions = new Float32Array(n * A);
const logBehaviour = new Float32Array(n);
for (let i = 0; i < n; i++) {
  const r = rng.int(dataset.size);
  observations.set(dataset.observations.subarray(r * S, (r + 1) * S), i * S);
  actions.set(dataset.actions.subarray(r * A, (r + 1) * A), i * A);
  logBehaviour[i] = dataset.actionLogProbs[r];
}
new Normalizer(info.stats.observations).normalize(observations); // the policy sees z-scored states
const logPi = agent.logProb(observations, actions, n).slice(0, n);

const raw = Array.from(logPi, (v, i) => v - logBehaviour[i]).sort((a, b) => a - b);
const mean = raw.reduce((a, b) => a + b, 0) / n;
const sd = Math.sqrt(raw.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
const q = (p) => raw[Math.floor(p * (n - 1))].toFixed(1);
console.log(`${checkpoint} on ${datasetFile}: ${batches} batches of ${N} rows, ${A}-dimensional actions`);
console.log(
  `log π − log π_β: mean ${mean.toFixed(2)}, sd ${sd.toFixed(2)} nats; quantiles 1 % ${q(0.01)}, 10 % ${q(0.1)}, 50 % ${q(0.5)}, 90 % ${q(0.9)}, 99 % ${q(0.99)}, max ${raw[n - 1].toFixed(1)}`,
);
console.log("| clip c | α | ESS / N | clipped | at c | at 1/c | largest w's share | Σw² on the rows at c |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
const w = new Float32Array(N);
for (const [c, alpha] of [[null, 1], [100, 1], [10, 1], [3, 1], [10, 0.5], [10, 0.25]]) {
  const sum = { ess: 0, clipped: 0, high: 0, maxShare: 0, squaresAtC: 0, squares: 0 };
  for (let b = 0; b < batches; b++) {
    const lp = logPi.subarray(b * N, (b + 1) * N);
    const lb = logBehaviour.subarray(b * N, (b + 1) * N);
    const s = importanceWeights(lp, lb, N, c, w, alpha);
    sum.ess += s.ess / N / batches;
    sum.clipped += s.clippedFraction / batches;
    sum.high += s.clippedHighFraction / batches;
    sum.maxShare += s.maxShare / batches;
    for (let i = 0; i < N; i++) {
      sum.squares += w[i] * w[i];
      if (c !== null && lp[i] - lb[i] > Math.log(c)) sum.squaresAtC += w[i] * w[i];
    }
  }
  const atC = c === null ? "–" : (sum.squaresAtC / sum.squares).toFixed(2);
  console.log(
    `| ${c ?? "off"} | ${alpha} | ${sum.ess.toFixed(3)} | ${sum.clipped.toFixed(3)} | ${sum.high.toFixed(3)} | ${(sum.clipped - sum.high).toFixed(3)} | ${sum.maxShare.toExponential(1)} | ${atC} |`,
  );
}
