/**
 * How good is a world model? Three measurements, each for any {@link WorldModel}:
 *
 * 1. `oneStepErrors`: on held-out dataset rows, the model's s′, r and done against the logged ones.
 * 2. `physicsOneStep`: the simulator reset to the logged (qpos, qvel) and stepped with the
 *    logged action is the ground truth; the model's s′ and r are compared with it (and the
 *    logged s′ with it too, as a check that dataset and simulator agree).
 * 3. `physicsRollouts`: H-step rollouts from dataset states under a policy's actions. The
 *    policy acts on the model's states (as in ADEPT's model rollouts), and the same action
 *    sequence is replayed in the simulator from the same start; the error is reported per step
 *    over the rollouts whose simulator episode is still alive.
 *
 * Errors of states are normalized per dimension: nMSE_j = E[(ŝ′_j − s′_j)²] / Var(s′_j), the
 * variance over the whole dataset's s′, so 1 is the error of predicting the dataset mean and
 * the numbers are comparable across dimensions, measurements and models.
 */
import type { Dataset } from "../data/dataset.js";
import { featureStats } from "../data/normalizer.js";
import { gatherRowsOf } from "../data/rows.js";
import type { BatchPolicy } from "../envs/policy.js";
import type { Env } from "../envs/types.js";
import type { Rng } from "../util/rng.js";
import type { WorldModel } from "./types.js";

/** Errors of predicted states against true ones. */
export interface StateError {
  /** Mean squared error over all dimensions, raw units. */
  mse: number;
  /** Mean over dimensions of nMSE_j (see the module comment). */
  nmse: number;
  nmsePerDim: number[];
}

/** Errors of predicted rewards. */
export interface RewardError {
  mse: number;
  mae: number;
  /** Mean of r̂ − r. */
  bias: number;
}

/** Terminal prediction quality (precision/recall are NaN when undefined: no predicted/actual positives). */
export interface TerminalScores {
  precision: number;
  recall: number;
  /** True terminals among the rows. */
  positives: number;
  /** Predicted terminals among the rows. */
  predicted: number;
}

/** One-step errors on dataset rows. */
export interface OneStepReport {
  rows: number;
  nextState: StateError;
  reward: RewardError;
  terminal: TerminalScores;
  /** The trivial model s′ = s, for scale. */
  copyBaseline: { nmse: number };
}

/** Per-dimension Var(s′) over the dataset (the denominator of nMSE). */
export function stateVariance(dataset: Dataset): Float64Array {
  const { std } = featureStats(dataset.nextObservations, dataset.observationDim, 0);
  return Float64Array.from(std, (s) => Math.max(s * s, 1e-12));
}

/** Errors of `predicted` against `actual`, both [n, S] raw. */
export function stateError(predicted: ArrayLike<number>, actual: ArrayLike<number>, variance: Float64Array): StateError {
  const S = variance.length;
  const n = actual.length / S;
  const sq = new Float64Array(S);
  for (let i = 0; i < n; i++) for (let j = 0; j < S; j++) sq[j]! += (predicted[i * S + j]! - actual[i * S + j]!) ** 2;
  const nmsePerDim = Array.from(sq, (v, j) => v / Math.max(n, 1) / variance[j]!);
  return {
    mse: sq.reduce((a, b) => a + b, 0) / Math.max(n * S, 1),
    nmse: nmsePerDim.reduce((a, b) => a + b, 0) / S,
    nmsePerDim,
  };
}

/** Errors of predicted rewards [n] against actual ones. */
export function rewardError(predicted: ArrayLike<number>, actual: ArrayLike<number>): RewardError {
  const n = actual.length;
  let se = 0,
    ae = 0,
    bias = 0;
  for (let i = 0; i < n; i++) {
    const d = predicted[i]! - actual[i]!;
    se += d * d;
    ae += Math.abs(d);
    bias += d;
  }
  return { mse: se / Math.max(n, 1), mae: ae / Math.max(n, 1), bias: bias / Math.max(n, 1) };
}

/** Precision and recall of predicted 0/1 flags against actual ones. */
export function terminalScores(predicted: ArrayLike<number>, actual: ArrayLike<number>): TerminalScores {
  let tp = 0,
    fp = 0,
    fn = 0;
  for (let i = 0; i < actual.length; i++) {
    const p = predicted[i]! > 0.5,
      a = actual[i]! > 0.5;
    if (p && a) tp++;
    else if (p) fp++;
    else if (a) fn++;
  }
  return {
    precision: tp + fp > 0 ? tp / (tp + fp) : Number.NaN,
    recall: tp + fn > 0 ? tp / (tp + fn) : Number.NaN,
    positives: tp + fn,
    predicted: tp + fp,
  };
}

