/**
 * Offline policy evaluation: how good is a policy, from logged data alone?
 *
 *   fqe      fitted Q evaluation with a bootstrap confidence interval (fqe.ts)
 *   model    rollouts in the diffusion world model and/or the Gaussian ensemble (model.ts)
 *
 * plus the cheap diagnostics: the policy's action distance to the data's actions, FQE's
 * value and held-out TD error, and the fraction of states where the policy leaves the
 * data's support by the world model's uncertainty. `adept ope` and training-time OPE
 * (`--ope-every`) both call {@link evaluateOffline}. rank.ts scores an estimator against the
 * truth over many policies (Spearman ρ, regret@1).
 */
import type { Dataset } from "../data/dataset.js";
import type { WorldModel } from "../diffusion/types.js";
import type { BatchPolicy } from "../envs/policy.js";
import { terminationRuleOf } from "../envs/registry.js";
import { Rng } from "../util/rng.js";
import { type OpeData, policyActions, prepareOpeData } from "./data.js";
import { FQE_CONFIG, type FqeConfig, type FqeResult, fqe } from "./fqe.js";
import { type ModelOpeResult, modelRollouts, outOfSupportFraction } from "./model.js";

export { type OpeData, policyActions, prepareOpeData } from "./data.js";
export { FQE_CONFIG, type FqeConfig, type FqeResult, fqe } from "./fqe.js";
export { type ModelOpeResult, modelRollouts, outOfSupportFraction, rolloutHorizon } from "./model.js";
export { ranks, regretAt1, spearman } from "./rank.js";

export interface OpeOptions {
  /** Run FQE. */
  fqe: boolean;
  /** World models to roll the policy out in (already trained or loaded). */
  worldModels: WorldModel[];
  fqeConfig?: Partial<FqeConfig>;
  /** Model rollouts and their horizon (default: the task's time limit, else the data's mean episode length; `rolloutHorizon`). */
  rollouts?: number;
  horizon?: number;
  seed?: number;
  onProgress?: (what: string, done: number, total: number) => void;
}

export interface OpeReport {
  episodes: number;
  transitions: number;
  discount: number;
  fqe?: FqeResult;
  models: ModelOpeResult[];
  diagnostics: {
    /** RMSE between the policy's and the data's actions on data states, in [−1, 1] units (the data's scaler). */
    actionRmse: number;
    /** FQE's mean Q(s, π(s)) over data states and its TD error on held-out episodes (when FQE ran). */
    fqeValue?: number;
    heldOutTdRmse?: number;
    /** Fraction of data states where π leaves the data's support, by each world model's uncertainty. */
    outOfSupport: Record<string, number>;
  };
}

/** Evaluates `policy` (acting in the data's units) on `dataset` with the chosen methods. */
export function evaluateOffline(dataset: Dataset | OpeData, policy: BatchPolicy, options: OpeOptions): OpeReport {
  const data = "normalizer" in dataset ? dataset : prepareOpeData(dataset, 0.1, options.seed ?? 0);
  const seed = options.seed ?? 0;
  const discount = options.fqeConfig?.discount ?? FQE_CONFIG.discount.default;
  const report: OpeReport = {
    episodes: data.initialRows.length,
    transitions: data.dataset.size,
    discount,
    models: [],
    diagnostics: { actionRmse: actionRmse(data, policy, seed), outOfSupport: {} },
  };
  if (options.fqe) {
    const result = fqe(data, policy, options.fqeConfig, seed, (t, total) => options.onProgress?.("fqe", t, total));
    report.fqe = result;
    report.diagnostics.fqeValue = result.value;
    report.diagnostics.heldOutTdRmse = result.heldOutTdRmse;
  }
  const task = data.dataset.task;
  // The task's rule on observations where it has one (halfcheetah: none, it never terminates);
  // undefined for an unknown task: the terminal model decides.
  const termination = task ? terminationRuleOf(task) : undefined;
  for (const model of options.worldModels) {
    options.onProgress?.(model.kind, 0, 1);
    report.models.push(
      modelRollouts(data, model, policy, { rollouts: options.rollouts ?? 100, horizon: options.horizon, discount, termination, seed }),
    );
    report.diagnostics.outOfSupport[model.kind] = outOfSupportFraction(data, model, policy, { seed });
    options.onProgress?.(model.kind, 1, 1);
  }
  return report;
}

/** RMSE of π(s) − a over (up to 10 000) data rows, in the [−1, 1] units of the data's scaler. */
export function actionRmse(data: OpeData, policy: BatchPolicy, seed: number): number {
  const rng = new Rng(seed).fork("action rmse rows");
  const N = data.dataset.size;
  const rows = N <= 10_000 ? Int32Array.from({ length: N }, (_, i) => i) : Int32Array.from({ length: 10_000 }, () => rng.int(N));
  const pi = policyActions(data, policy, rows, "observations");
  const A = data.A;
  let sq = 0;
  for (let i = 0; i < rows.length; i++) for (let j = 0; j < A; j++) sq += (pi[i * A + j]! - data.actions[rows[i]! * A + j]!) ** 2;
  return Math.sqrt(sq / (rows.length * A));
}
