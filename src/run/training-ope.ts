/**
 * Offline evaluation during training, for tasks with no simulator (`--ope-every n`): every n
 * updates, FQE of the current policy on the training data (src/ope/), logged as `ope/*`
 * metrics and kept as the run's last estimate in summary.json — what `adept report` shows
 * for such runs in place of simulator scores.
 */
import type { Agent, Metrics } from "../agents/agent.js";
import { agentPolicy } from "../agents/policy.js";
import type { Dataset } from "../data/dataset.js";
import type { DatasetStats } from "../data/normalizer.js";
import { evaluateOffline, type OpeData, prepareOpeData } from "../ope/index.js";

/** The last training-time estimate (summary.json `ope`). */
export interface TrainingOpe {
  step: number;
  fqe: number;
  low: number;
  high: number;
  actionRmse: number;
}

/**
 * A function that runs FQE (with `fqeSteps` critic steps) for the agent's current policy.
 * `dataset` is the training data as the agent sees it (actions already in [−1, 1]), so the
 * policy is asked in the same units: the stats without their action scaler.
 */
export function trainingOpe(dataset: Dataset, stats: DatasetStats, agent: Agent, fqeSteps: number, seed: number) {
  let data: OpeData | null = null;
  const { actionScaler: _unused, ...agentUnits } = stats;
  return (): { metrics: Metrics; summary: TrainingOpe } => {
    data ??= prepareOpeData(dataset, 0.1, seed);
    const report = evaluateOffline(data, agentPolicy(agent, agentUnits), {
      fqe: true,
      worldModels: [],
      fqeConfig: { fqeSteps, fqeCritics: 1 },
      seed: seed + agent.updates,
    });
    const f = report.fqe!;
    return {
      metrics: {
        "ope/fqe": f.estimate,
        "ope/fqe_low": f.low,
        "ope/fqe_high": f.high,
        "ope/td_rmse": f.heldOutTdRmse,
        "ope/action_rmse": report.diagnostics.actionRmse,
      },
      summary: { step: agent.updates, fqe: f.estimate, low: f.low, high: f.high, actionRmse: report.diagnostics.actionRmse },
    };
  };
}