/** One-step errors of `model` on `rows` of `dataset` (rows with an unknown s′ must be excluded by the caller). */
export function oneStepErrors(
  model: WorldModel,
  dataset: Dataset,
  rows: ArrayLike<number>,
  rng: Rng,
  variance = stateVariance(dataset),
): OneStepReport {
  const S = dataset.observationDim;
  const s = gatherRowsOf(dataset.observations, S, rows);
  const s2 = gatherRowsOf(dataset.nextObservations, S, rows);
  const step = model.step(s, gatherRowsOf(dataset.actions, dataset.actionDim, rows), rows.length, rng);
  return {
    rows: rows.length,
    nextState: stateError(step.nextObservations, s2, variance),
    reward: rewardError(step.rewards, gatherRowsOf(dataset.rewards, 1, rows)),
    terminal: terminalScores(
      step.terminals,
      Array.from(rows, (i) => dataset.terminals[i]!),
    ),
    copyBaseline: { nmse: stateError(s, s2, variance).nmse },
  };
}

/** The model against the simulator on logged (s, a) pairs, and the logged s′ against the simulator. */
export interface PhysicsOneStepReport extends OneStepReport {
  /** Logged data vs simulator (should be ~0: the dataset and our physics agree). */
  datasetVsSimulator: { observationMaxAbs: number; nextState: StateError; rewardMaxAbs: number };
}

/** Resets `env` to row i's logged (qpos, qvel) and returns the observation it implies. */
function resetToRow(env: Env, dataset: Dataset, i: number): Float32Array {
  const P = dataset.qposDim!,
    V = dataset.qvelDim!;
  env.reset(); // starts an episode, so that step() is allowed
  return env.setState({ qpos: dataset.qpos!.subarray(i * P, (i + 1) * P), qvel: dataset.qvel!.subarray(i * V, (i + 1) * V) });
}

function requirePhysics(dataset: Dataset): void {
  if (!dataset.qpos || !dataset.qvel || dataset.qposDim === undefined || dataset.qvelDim === undefined)
    throw new Error("physics evaluation needs the logged simulator states (infos/qpos and infos/qvel) in the dataset");
}

/**
 * For each row: simulator ← logged (qpos, qvel), step with the logged action → the true
 * (s′, r, done); the model predicts from the logged (s, a). `env` must be the dataset's task.
 */
export function physicsOneStep(
  model: WorldModel,
  dataset: Dataset,
  rows: ArrayLike<number>,
  env: Env,
  rng: Rng,
  variance = stateVariance(dataset),
): PhysicsOneStepReport {
  requirePhysics(dataset);
  const S = dataset.observationDim,
    A = dataset.actionDim,
    n = rows.length;
  const simNext = new Float32Array(n * S);
  const simReward = new Float32Array(n);
  const simDone = new Uint8Array(n);
  let observationMaxAbs = 0;
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    const obs = resetToRow(env, dataset, i);
    for (let j = 0; j < S; j++) observationMaxAbs = Math.max(observationMaxAbs, Math.abs(obs[j]! - dataset.observations[i * S + j]!));
    const result = env.step(dataset.actions.subarray(i * A, (i + 1) * A));
    simNext.set(result.observation, r * S);
    simReward[r] = result.reward;
    simDone[r] = result.terminated ? 1 : 0;
  }
  const s = gatherRowsOf(dataset.observations, S, rows);
  const step = model.step(s, gatherRowsOf(dataset.actions, A, rows), n, rng);
  const loggedReward = gatherRowsOf(dataset.rewards, 1, rows);
  let rewardMaxAbs = 0;
  for (let r = 0; r < n; r++) rewardMaxAbs = Math.max(rewardMaxAbs, Math.abs(loggedReward[r]! - simReward[r]!));
  return {
    rows: n,
    nextState: stateError(step.nextObservations, simNext, variance),
    reward: rewardError(step.rewards, simReward),
    terminal: terminalScores(step.terminals, simDone),
    copyBaseline: { nmse: stateError(s, simNext, variance).nmse },
    datasetVsSimulator: {
      observationMaxAbs,
      nextState: stateError(gatherRowsOf(dataset.nextObservations, S, rows), simNext, variance),
      rewardMaxAbs,
    },
  };
}

