/**
 * Acting on raw observations: agents are trained on z-scored observations (and, where the
 * data's actions lie outside [−1, 1], on min–max scaled actions), so the policy handed to an
 * evaluator (or to a user) normalizes with the training statistics first and returns actions
 * in the data's units.
 */
import { unscaleActions } from "../data/action-scaler.js";
import { type DatasetStats, Normalizer } from "../data/normalizer.js";
import type { BatchPolicy } from "../envs/policy.js";
import type { Agent } from "./agent.js";

/** A batch policy that z-scores raw observations with `stats` and asks `agent` for actions. */
export function agentPolicy(agent: Agent, stats: DatasetStats, deterministic = true): BatchPolicy {
  const normalizer = new Normalizer(stats.observations);
  const S = agent.observationDim;
  const scaler = stats.actionScaler;
  let scratch = new Float32Array(0);
  let actionsOut = new Float32Array(0);
  return (observations, n) => {
    if (scratch.length < n * S) scratch = new Float32Array(n * S);
    const x = scratch.subarray(0, n * S);
    x.set(observations.subarray(0, n * S));
    normalizer.normalize(x);
    const actions = agent.act(x, n, deterministic);
    if (!scaler) return actions;
    const A = agent.actionDim;
    if (actionsOut.length < n * A) actionsOut = new Float32Array(n * A);
    const out = actionsOut.subarray(0, n * A);
    out.set(actions.subarray(0, n * A));
    return unscaleActions(scaler, out);
  };
}
