/**
 * Model-based offline evaluation: the policy rolled out in a learned world model (the
 * diffusion world model or the Gaussian ensemble) from the data's initial states, for a
 * horizon (default: the task's time limit where the task is known — the simulator's episode,
 * whose return the estimate stands for — else the data's mean episode length); the returns'
 * mean and spread over rollouts, discounted and not. This is ADEPT's own inner loop used as
 * an evaluator.
 *
 * Why the time limit: on medium-replay data the episodes are short because the behaviour
 * policies fell (hopper 110 steps, walker2d 221, against 1000 in the simulator), and rollouts
 * cut there could not tell a policy that falls at step 200 from one that walks on (docs/ope.md,
 * "Validation on MuJoCo": hopper's diffusion ρ 0.50 → 0.80, walker2d's ensemble 0.69 → 0.78).
 *
 * Units: world models saved by `adept wm train` (and those trained here) model the data as
 * loaded, so the policy acts in the data's units and the model's rewards are the data's.
 * A rollout ends at the task's termination rule where the task is known (a task known never
 * to terminate, such as halfcheetah, runs every rollout to the horizon), else where the
 * terminal model's P(done) says (sampled), else at the horizon.
 *
 * Support: the fraction of data states where the model is more uncertain about the policy's
 * action than about 95 % of the data's own actions — uncertainty being the spread of s′ over
 * repeated model samples, per dimension in units of the data's observation std.
 */

import type { WorldModel } from "../diffusion/types.js";
import type { MeanStd } from "../envs/evaluate.js";
import type { BatchPolicy } from "../envs/policy.js";
import { findTask } from "../envs/registry.js";
import { MAX_EPISODE_STEPS, type TerminationRule } from "../envs/task.js";
import { Rng } from "../util/rng.js";
import type { OpeData } from "./data.js";

export interface ModelOpeOptions {
  /** Rollouts run together (start states drawn from the initial states, with replacement). */
  rollouts: number;
  /** Steps per rollout (default: {@link rolloutHorizon}). */
  horizon?: number;
  discount: number;
  /**
   * The task's termination, as `terminationRuleOf` gives it: `{ rule }` ends a rollout where
   * the rule holds, `{ rule: null }` never (the task does not terminate); undefined: the task
   * gives none, so the terminal model's P(done) decides (sampled).
   */
  termination: { rule: TerminationRule | null } | undefined;
  seed: number;
}

export interface ModelOpeResult {
  /** The world model's kind ("diffusion", "gaussian-ensemble"). */
  model: string;
  rollouts: number;
  horizon: number;
  discount: number;
  /** Undiscounted and discounted returns over rollouts (mean, population std). */
  return: MeanStd;
  discountedReturn: MeanStd;
  /** Mean steps before a terminal or the horizon. */
  meanLength: number;
  /** Fraction of rollouts that ended in a terminal state. */
  terminalFraction: number;
}

/** Rolls `policy` out in `model` (see the module comment). */
export function modelRollouts(data: OpeData, model: WorldModel, policy: BatchPolicy, o: ModelOpeOptions): ModelOpeResult {
  const { S, A, dataset } = data;
  const n = o.rollouts;
  const horizon = o.horizon ?? rolloutHorizon(data);
  const rng = new Rng(o.seed);
  const state = new Float32Array(n * S);
  for (let i = 0; i < n; i++) {
    const row = data.initialRows[rng.int(data.initialRows.length)]!;
    state.set(dataset.observations.subarray(row * S, (row + 1) * S), i * S);
  }
  const returns = new Float64Array(n),
    discounted = new Float64Array(n),
    lengths = new Float64Array(n);
  const slot = Int32Array.from({ length: n }, (_, i) => i); // rollout of each active row
  let active = n,
    terminals = 0,
    weight = 1;
  const actions = new Float32Array(n * A);
  for (let t = 0; t < horizon && active > 0; t++) {
    actions.set(policy(state.subarray(0, active * S), active).subarray(0, active * A));
    const next = model.step(state.subarray(0, active * S), actions.subarray(0, active * A), active, rng);
    let kept = 0;
    for (let i = 0; i < active; i++) {
      const k = slot[i]!;
      const r = next.rewards[i]!;
      returns[k]! += r;
      discounted[k]! += weight * r;
      lengths[k]!++;
      const done = o.termination
        ? (o.termination.rule?.(next.nextObservations, i, S) ?? false)
        : rng.uniform() < next.doneProbabilities[i]!;
      if (done) {
        terminals++;
        continue;
      }
      state.set(next.nextObservations.subarray(i * S, (i + 1) * S), kept * S);
      slot[kept++] = k;
    }
    active = kept;
    weight *= o.discount;
  }
  return {
    model: model.kind,
    rollouts: n,
    horizon,
    discount: o.discount,
    return: meanStdOf(returns),
    discountedReturn: meanStdOf(discounted),
    meanLength: meanStdOf(lengths).mean,
    terminalFraction: terminals / n,
  };
}

/** The default steps per rollout: the data's task's time limit where the task is known, else the data's mean episode length. */
export function rolloutHorizon(data: OpeData): number {
  const task = data.dataset.task === undefined ? undefined : findTask(data.dataset.task);
  if (task) return task.maxEpisodeSteps ?? MAX_EPISODE_STEPS;
  return Math.max(1, Math.round(data.meanEpisodeLength));
}

/**
 * The fraction of (up to `states`) data states where the model's uncertainty about
 * (s, π(s)) exceeds the 95th percentile of its uncertainty about the data's (s, a).
 */
export function outOfSupportFraction(
  data: OpeData,
  model: WorldModel,
  policy: BatchPolicy,
  options: { states?: number; samples?: number; seed: number },
): number {
  const { S, A, dataset } = data;
  const rng = new Rng(options.seed);
  const n = Math.min(options.states ?? 1000, dataset.size);
  const M = options.samples ?? 5;
  const s = new Float32Array(n * S),
    aData = new Float32Array(n * A);
  for (let i = 0; i < n; i++) {
    const row = rng.int(dataset.size);
    s.set(dataset.observations.subarray(row * S, (row + 1) * S), i * S);
    aData.set(dataset.actions.subarray(row * A, (row + 1) * A), i * A);
  }
  const aPolicy = Float32Array.from(policy(s, n).subarray(0, n * A));
  const std = data.normalizer.stats.std;
  const uncertainty = (a: Float32Array): Float64Array => {
    const sum = new Float64Array(n * S),
      sq = new Float64Array(n * S);
    for (let m = 0; m < M; m++) {
      const next = model.step(s, a, n, rng).nextObservations;
      for (let j = 0; j < n * S; j++) {
        sum[j]! += next[j]!;
        sq[j]! += next[j]! * next[j]!;
      }
    }
    const u = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let d = 0; d < S; d++) {
        const j = i * S + d;
        const variance = Math.max(sq[j]! / M - (sum[j]! / M) ** 2, 0);
        total += Math.sqrt(variance) / std[d]!;
      }
      u[i] = total / S;
    }
    return u;
  };
  const reference = uncertainty(aData).sort();
  const threshold = reference[Math.min(n - 1, Math.floor(0.95 * n))]!;
  const u = uncertainty(aPolicy);
  let outside = 0;
  for (let i = 0; i < n; i++) if (u[i]! > threshold) outside++;
  return outside / n;
}

function meanStdOf(values: Float64Array): MeanStd {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length) };
}
