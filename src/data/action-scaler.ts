/**
 * Action scaling: our policies act in [−1, 1] (a tanh or a clamp at their output). A dataset
 * whose actions lie outside that box gets a per-dimension min–max scaler fitted on its
 * actions (as d3rlpy's MinMaxActionScaler): training sees a' = 2 (a − min) / (max − min) − 1,
 * and every policy maps its actions back with the inverse before they leave adept (eval,
 * OPE, export), so users only ever see actions in the data's own units.
 *
 * Actions already inside [−1, 1] get no scaler at all, so training on them is bit-identical
 * to training without this module.
 */
import type { Dataset } from "./dataset.js";
import { DataError } from "./errors.js";

/** A fitted min–max scaler: data units [low, high] ↔ [−1, 1], per action dimension. */
export interface ActionScaler {
  kind: "min-max";
  low: number[];
  high: number[];
}

/**
 * The scaler `dataset`'s actions need: `null` when every action is in [−1, 1]. Throws a
 * {@link DataError} naming the column for a NaN/infinite action, and for a constant column
 * when a scaler is needed (its range is empty, so min–max is undefined).
 */
export function fitActionScaler(dataset: Pick<Dataset, "actions" | "actionDim" | "size" | "source">): ActionScaler | null {
  const { actions, actionDim: A } = dataset;
  const low = new Array<number>(A).fill(Number.POSITIVE_INFINITY);
  const high = new Array<number>(A).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < actions.length; i++) {
    const v = actions[i]!;
    const j = i % A;
    if (!Number.isFinite(v)) {
      throw new DataError(
        { file: dataset.source.file, key: "actions" },
        `action column ${j} of row ${Math.floor(i / A)} is ${v}: actions must be finite numbers`,
      );
    }
    if (v < low[j]!) low[j] = v;
    if (v > high[j]!) high[j] = v;
  }
  if (low.every((l) => l >= -1) && high.every((h) => h <= 1)) return null;
  for (let j = 0; j < A; j++) {
    if (!(high[j]! > low[j]!)) {
      throw new DataError(
        { file: dataset.source.file, key: "actions" },
        `action column ${j} is constant (${low[j]}) while other actions lie outside [−1, 1]: the min–max action scaler needs a range; drop the column or rescale the actions to [−1, 1] yourself`,
      );
    }
  }
  return { kind: "min-max", low, high };
}

/** a ← 2 (a − low) / (high − low) − 1, in place on rows of `low.length` actions. */
export function scaleActions(scaler: ActionScaler, actions: Float32Array): Float32Array {
  const { low, high } = scaler;
  const A = low.length;
  for (let i = 0; i < actions.length; i++) {
    const j = i % A;
    actions[i] = (2 * (actions[i]! - low[j]!)) / (high[j]! - low[j]!) - 1;
  }
  return actions;
}

/** a ← low + (a + 1) (high − low) / 2, in place: a policy's [−1, 1] actions in data units. */
export function unscaleActions(scaler: ActionScaler, actions: Float32Array): Float32Array {
  const { low, high } = scaler;
  const A = low.length;
  for (let i = 0; i < actions.length; i++) {
    const j = i % A;
    actions[i] = low[j]! + ((actions[i]! + 1) * (high[j]! - low[j]!)) / 2;
  }
  return actions;
}

/**
 * log |det ∂a'/∂a| of the scaling: log-densities of data-unit actions (D4RL's logged
 * `action_log_probs`) become log-densities of scaled actions by subtracting it.
 */
export function scalerLogJacobian(scaler: ActionScaler): number {
  let sum = 0;
  for (let j = 0; j < scaler.low.length; j++) sum += Math.log(2 / (scaler.high[j]! - scaler.low[j]!));
  return sum;
}

/**
 * `dataset` with its actions in [−1, 1]: the same object when no scaler is needed, else a
 * shallow copy with scaled actions (and logged log-probs moved by the Jacobian).
 */
export function withScaledActions<D extends Dataset>(dataset: D): { dataset: D; scaler: ActionScaler | null } {
  const scaler = fitActionScaler(dataset);
  if (!scaler) return { dataset, scaler };
  const actions = scaleActions(scaler, dataset.actions.slice());
  let actionLogProbs = dataset.actionLogProbs;
  if (actionLogProbs) {
    // p'(a') = p(a) / |det ∂a'/∂a|, so log p' = log p − log|det|.
    const shift = scalerLogJacobian(scaler);
    actionLogProbs = actionLogProbs.map((l) => l - shift);
  }
  return { dataset: { ...dataset, actions, ...(actionLogProbs ? { actionLogProbs } : {}) }, scaler };
}

/** Validates a scaler read from a file (`source` names it in errors). */
export function checkActionScaler(value: unknown, source: string): ActionScaler {
  const s = value as ActionScaler;
  const ok =
    s?.kind === "min-max" &&
    Array.isArray(s.low) &&
    Array.isArray(s.high) &&
    s.low.length === s.high.length &&
    s.low.every((l, j) => Number.isFinite(l) && Number.isFinite(s.high[j]) && s.high[j]! > l);
  if (!ok) throw new DataError({ file: source, key: "actionScaler" }, "expected a min-max scaler with finite low < high per dimension");
  return s;
}
