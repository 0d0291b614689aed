import { isLocomotionTask } from "../envs/scores.js";
import { type ActionScaler, checkActionScaler } from "./action-scaler.js";
import { type Dataset, episodeRanges, episodeReturns } from "./dataset.js";
import { DataError } from "./errors.js";

/** Per-dimension statistics of one feature block (observations, actions or rewards). */
export interface FeatureStats {
  /** Per-dimension mean. */
  mean: number[];
  /** Per-dimension standard deviation plus eps (CORL's convention: std + eps, never 0). */
  std: number[];
  /** Per-dimension minimum, for clipping generated data to the dataset's range. */
  min: number[];
  /** Per-dimension maximum. */
  max: number[];
}

/** Everything a model needs to normalize inputs as during training; saved with every model (JSON). */
export interface DatasetStats {
  version: 1;
  /** The epsilon added to every std. */
  eps: number;
  observations: FeatureStats;
  actions: FeatureStats;
  rewards: FeatureStats;
  /** Multiplier applied to rewards before training (1 when rewards are not scaled). */
  rewardScale: number;
  /**
   * Present when the data's actions lie outside [−1, 1]: the min–max scaler the agent was
   * trained behind (src/data/action-scaler.ts); `actions` above are then the scaled actions' statistics.
   */
  actionScaler?: ActionScaler;
}

/** CORL's epsilon for state normalization. */
export const DEFAULT_EPS = 1e-3;

/**
 * Per-dimension mean, std (+ eps), min and max of row-major `data` [N, dim], accumulated in
 * float64 (float32 sums lose digits over 1M rows).
 */
export function featureStats(data: Float32Array, dim: number, eps = DEFAULT_EPS): FeatureStats {
  const n = data.length / dim;
  if (n < 1 || !Number.isInteger(n)) throw new RangeError(`featureStats: ${data.length} values do not form rows of ${dim}`);
  const sum = new Float64Array(dim);
  const min = new Float64Array(dim).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(dim).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const v = data[i * dim + j]!;
      sum[j]! += v;
      if (v < min[j]!) min[j] = v;
      if (v > max[j]!) max[j] = v;
    }
  }
  const mean = Array.from(sum, (s) => s / n);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) sq[j]! += (data[i * dim + j]! - mean[j]!) ** 2;
  // Population std (numpy's default, as CORL uses), then + eps.
  return { mean, std: Array.from(sq, (s) => Math.sqrt(s / n) + eps), min: Array.from(min), max: Array.from(max) };
}

/**
 * CORL's reward scale for locomotion: rewards × 1000 / (max episode return − min episode
 * return), over episodes that end with a terminal or timeout flag (all episodes if none does).
 * `maxEpisodeSteps` is the 1000 of that formula.
 */
export function corlRewardScale(dataset: Pick<Dataset, "size" | "rewards" | "terminals" | "timeouts">, maxEpisodeSteps = 1000): number {
  const episodes = episodeRanges(dataset);
  const returns = Array.from(episodeReturns(dataset, episodes));
  const complete = returns.filter((_, e) => episodes.complete[e] === 1);
  const used = complete.length > 0 ? complete : returns;
  // A loop, not Math.max(...used): random datasets have ~10⁵ episodes, too many for spread arguments.
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of used) [lo, hi] = [Math.min(lo, r), Math.max(hi, r)];
  const spread = hi - lo;
  if (!(spread > 0)) {
    throw new DataError(
      {},
      `cannot scale rewards: all ${used.length} episode return(s) are equal (CORL's scale needs max return > min return)`,
    );
  }
  return maxEpisodeSteps / spread;
}

/** Options for {@link datasetStats}. */
export interface StatsOptions {
  eps?: number;
  /** `"corl"`: CORL's locomotion reward scale; `"auto"` (default): CORL's on locomotion tasks, else none. */
  rewardScaling?: "auto" | "corl" | "none";
}

/** Normalization statistics of a dataset (observations, actions, rewards and the reward scale). */
export function datasetStats(dataset: Dataset, options: StatsOptions = {}): DatasetStats {
  const eps = options.eps ?? DEFAULT_EPS;
  const scaling = options.rewardScaling ?? "auto";
  const scaled = scaling === "corl" || (scaling === "auto" && dataset.task !== undefined && isLocomotionTask(dataset.task));
  return {
    version: 1,
    eps,
    observations: featureStats(dataset.observations, dataset.observationDim, eps),
    actions: featureStats(dataset.actions, dataset.actionDim, eps),
    rewards: featureStats(dataset.rewards, 1, eps),
    rewardScale: scaled ? corlRewardScale(dataset) : 1,
  };
}