/** The error after t + 1 steps of model rollouts against the simulator. */
export interface RolloutStepError {
  /** 1-based: the state after this many steps. */
  step: number;
  /** Rollouts whose simulator episode has not terminated before this step (the ones measured). */
  alive: number;
  nmse: number;
  rewardMae: number;
  /** Fraction of the measured rollouts where the model's done flag disagrees with the simulator's. */
  terminalDisagreement: number;
}

/** H-step rollout errors, per step. */
export interface RolloutReport {
  horizon: number;
  starts: number;
  perStep: RolloutStepError[];
}

/**
 * From the logged states of `starts`: the model rolls out H steps as one batch with
 * a_t = policy(ŝ_t); the simulator replays the same actions from the same (qpos, qvel).
 */
export function physicsRollouts(
  model: WorldModel,
  dataset: Dataset,
  starts: ArrayLike<number>,
  env: Env,
  policy: BatchPolicy,
  options: { horizon?: number; rng: Rng; variance?: Float64Array },
): RolloutReport {
  requirePhysics(dataset);
  const H = options.horizon ?? 10;
  const variance = options.variance ?? stateVariance(dataset);
  const S = dataset.observationDim,
    A = dataset.actionDim,
    n = starts.length;
  // 1. Model rollouts, one batch: ŝ_{t+1} ~ model(ŝ_t, a_t), a_t = π(ŝ_t).
  const modelStates: Float32Array[] = []; // H of [n, S]
  const modelRewards: Float32Array[] = [];
  const modelDone: Uint8Array[] = [];
  const actions: Float32Array[] = [];
  let state = gatherRowsOf(dataset.observations, S, starts);
  for (let t = 0; t < H; t++) {
    const a = policy(state, n).slice(0, n * A); // the policy may reuse its buffer
    const step = model.step(state, a, n, options.rng);
    actions.push(a);
    modelStates.push(step.nextObservations);
    modelRewards.push(step.rewards);
    modelDone.push(step.terminals);
    state = step.nextObservations;
  }
  // 2. The simulator replays each rollout's actions.
  const simStates = Array.from({ length: H }, () => new Float32Array(n * S));
  const simRewards = Array.from({ length: H }, () => new Float32Array(n));
  const simDone = Array.from({ length: H }, () => new Uint8Array(n));
  const aliveBefore = Array.from({ length: H }, () => new Uint8Array(n)); // 1: measured at step t
  for (let r = 0; r < n; r++) {
    resetToRow(env, dataset, starts[r]!);
    for (let t = 0; t < H; t++) {
      aliveBefore[t]![r] = 1;
      const result = env.step(actions[t]!.subarray(r * A, (r + 1) * A));
      simStates[t]!.set(result.observation, r * S);
      simRewards[t]![r] = result.reward;
      simDone[t]![r] = result.terminated ? 1 : 0;
      if (result.terminated || result.truncated) break;
    }
  }
  // 3. Errors per step over the live rollouts.
  const perStep: RolloutStepError[] = [];
  for (let t = 0; t < H; t++) {
    const live: number[] = [];
    for (let r = 0; r < n; r++) if (aliveBefore[t]![r] === 1) live.push(r);
    const pick = (data: Float32Array | Uint8Array, width: number): Float32Array => {
      const out = new Float32Array(live.length * width);
      live.forEach((r, k) => {
        for (let j = 0; j < width; j++) out[k * width + j] = data[r * width + j]!;
      });
      return out;
    };
    const doneModel = pick(modelDone[t]!, 1),
      doneSim = pick(simDone[t]!, 1);
    let disagree = 0;
    for (let k = 0; k < live.length; k++) if (doneModel[k] !== doneSim[k]) disagree++;
    perStep.push({
      step: t + 1,
      alive: live.length,
      nmse: live.length ? stateError(pick(modelStates[t]!, S), pick(simStates[t]!, S), variance).nmse : Number.NaN,
      rewardMae: live.length ? rewardError(pick(modelRewards[t]!, 1), pick(simRewards[t]!, 1)).mae : Number.NaN,
      terminalDisagreement: live.length ? disagree / live.length : Number.NaN,
    });
  }
  return { horizon: H, starts: n, perStep };
}
