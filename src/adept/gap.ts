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
import type { WorldModel } from "../diffusion/types.js";
import { makeEnv } from "../envs/registry.js";
import type { LocomotionTask } from "../envs/scores.js";
import type { Rng } from "../util/rng.js";
import type { BehaviourDensity } from "./behaviour.js";
import { importanceWeights } from "./importance.js";

/** n rows drawn from `rows`, with their raw s, a, r, s′ and z-scored s. */
function drawRows(dataset: Dataset, rows: Int32Array, n: number, normalizer: Normalizer, rng: Rng) {
  const S = dataset.observationDim,
    A = dataset.actionDim;
  const picked = new Int32Array(n);
  const s = new Float32Array(n * S),
    a = new Float32Array(n * A),
    s2 = new Float32Array(n * S),
    r = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[rng.int(rows.length)]!;
    picked[i] = row;
    s.set(dataset.observations.subarray(row * S, (row + 1) * S), i * S);
    a.set(dataset.actions.subarray(row * A, (row + 1) * A), i * A);
    s2.set(dataset.nextObservations.subarray(row * S, (row + 1) * S), i * S);
    r[i] = dataset.rewards[row]!;
  }
  const sNorm = normalizer.normalize(s.slice());
  return { picked, s, a, s2, r, sNorm };
}

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
  const d = drawRows(o.dataset, o.rows, o.n, o.normalizer, o.rng);
  const logPi = o.agent.logProb(d.sNorm, d.a, o.n).slice();
  const logBeta = new Float32Array(o.n);
  o.behaviour.logProb(d.picked, d.sNorm, d.a, o.n, logBeta);
  const w = new Float32Array(o.n);
  const { ess } = importanceWeights(logPi, logBeta, o.n, o.clip, w);
  const pred = o.worldModel.step(d.s, d.a, o.n, o.rng);
  const predNorm = o.normalizer.normalize(pred.nextObservations.slice());
  const trueNorm = o.normalizer.normalize(d.s2.slice());
  let er = 0,
    em = 0,
    sw = 0;
  for (let i = 0; i < o.n; i++) {
    let sq = 0;
    for (let j = 0; j < S; j++) sq += (predNorm[i * S + j]! - trueNorm[i * S + j]!) ** 2;
    er += w[i]! * Math.abs(pred.rewards[i]! - d.r[i]!);
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
  const starts = Array.from({ length: n }, () => o.rows[o.rng.int(o.rows.length)]!);
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
  let raw = new Float32Array(n * S);
  starts.forEach((row, i) => {
    raw.set(dataset.observations.subarray(row * S, (row + 1) * S), i * S);
  });
  let alive = Array.from({ length: n }, (_, i) => i);
  let modelTotal = 0;
  for (let t = 0; t < o.horizon && alive.length > 0; t++) {
    const m = alive.length;
    const x = o.normalizer.normalize(raw.slice(0, m * S));
    const a = o.agent.act(x, m, true).slice(0, m * A);
    const step = o.worldModel.step(raw, a, m, o.rng);
    const nextRaw = new Float32Array(m * S);
    const nextAlive: number[] = [];
    for (let i = 0; i < m; i++) {
      modelTotal += step.rewards[i]!;
      if (step.terminals[i] === 1) continue;
      nextRaw.set(step.nextObservations.subarray(i * S, (i + 1) * S), nextAlive.length * S);
      nextAlive.push(alive[i]!);
    }
    raw = nextRaw;
    alive = nextAlive;
  }
  return { modelReturn: modelTotal / n, realReturn: realTotal / n };
}
