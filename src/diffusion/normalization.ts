/**
 * Normalization statistics of a world model, computed on its training rows and saved with
 * it, and a z-scoring helper that moves raw Float32Array rows in and out of tensors.
 *
 * s and s′ are z-scored with the same (observation) statistics, as the paper does (§4.1: states z-scored with the dataset's mean and std; docs/world-model.md); a Δs
 * target gets statistics of its own (Δs is an order of magnitude smaller than s). The
 * [min, max] ranges are what clipping bounds generated states and rewards to.
 */
import type { Dataset } from "../data/dataset.js";
import { DEFAULT_EPS, type FeatureStats, featureStats } from "../data/normalizer.js";
import { gatherRowsOf } from "../data/rows.js";
import { Tensor } from "../tensor/tensor.js";

/** Statistics of the training rows of a world model (JSON-safe). */
export interface WorldModelStats {
  version: 1;
  observations: FeatureStats; // s
  actions: FeatureStats; // a
  nextObservations: FeatureStats; // s′ (its range bounds generated states)
  deltas: FeatureStats; // Δs = s′ − s
  rewards: FeatureStats; // r
}

/** The rows of a dataset whose s′ is known (a world model must skip the others). */
export function rowsWithNextObservation(dataset: Pick<Dataset, "size" | "nextObservationMissing">): Int32Array {
  const missing = dataset.nextObservationMissing;
  if (!missing) return Int32Array.from({ length: dataset.size }, (_, i) => i);
  const rows: number[] = [];
  for (let i = 0; i < dataset.size; i++) if (missing[i] !== 1) rows.push(i);
  return Int32Array.from(rows);
}

/** Statistics over `rows` of a dataset (default: every row with a known s′). */
export function worldModelStats(
  dataset: Dataset,
  rows: ArrayLike<number> = rowsWithNextObservation(dataset),
  eps = DEFAULT_EPS,
): WorldModelStats {
  if (rows.length === 0) throw new RangeError("worldModelStats: no rows with a known next observation");
  const S = dataset.observationDim;
  const s = gatherRowsOf(dataset.observations, S, rows);
  const s2 = gatherRowsOf(dataset.nextObservations, S, rows);
  const delta = new Float32Array(s2.length);
  for (let i = 0; i < delta.length; i++) delta[i] = s2[i]! - s[i]!;
  return {
    version: 1,
    observations: featureStats(s, S, eps),
    actions: featureStats(gatherRowsOf(dataset.actions, dataset.actionDim, rows), dataset.actionDim, eps),
    nextObservations: featureStats(s2, S, eps),
    deltas: featureStats(delta, S, eps),
    rewards: featureStats(gatherRowsOf(dataset.rewards, 1, rows), 1, eps),
  };
}

/** z-scoring with fixed statistics: raw rows ↔ normalized tensors; also the normalized range. */
export class Standardizer {
  readonly dim: number;
  readonly mean: Float32Array;
  readonly std: Float32Array;
  /** Range of the data in normalized units, for clipping x̂_0. */
  readonly low: Float32Array;
  readonly high: Float32Array;
  /** Range of the data in raw units. */
  readonly rawLow: Float32Array;
  readonly rawHigh: Float32Array;

  constructor(stats: FeatureStats) {
    this.dim = stats.mean.length;
    this.mean = Float32Array.from(stats.mean);
    this.std = Float32Array.from(stats.std);
    this.rawLow = Float32Array.from(stats.min);
    this.rawHigh = Float32Array.from(stats.max);
    this.low = this.rawLow.map((v, j) => (v - this.mean[j]!) / this.std[j]!);
    this.high = this.rawHigh.map((v, j) => (v - this.mean[j]!) / this.std[j]!);
  }

  /** (x − mean) / std for n raw rows → a [n, dim] tensor (pooled inside a scope). */
  normalize(raw: Float32Array, n: number, offset = 0): Tensor {
    const D = this.dim;
    const out = Tensor.empty(n, D);
    const o = out.data,
      m = this.mean,
      s = this.std;
    for (let i = 0, p = 0; i < n; i++) for (let j = 0; j < D; j++, p++) o[p] = (raw[offset + p]! - m[j]!) / s[j]!;
    return out;
  }

  /** x·std + mean of a normalized [n, dim] tensor, written into `out` (raw rows) at `offset`. */
  denormalizeInto(x: Tensor, out: Float32Array, offset = 0): Float32Array {
    const D = this.dim;
    const d = x.data,
      m = this.mean,
      s = this.std;
    for (let i = 0, p = 0; i < x.rows; i++) for (let j = 0; j < D; j++, p++) out[offset + p] = d[p]! * s[j]! + m[j]!;
    return out;
  }

  /** Clamps raw rows to the data range in place. */
  clipRaw(raw: Float32Array, offset = 0, n = (raw.length - offset) / this.dim): void {
    const D = this.dim;
    for (let i = 0, p = offset; i < n; i++)
      for (let j = 0; j < D; j++, p++) {
        const v = raw[p]!;
        raw[p] = v < this.rawLow[j]! ? this.rawLow[j]! : v > this.rawHigh[j]! ? this.rawHigh[j]! : v;
      }
  }
}
