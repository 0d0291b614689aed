// Policies as plain functions on batches, so the evaluator (and later the trained agents)
// share one calling convention.
import type { Rng } from "../util/rng.js";
import type { BoxSpace } from "./types.js";

/**
 * A policy over a batch: `observations` is [n, obsDim] row-major; returns [n, actDim]
 * row-major (at least n·actDim values). It may return a buffer it reuses between calls:
 * the caller reads it before calling again.
 */
export type BatchPolicy = (observations: Float32Array, n: number) => Float32Array;

/**
 * `adept eval --policy random --seed s` (and `adept view random`) draw actions from
 * `Rng(s + this)`, a stream apart from the reset seeds (any fixed odd constant would do).
 */
export const RANDOM_POLICY_SEED_OFFSET = 0x5eed1;

/** Uniform random actions in the action box (D4RL's "random" policy), drawn from `rng`. */
export function randomPolicy(actionSpace: BoxSpace, rng: Rng): BatchPolicy {
  const { dim, low, high } = actionSpace;
  let out = new Float32Array(0);
  return (_observations, n) => {
    if (out.length < n * dim) out = new Float32Array(n * dim); // grows once to the batch size
    for (let row = 0; row < n; row++) {
      for (let j = 0; j < dim; j++) {
        const lo = low[j] as number;
        out[row * dim + j] = lo + ((high[j] as number) - lo) * rng.uniform();
      }
    }
    return out;
  };
}
