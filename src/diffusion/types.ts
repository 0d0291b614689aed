/**
 * The world-model contract shared by the diffusion world model and the Gaussian-ensemble
 * baseline, so that rollouts and the evaluation (evaluate.ts) work with either.
 */
import type { TransitionBatch } from "../data/replay.js";
import type { Rng } from "../util/rng.js";

/** Named scalars of one update ("loss/diffusion", "loss/reward", …). */
export type WorldModelMetrics = Record<string, number>;

/** One model step for n (s, a) pairs, in raw (unnormalized) units; fresh arrays. */
export interface WorldModelStep {
  nextObservations: Float32Array; // [n, S]
  rewards: Float32Array; // [n]
  /** P(done | s, a, s′) from the terminal model. */
  doneProbabilities: Float32Array; // [n]
  /** 1 where P(done) > 0.5. */
  terminals: Uint8Array; // [n]
  /**
   * The model's own uncertainty u(s, a) ≥ 0 where it has one (the ensemble's largest
   * ‖σ‖, in raw units), for MOPO's penalized reward r̂ − λ·u.
   */
  uncertainties?: Float32Array; // [n]
}

export interface WorldModel {
  /** "diffusion" or "gaussian-ensemble". */
  readonly kind: string;
  readonly observationDim: number;
  readonly actionDim: number;
  /** Gradient updates so far. */
  readonly updates: number;
  /**
   * One gradient update on a batch of real transitions (no rows with an unknown s′), with
   * optional per-sample weights [B] (loss = Σ wᵢLᵢ / Σ wᵢ); returns the weighted losses.
   */
  update(batch: TransitionBatch, weights?: Float32Array): WorldModelMetrics;
  /** Samples (s′, r, done) for n pairs s [n, S], a [n, A]; randomness from `rng` (default: the model's own). */
  step(observations: Float32Array, actions: Float32Array, n: number, rng?: Rng): WorldModelStep;
  /** Writes the model (weights, optimizer state, config, normalization statistics) to one file. */
  save(path: string): void;
}
