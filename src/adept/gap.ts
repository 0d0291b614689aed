/**
 * The quantities of the return-gap bound (Theorem 4.4), estimated during training:
 *
 *   ε_r  ≈ Σ wᵢ |r̂ᵢ − rᵢ| / Σ wᵢ          reward error under π_φ (importance-weighted, held-out rows)
 *   ε_m  ≈ Σ wᵢ ‖ŝ′ᵢ − s′ᵢ‖₂ / Σ wᵢ        transition error under π_φ (z-scored units)
 *   ε_π  ≈ ½ E_{s∼D, a∼π_new} |1 − π_old(a|s) / π_new(a|s)|   total variation between successive policies
 *   gap  = return of π_φ in the model − in the simulator, from the same logged start states
 */
import type { Agent } from "../agents/agent.js";
import type { Dataset } from "../data/dataset.js";
import type { Normalizer } from "../data/normalizer.js";
import { RowSampler } from "../data/replay.js";
import { drawRows, gatherRowsInto, gatherRowsOf } from "../data/rows.js";
import type { WorldModel } from "../diffusion/types.js";
import { makeEnv } from "../envs/registry.js";
import type { LocomotionTask } from "../envs/scores.js";
import type { Rng } from "../util/rng.js";
import type { BehaviourDensity } from "./behaviour.js";
import { importanceWeights } from "./importance.js";

/** ε_r and ε_m on `n` held-out rows, weighted by π_φ/π_β (clipped like the update's weights). */
export function modelErrorsUnderPolicy(o: {
  worldModel: WorldModel;
  agent: Agent;
  behaviour: BehaviourDensity;
  dataset: Dataset;
  rows: Int32Array;
  n: number;
  normalizer: Normalizer;
  clip: number | null;
  rng: Rng;
}): { epsR: number; epsM: number; ess: number } {
  const S = o.dataset.observationDim;
  const sampler = new RowSampler(o.dataset, o.rows, o.n); // raw s, a, r, s′ of n held-out rows
  const d = sampler.sample(o.rng);
  const sNorm = o.normalizer.normalize(d.observations.slice());
  const logPi = o.agent.logProb(sNorm, d.actions, o.n).slice();
  const logBeta = new Float32Array(o.n);
  o.behaviour.logProb(sampler.picked, sNorm, d.actions, o.n, logBeta);
  const w = new Float32Array(o.n);
  const { ess } = importanceWeights(logPi, logBeta, o.n, o.clip, w);
  const pred = o.worldModel.step(d.observations, d.actions, o.n, o.rng);
  const predNorm = o.normalizer.normalize(pred.nextObservations.slice());
  const trueNorm = o.normalizer.normalize(d.nextObservations.slice());
  let er = 0,
    em = 0,
    sw = 0;
  for (let i = 0; i < o.n; i++) {
    let sq = 0;
    for (let j = 0; j < S; j++) sq += (predNorm[i * S + j]! - trueNorm[i * S + j]!) ** 2;
    er += w[i]! * Math.abs(pred.rewards[i]! - d.rewards[i]!);
    em += w[i]! * Math.sqrt(sq);
    sw += w[i]!;
  }
  return { epsR: er / sw, epsM: em / sw, ess };
}

/** ε_π: Monte-Carlo total variation between `previous` and `current` policies at z-scored states. */
export function policyShift(current: Agent, previous: Agent, observations: Float32Array, n: number): number {
  const actions = current.act(observations, n, false).slice(); // a ~ π_new
  const logNew = current.logProb(observations, actions, n).slice();
  const logOld = previous.logProb(observations, actions, n);
  let tv = 0;
  for (let i = 0; i < n; i++) tv += Math.abs(1 - Math.exp(Math.min(logOld[i]! - logNew[i]!, 30)));
  return (0.5 * tv) / n;
}

/**
 * The policy's H-step return in the model and in the simulator from the same logged start
 * states (deterministic actions on both sides; a terminal ends a rollout on either side).
 */
export async function modelRealGap(o: {
  worldModel: WorldModel;
  agent: Agent;
  dataset: Dataset;
  rows: Int32Array;
  count: number;
  horizon: number;
  normalizer: Normalizer;
  task: LocomotionTask;
  rng: Rng;
}): Promise<{ modelReturn: number; realReturn: number }> {
  const { dataset, count: n } = o;
  const S = dataset.observationDim,
    A = dataset.actionDim;
  if (!dataset.qpos || !dataset.qvel || !dataset.qposDim || !dataset.qvelDim) return { modelReturn: Number.NaN, realReturn: Number.NaN };
  const P = dataset.qposDim,
    V = dataset.qvelDim;
  const starts = drawRows(o.rng, o.rows, n);
  const env = await makeEnv(o.task);
  let realTotal = 0;
  const obs = new Float32Array(S);
  try {
    for (const row of starts) {
      env.reset(); // starts an episode (the env refuses steps outside one); the state is then replaced
      obs.set(env.setState({ qpos: dataset.qpos.subarray(row * P, (row + 1) * P), qvel: dataset.qvel.subarray(row * V, (row + 1) * V) }));
      for (let t = 0; t < o.horizon; t++) {
        const x = o.normalizer.normalize(obs.slice());
        const result = env.step(o.agent.act(x, 1, true).slice(0, A));
        realTotal += result.reward;
        if (result.terminated) break;
        obs.set(result.observation);
      }
    }
  } finally {
    env.close();
  }
  // The model side, all start states as one batch.
  const raw = gatherRowsOf(dataset.observations, S, starts); // [n, S], rows [0, alive) still running
  const kept = new Int32Array(n);
  let alive = n;
  let modelTotal = 0;
  for (let t = 0; t < o.horizon && alive > 0; t++) {
    const m = alive;
    const x = o.normalizer.normalize(raw.slice(0, m * S));
    const a = o.agent.act(x, m, true).slice(0, m * A);
    const step = o.worldModel.step(raw, a, m, o.rng);
    alive = 0;
    for (let i = 0; i < m; i++) {
      modelTotal += step.rewards[i]!;
      if (step.terminals[i] !== 1) kept[alive++] = i;
    }
    gatherRowsInto(step.nextObservations, S, kept, raw, alive); // the rollouts that go on, compacted to the front
  }
  return { modelReturn: modelTotal / n, realReturn: realTotal / n };
}
