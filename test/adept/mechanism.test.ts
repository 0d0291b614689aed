// The mechanism ADEPT relies on: with data covering two regions of action space and a target
// policy that prefers one, importance-sampled world-model updates lower the model's error in
// the policy's region more than unweighted updates do, at the same budget.
import assert from "node:assert/strict";
import { it } from "node:test";
import { importanceWeights } from "../../src/adept/importance.js";
import type { Dataset } from "../../src/data/dataset.js";
import { allocateBatch } from "../../src/data/replay.js";
import { DiffusionWorldModel } from "../../src/diffusion/world-model.js";
import { Rng } from "../../src/util/rng.js";

/** s ∈ U(±1)², a ∈ U(±1); s′ = s + 0.5·(sin 4a, cos 4a)·(1 + s₀): hard to fit everywhere with a tiny model. */
function dynamics(s0: number, s1: number, a: number): [number, number] {
  return [s0 + 0.5 * Math.sin(4 * a) * (1 + s0), s1 + 0.5 * Math.cos(4 * a) * (1 + s0)];
}

function makeDataset(n: number, rng: Rng): Dataset {
  const obs = new Float32Array(n * 2),
    act = new Float32Array(n),
    next = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    obs[2 * i] = 2 * rng.uniform() - 1;
    obs[2 * i + 1] = 2 * rng.uniform() - 1;
    act[i] = 2 * rng.uniform() - 1;
    const [x, y] = dynamics(obs[2 * i]!, obs[2 * i + 1]!, act[i]!);
    next[2 * i] = x;
    next[2 * i + 1] = y;
  }
  return {
    size: n,
    observationDim: 2,
    actionDim: 1,
    observations: obs,
    actions: act,
    rewards: new Float32Array(n),
    nextObservations: next,
    terminals: new Uint8Array(n),
    timeouts: new Uint8Array(n),
    metadata: {},
    source: { format: "memory", nextObservations: "file", droppedRows: 0 },
  };
}

/** log N(a; 0.7, 0.1²): the target policy prefers actions near 0.7. */
const logPolicy = (a: number): number => -0.5 * ((a - 0.7) / 0.1) ** 2 - Math.log(0.1) - 0.5 * Math.log(2 * Math.PI);

it("importance-sampled updates fit the policy's region better than unweighted ones", () => {
  const data = makeDataset(4000, new Rng(1));
  // A small model (width 32) cannot fit the whole action range well: the regime where the
  // paper's adaptation matters. Both models share 1000 uniform pretraining steps, as in
  // Algorithm 1, then take 1000 more steps, weighted by π/π_β or not.
  const config = { width: 32, depth: 2, denoisingSteps: 5, lr: 1e-3, guidance: 0, emaDecay: 0.9, clip: false };
  const pretrain = 1000,
    adapt = 1000;
  const train = (weighted: boolean): DiffusionWorldModel => {
    const model = DiffusionWorldModel.fromDataset(data, config, 3);
    const rng = new Rng(4);
    const batch = allocateBatch(data, 256);
    const w = new Float32Array(256),
      logPi = new Float32Array(256),
      logBeta = new Float32Array(256).fill(-Math.log(2));
    for (let t = 0; t < pretrain + adapt; t++) {
      for (let b = 0; b < 256; b++) {
        const i = rng.int(data.size);
        batch.observations.set(data.observations.subarray(2 * i, 2 * i + 2), 2 * b);
        batch.actions[b] = data.actions[i]!;
        batch.nextObservations.set(data.nextObservations.subarray(2 * i, 2 * i + 2), 2 * b);
        logPi[b] = logPolicy(batch.actions[b]!);
      }
      importanceWeights(logPi, logBeta, 256, 50, w);
      model.update(batch, weighted && t >= pretrain ? w : undefined);
    }
    return model;
  };
  // Error on fresh (s, a ~ π) pairs: mean squared distance of sampled s′ to the true s′.
  const rng = new Rng(9);
  const n = 2000;
  const s = new Float32Array(2 * n),
    a = new Float32Array(n),
    truth = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    s[2 * i] = 2 * rng.uniform() - 1;
    s[2 * i + 1] = 2 * rng.uniform() - 1;
    a[i] = Math.max(-1, Math.min(1, 0.7 + 0.1 * rng.normal()));
    const [x, y] = dynamics(s[2 * i]!, s[2 * i + 1]!, a[i]!);
    truth[2 * i] = x;
    truth[2 * i + 1] = y;
  }
  const errorOf = (model: DiffusionWorldModel): number => {
    const pred = model.step(s, a, n, new Rng(10)).nextObservations;
    let e = 0;
    for (let i = 0; i < 2 * n; i++) e += (pred[i]! - truth[i]!) ** 2;
    return e / n;
  };
  const weightedError = errorOf(train(true));
  const uniformError = errorOf(train(false));
  // Seen over seeds 3, 5, 7: weighted 0.26 / 0.06 / 0.68 against unweighted 0.61 / 0.30 / 1.62.
  assert.ok(
    weightedError < 0.7 * uniformError,
    `policy-region error: weighted ${weightedError.toFixed(4)} vs unweighted ${uniformError.toFixed(4)}`,
  );
});