/**
 * z-scoring and range clipping with fixed statistics: `normalize` maps x to (x − mean) / std,
 * `denormalize` inverts it, `clip` bounds raw values to the dataset's [min, max].
 * All work in place on row-major [rows, dim] arrays (pass a copy to keep the input).
 */
export class Normalizer {
  readonly dim: number;
  private readonly mean: Float32Array;
  private readonly std: Float32Array;
  private readonly min: Float32Array;
  private readonly max: Float32Array;

  constructor(readonly stats: FeatureStats) {
    this.dim = stats.mean.length;
    for (const key of ["std", "min", "max"] as const) {
      if (stats[key].length !== this.dim) throw new RangeError(`Normalizer: ${key} has ${stats[key].length} values, mean has ${this.dim}`);
    }
    this.mean = Float32Array.from(stats.mean);
    this.std = Float32Array.from(stats.std);
    this.min = Float32Array.from(stats.min);
    this.max = Float32Array.from(stats.max);
  }

  /** x ← (x − mean) / std, per dimension. */
  normalize(x: Float32Array): Float32Array {
    this.check(x);
    const { dim, mean, std } = this;
    for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean[i % dim]!) / std[i % dim]!;
    return x;
  }

  /** x ← x · std + mean, per dimension. */
  denormalize(x: Float32Array): Float32Array {
    this.check(x);
    const { dim, mean, std } = this;
    for (let i = 0; i < x.length; i++) x[i] = x[i]! * std[i % dim]! + mean[i % dim]!;
    return x;
  }

  /** x ← clamp(x, min, max), per dimension (raw, unnormalized values). */
  clip(x: Float32Array): Float32Array {
    this.check(x);
    const { dim, min, max } = this;
    for (let i = 0; i < x.length; i++) {
      const j = i % dim;
      if (x[i]! < min[j]!) x[i] = min[j]!;
      else if (x[i]! > max[j]!) x[i] = max[j]!;
    }
    return x;
  }

  private check(x: Float32Array): void {
    if (x.length % this.dim !== 0) throw new RangeError(`Normalizer: ${x.length} values do not form rows of ${this.dim}`);
  }
}

/** Serializes statistics to a JSON string (what models save next to their weights). */
export function statsToJson(stats: DatasetStats): string {
  return JSON.stringify(stats);
}

/** Parses and validates statistics saved by {@link statsToJson}; `file`, where given, is named in errors. */
export function statsFromJson(text: string, file?: string): DatasetStats {
  let value: DatasetStats;
  try {
    value = JSON.parse(text) as DatasetStats;
  } catch {
    throw new DataError({ file }, "normalization statistics: missing or not JSON");
  }
  if (value?.version !== 1) throw new DataError({ file }, `normalization statistics: unsupported version ${String(value?.version)}`);
  for (const block of ["observations", "actions", "rewards"] as const) {
    const f = value[block];
    // JSON has no infinities: an unbounded range (written as ±Infinity) reads back as null.
    if (f && Array.isArray(f.min)) f.min = f.min.map((v) => (v === null ? Number.NEGATIVE_INFINITY : v));
    if (f && Array.isArray(f.max)) f.max = f.max.map((v) => (v === null ? Number.POSITIVE_INFINITY : v));
    const finiteOrUnbounded = (k: keyof FeatureStats, v: number): boolean =>
      Number.isFinite(v) || (k === "min" && v === -Infinity) || (k === "max" && v === Infinity);
    const ok =
      f && (["mean", "std", "min", "max"] as const).every((k) => Array.isArray(f[k]) && f[k].every((v) => finiteOrUnbounded(k, v)));
    if (!ok) throw new DataError({ file, key: block }, "normalization statistics: expected finite mean/std and min/max arrays");
  }
  if (value.actionScaler !== undefined) checkActionScaler(value.actionScaler, file ?? "normalization statistics");
  if (!Number.isFinite(value.rewardScale) || !Number.isFinite(value.eps)) {
    throw new DataError({ file }, "normalization statistics: rewardScale and eps must be finite numbers");
  }
  return value;
}
