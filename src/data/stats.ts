import { findTask, scoreOf } from "../envs/registry.js";
import { type Dataset, episodeRanges, episodeReturns } from "./dataset.js";

/** Mean, spread and range of a list of numbers. */
export interface Distribution {
  mean: number;
  std: number;
  min: number;
  median: number;
  max: number;
}

/** What `adept data info` reports about a dataset's contents. */
export interface DatasetSummary {
  transitions: number;
  observationDim: number;
  actionDim: number;
  /** All episodes, including a trailing one that ends without a flag. */
  episodes: number;
  /** Episodes that end with a terminal or timeout flag. */
  completeEpisodes: number;
  terminals: number;
  timeouts: number;
  episodeLength: Distribution;
  /** Undiscounted returns of the complete episodes (all episodes when none is complete). */
  returns: Distribution;
  /** D4RL normalized score of those returns, when the task is known. */
  normalizedScore?: Distribution;
  task?: string;
}

/** Summary statistics of a dataset: size, episodes, return distribution, normalized score. */
export function summarize(dataset: Dataset): DatasetSummary {
  const episodes = episodeRanges(dataset);
  const returns = episodeReturns(dataset, episodes);
  const lengths = Array.from(episodes.ends, (end, e) => end - episodes.starts[e]!);
  const complete = Array.from(returns).filter((_, e) => episodes.complete[e] === 1);
  const scored = complete.length > 0 ? complete : Array.from(returns);
  const summary: DatasetSummary = {
    transitions: dataset.size,
    observationDim: dataset.observationDim,
    actionDim: dataset.actionDim,
    episodes: lengths.length,
    completeEpisodes: complete.length,
    terminals: count(dataset.terminals),
    timeouts: count(dataset.timeouts),
    episodeLength: distribution(lengths),
    returns: distribution(scored),
  };
  const task = dataset.task;
  if (task) {
    summary.task = task;
    const entry = findTask(task);
    if (entry?.referenceScores) summary.normalizedScore = distribution(scored.map((r) => scoreOf(entry, r)));
  }
  return summary;
}

/** Mean, population std, min, median and max (all NaN for an empty list). */
export function distribution(values: ArrayLike<number>): Distribution {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of sorted) sq += (v - mean) ** 2;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { mean, std: Math.sqrt(sq / n), min: sorted[0]!, median, max: sorted[n - 1]! };
}

function count(flags: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < flags.length; i++) c += flags[i]!;
  return c;
}
