/**
 * Training batches for world models: uniform draws from a fixed set of dataset rows (the
 * rows with a known s′, or a training split), written into a batch allocated once.
 */
import type { Dataset } from "../data/dataset.js";
import { RowSampler, type TransitionBatch } from "../data/replay.js";
import type { Rng } from "../util/rng.js";
import { rowsWithNextObservation } from "./normalization.js";
import type { WorldModelMetrics } from "./types.js";

/** Options of a world model's `fit`. */
export interface FitOptions {
  /** Rows to train on (default: every row with a known s′). */
  rows?: Int32Array;
  /** Sees each update's metrics. */
  onStep?: (step: number, metrics: WorldModelMetrics) => void;
}

/**
 * `steps` calls of `update` on batches of `batchSize` rows drawn uniformly from the rows of
 * `options`; returns the last update's metrics. The `fit` of every world model.
 */
export function fitOnRows(
  update: (batch: TransitionBatch) => WorldModelMetrics,
  dataset: Dataset,
  steps: number,
  batchSize: number,
  rng: Rng,
  options: FitOptions = {},
): WorldModelMetrics {
  const sampler = new RowSampler(dataset, options.rows ?? rowsWithNextObservation(dataset), batchSize);
  let metrics: WorldModelMetrics = {};
  for (let t = 0; t < steps; t++) {
    metrics = update(sampler.sample(rng));
    options.onStep?.(t, metrics);
  }
  return metrics;
}

/**
 * A held-out split by episodes (no episode has rows on both sides): a `fraction` of the
 * episodes, drawn with `seed`, go to `test`. Rows whose s′ is unknown are in neither.
 */
export function splitByEpisodes(dataset: Dataset, fraction: number, seed: number): { train: Int32Array; test: Int32Array } {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`splitByEpisodes: fraction must be in [0, 1), got ${fraction}`);
  const missing = dataset.nextObservationMissing;
  const train: number[] = [];
  const test: number[] = [];
  // A tiny xorshift keyed by seed and episode index, so the split does not depend on any other draw.
  const uniform = (e: number): number => {
    let x = (Math.imul(e + 1, 0x9e3779b1) ^ Math.imul(seed + 0x632be5ab, 0x85ebca6b)) >>> 0;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  let episode = 0;
  for (let i = 0; i < dataset.size; i++) {
    if (missing?.[i] !== 1) (uniform(episode) < fraction ? test : train).push(i);
    if (dataset.terminals[i] === 1 || dataset.timeouts[i] === 1) episode++;
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}
