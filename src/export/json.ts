/**
 * A policy as dependency-free JSON (weights as plain arrays) and the tiny plain-JS forward
 * that runs it ({@link POLICY_FORWARD_SOURCE}, written beside it as `<name>.mjs`): for web
 * pages and edge runtimes without adept, ONNX or a native addon.
 */
import type { PolicySpec } from "./policy.js";

export const POLICY_JSON_FORMAT = "adept-policy";
export const POLICY_JSON_VERSION = 1;

/** The JSON document of a policy. */
export function policyToJson(spec: PolicySpec): Record<string, unknown> {
  return {
    format: POLICY_JSON_FORMAT,
    version: POLICY_JSON_VERSION,
    algo: spec.algo,
    observationDim: spec.observationDim,
    actionDim: spec.actionDim,
    observationMean: Array.from(spec.observationMean),
    observationStd: Array.from(spec.observationStd),
    layers: spec.layers.map((l) => ({ inDim: l.inDim, outDim: l.outDim, weight: Array.from(l.weight), bias: Array.from(l.bias) })),
    actionLow: Array.from(spec.actionLow),
    actionHigh: Array.from(spec.actionHigh),
  };
}

/**
 * The forward pass, as an ES module of plain JavaScript with no imports:
 * `act(policy, observations, n)` → Float32Array [n, A], computed in float32 as adept does.
 */
export const POLICY_FORWARD_SOURCE = `// adept-rl policy forward (format "${POLICY_JSON_FORMAT}" v${POLICY_JSON_VERSION}): no dependencies.
// const policy = JSON.parse(text); const actions = act(policy, observations, n); // [n, A], row-major
export function act(policy, observations, n) {
  const f = Math.fround;
  const S = policy.observationDim, A = policy.actionDim;
  let h = new Float32Array(n * S);
  for (let i = 0; i < n * S; i++) h[i] = f(f(observations[i] - policy.observationMean[i % S]) / policy.observationStd[i % S]);
  const layers = policy.layers;
  for (let l = 0; l < layers.length; l++) {
    const { inDim, outDim, weight, bias } = layers[l];
    const out = new Float32Array(n * outDim);
    for (let r = 0; r < n; r++)
      for (let o = 0; o < outDim; o++) {
        let sum = 0;
        for (let k = 0; k < inDim; k++) sum += h[r * inDim + k] * weight[k * outDim + o];
        const y = f(sum + bias[o]);
        out[r * outDim + o] = l < layers.length - 1 && y < 0 ? 0 : y;
      }
    h = out;
  }
  const width = layers[layers.length - 1].outDim;
  const actions = new Float32Array(n * A);
  for (let r = 0; r < n; r++)
    for (let j = 0; j < A; j++) {
      const lo = policy.actionLow[j], hi = policy.actionHigh[j];
      actions[r * A + j] = f(Math.tanh(h[r * width + j]) * ((hi - lo) / 2) + (hi + lo) / 2);
    }
  return actions;
}
`;
