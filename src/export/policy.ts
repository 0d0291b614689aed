/**
 * A trained agent's deterministic policy as plain arrays, the common source of every export
 * format: the observation z-scoring of training, the actor MLP (its Linear layers, ReLU
 * between them), the tanh squashing of its mean, and the affine map of [-1, 1] back onto
 * the data's action units (the min–max action scaler in the statistics, when training had
 * one: src/data/action-scaler.ts). Exported policies compute what `agentPolicy(agent, stats)`
 * computes, in float32.
 */
import type { Agent } from "../agents/agent.js";
import type { DatasetStats } from "../data/normalizer.js";
import type { MLP } from "../nn/layers.js";
import { Activation, activationName } from "../tensor/kernels.js";
import { UserError } from "../util/errors.js";

/** One dense layer: y = x·W + b, W row-major [inDim, outDim]. */
export interface DenseLayer {
  inDim: number;
  outDim: number;
  weight: Float32Array;
  bias: Float32Array;
}

export interface PolicySpec {
  algo: string;
  observationDim: number;
  actionDim: number;
  /** z-scoring: (s − mean) / std, with std including the training epsilon. */
  observationMean: Float32Array;
  observationStd: Float32Array;
  /** The actor's layers; ReLU after every one but the last. */
  layers: DenseLayer[];
  /** The action is tanh of the last layer's first `actionDim` columns (a Gaussian head also outputs log σ after them). */
  actionLow: Float32Array;
  actionHigh: Float32Array;
}

/** The MLP whose output (first actionDim columns) the agent squashes with tanh when acting deterministically. */
function actorNet(agent: Agent): MLP {
  const actor = (agent as unknown as { actor?: { net?: MLP } }).actor;
  const net = actor?.net;
  if (!net || !Array.isArray(net.layers)) throw new UserError(`${agent.algo}: this agent has no actor network to export`);
  if (net.norms.length > 0) throw new UserError(`${agent.algo}: actors with layer normalization cannot be exported yet`);
  if (net.act !== Activation.Relu)
    throw new UserError(`${agent.algo}: only ReLU actors can be exported (hidden activation ${activationName(net.act)})`);
  // A Gaussian/deterministic head applies tanh itself; a tanh-Gaussian head outputs [μ, log σ] and tanh(μ) is its mode.
  const ownTanh = net.outAct === Activation.Tanh;
  if (!(ownTanh && net.outDim === agent.actionDim) && !(net.outAct === Activation.Identity && net.outDim === 2 * agent.actionDim))
    throw new UserError(`${agent.algo}: unknown actor head (${net.outDim} outputs, activation ${activationName(net.outAct)})`);
  return net;
}

/** The policy of `agent` acting on raw observations normalized with `stats`, its actions in the data's units. */
export function policySpec(agent: Agent, stats: DatasetStats): PolicySpec {
  const net = actorNet(agent);
  const A = agent.actionDim;
  const scaler = stats.actionScaler;
  const low = Float32Array.from(scaler?.low ?? Array(A).fill(-1));
  const high = Float32Array.from(scaler?.high ?? Array(A).fill(1));
  if (low.length !== A || high.length !== A)
    throw new UserError(`the action scaler has ${low.length}/${high.length} bounds, the agent acts in ${A}`);
  return {
    algo: agent.algo,
    observationDim: agent.observationDim,
    actionDim: A,
    observationMean: Float32Array.from(stats.observations.mean),
    observationStd: Float32Array.from(stats.observations.std),
    layers: net.layers.map((l) => ({
      inDim: l.inDim,
      outDim: l.outDim,
      weight: Float32Array.from(l.weight.data.subarray(0, l.inDim * l.outDim)),
      bias: l.bias ? Float32Array.from(l.bias.data.subarray(0, l.outDim)) : new Float32Array(l.outDim),
    })),
    actionLow: low,
    actionHigh: high,
  };
}
