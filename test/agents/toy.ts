/**
 * Small tasks whose optimum is known, for learning tests that run in seconds.
 *
 * The contextual bandit: s ~ U[−1,1]², a ∈ [−1,1]², r = −‖a − a*(s)‖² with a*(s) = −0.8·s,
 * and every step terminal. The optimal return is 0; uniformly random actions earn
 * E‖a − a*‖² = 2/3 + E‖a*‖² = 2/3 + 0.64·2/3 ≈ 1.09 below it.
 */

import type { Agent } from "../../src/agents/agent.js";
import type { Dataset } from "../../src/data/dataset.js";
import { datasetStats, Normalizer } from "../../src/data/normalizer.js";
import { allocateBatch, ReplayBuffer, type TransitionBatch } from "../../src/data/replay.js";
import type { OfflineData } from "../../src/learner/offline-data.js";
import { Rng } from "../../src/util/rng.js";

export const S = 2,
  A = 2;

export function optimalAction(s: Float32Array, i: number, j: number): number {
  return -0.8 * s[i * S + j]!;
}

/** A dataset of `n` bandit transitions whose actions come from `behaviour` (default: uniform). */
export function banditBuffer(
  n: number,
  seed: number,
  behaviour?: (s: Float32Array, i: number, j: number, rng: Rng) => number,
): ReplayBuffer {
  const rng = new Rng(seed);
  const buffer = new ReplayBuffer({ observationDim: S, actionDim: A, capacity: n });
  const s = new Float32Array(S),
    a = new Float32Array(A);
  for (let k = 0; k < n; k++) {
    rng.fillUniform(s, -1, 1);
    let r = 0;
    for (let j = 0; j < A; j++) {
      a[j] = behaviour ? behaviour(s, 0, j, rng) : 2 * rng.uniform() - 1;
      r -= (a[j]! - optimalAction(s, 0, j)) ** 2;
    }
    buffer.add(s, a, r, s, 1);
  }
  return buffer;
}

/** Mean reward of the agent's deterministic policy on `n` fresh states. */
export function banditReturn(agent: Agent, n = 1000, seed = 123): number {
  const rng = new Rng(seed);
  const s = new Float32Array(n * S);
  rng.fillUniform(s, -1, 1);
  const a = agent.act(s, n, true);
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < A; j++) total -= (a[i * A + j]! - optimalAction(s, i, j)) ** 2;
  return total / n;
}

/** Trains `agent` for `steps` updates on batches sampled from `buffer`; returns the metrics of each update. */
export function trainOn(agent: Agent, buffer: ReplayBuffer, steps: number, batchSize = 256, seed = 9): Record<string, number>[] {
  const rng = new Rng(seed);
  const batch: TransitionBatch = allocateBatch({ observationDim: S, actionDim: A }, batchSize);
  const out: Record<string, number>[] = [];
  for (let i = 0; i < steps; i++) {
    buffer.sample(rng, batch);
    out.push(agent.update(batch));
  }
  return out;
}

/** Expected reward of uniformly random actions (≈ −1.09). */
export const RANDOM_RETURN = -(2 / 3) * (1 + 0.64);

/** The bandit as a raw dataset with logged uniform log-densities (terminal after one step). */
export function banditDataset(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const obs = new Float32Array(n * S),
    act = new Float32Array(n * A),
    rew = new Float32Array(n);
  rng.fillUniform(obs, -1, 1);
  rng.fillUniform(act, -1, 1);
  for (let i = 0; i < n; i++) for (let j = 0; j < A; j++) rew[i]! -= (act[i * A + j]! - optimalAction(obs, i, j)) ** 2;
  return {
    size: n,
    observationDim: S,
    actionDim: A,
    observations: obs,
    actions: act,
    rewards: rew,
    nextObservations: obs.slice(),
    terminals: new Uint8Array(n).fill(1),
    timeouts: new Uint8Array(n),
    actionLogProbs: new Float32Array(n).fill(-A * Math.LN2),
    metadata: {},
    source: { format: "memory", nextObservations: "file", droppedRows: 0 },
  };
}

/**
 * The bandit as a raw dataset (uniform actions, logged log-densities) and the prepared data
 * a model-based learner takes (statistics, normalizer, buffer in agent units, rewards unscaled).
 */
export function banditData(n: number, seed: number): OfflineData {
  const dataset = banditDataset(n, seed);
  const stats = datasetStats(dataset, { rewardScaling: "none" });
  const normalizer = new Normalizer(stats.observations);
  const buffer = new ReplayBuffer({ observationDim: S, actionDim: A, capacity: n });
  buffer.addDataset({
    ...dataset,
    observations: normalizer.normalize(dataset.observations.slice()),
    nextObservations: normalizer.normalize(dataset.nextObservations.slice()),
  });
  return { dataset, stats, normalizer, buffer };
}
