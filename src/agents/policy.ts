/**
 * Acting on raw observations: agents are trained on z-scored observations, so the policy
 * handed to an evaluator (or to a user) normalizes with the training statistics first.
 */
import { type DatasetStats, Normalizer } from "../data/normalizer.js";
import type { BatchPolicy } from "../envs/policy.js";
import type { Agent } from "./agent.js";

/** A batch policy that z-scores raw observations with `stats` and asks `agent` for actions. */
export function agentPolicy(agent: Agent, stats: DatasetStats, deterministic = true): BatchPolicy {
  const normalizer = new Normalizer(stats.observations);
  const S = agent.observationDim;
  let scratch = new Float32Array(0);
  return (observations, n) => {
    if (scratch.length < n * S) scratch = new Float32Array(n * S);
    const x = scratch.subarray(0, n * S);
    x.set(observations.subarray(0, n * S));
    normalizer.normalize(x);
    return agent.act(x, n, deterministic);
  };
}
