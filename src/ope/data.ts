/**
 * What every offline evaluator needs from a dataset: the transitions in the units the
 * estimators learn in (z-scored observations, actions in [−1, 1] through the data's own
 * action scaler), the episodes' initial states, and a held-out split of episodes for the
 * diagnostics. The policy under evaluation is a {@link BatchPolicy} in the data's units, so
 * any policy can be evaluated — an adept checkpoint, a user's function, a heuristic.
 */
import { type ActionScaler, fitActionScaler, scaleActions } from "../data/action-scaler.js";
import { type Dataset, episodeRanges } from "../data/dataset.js";
import { featureStats, Normalizer } from "../data/normalizer.js";
import type { BatchPolicy } from "../envs/policy.js";
import { UserError } from "../util/errors.js";

export interface OpeData {
  dataset: Dataset; // raw units, as loaded
  S: number;
  A: number;
  /** z-scored observations and next observations [N, S]; actions in [−1, 1] [N, A]. */
  observations: Float32Array;
  nextObservations: Float32Array;
  actions: Float32Array;
  /** z-scoring of raw observations with the data's statistics. */
  normalizer: Normalizer;
  /** The data's action scaler (null: actions already in [−1, 1]). */
  scaler: ActionScaler | null;
  /** Row of each episode's first transition. */
  initialRows: Int32Array;
  /** Rows of the training episodes and of the held-out episodes (every row when there are too few episodes). */
  trainRows: Int32Array;
  heldOutRows: Int32Array;
  /** Mean episode length (steps) of the complete episodes, for model rollouts' default horizon. */
  meanEpisodeLength: number;
}

/** Splits `dataset` for offline evaluation; `heldOut` is the fraction of episodes kept out of training. */
export function prepareOpeData(dataset: Dataset, heldOut = 0.1, seed = 0): OpeData {
  const S = dataset.observationDim,
    A = dataset.actionDim;
  const scaler = fitActionScaler(dataset);
  const normalizer = new Normalizer(featureStats(dataset.observations, S));
  const episodes = episodeRanges(dataset);
  const E = episodes.starts.length;
  // Hold episodes out only when enough remain on both sides to mean something.
  const held = new Uint8Array(E);
  if (E >= 10 && heldOut > 0) {
    let x = (seed ^ 0x9e3779b9) >>> 0;
    for (let e = 0; e < E; e++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      held[e] = (x >>> 0) / 4294967296 < heldOut ? 1 : 0;
    }
  }
  const train: number[] = [];
  const test: number[] = [];
  let lengthSum = 0,
    complete = 0;
  for (let e = 0; e < E; e++) {
    for (let i = episodes.starts[e]!; i < episodes.ends[e]!; i++) (held[e] ? test : train).push(i);
    if (episodes.complete[e]) {
      lengthSum += episodes.ends[e]! - episodes.starts[e]!;
      complete++;
    }
  }
  if (train.length === 0) throw new UserError(`${dataset.source.file ?? "dataset"}: no transitions to evaluate on`);
  return {
    dataset,
    S,
    A,
    observations: normalizer.normalize(dataset.observations.slice()),
    nextObservations: normalizer.normalize(dataset.nextObservations.slice()),
    actions: scaler ? scaleActions(scaler, dataset.actions.slice()) : dataset.actions,
    normalizer,
    scaler,
    initialRows: episodes.starts,
    trainRows: Int32Array.from(train),
    heldOutRows: Int32Array.from(test.length > 0 ? test : train),
    meanEpisodeLength: complete > 0 ? lengthSum / complete : dataset.size / Math.max(E, 1),
  };
}

/**
 * The policy's actions on `rows` of the data, in the estimators' units ([−1, 1] through the
 * data's scaler), for raw observations `source` (`observations` or `nextObservations`).
 */
export function policyActions(
  data: OpeData,
  policy: BatchPolicy,
  rows: Int32Array,
  source: "observations" | "nextObservations",
  chunk = 4096,
): Float32Array {
  const { S, A } = data;
  const raw = data.dataset[source];
  const out = new Float32Array(rows.length * A);
  const x = new Float32Array(Math.min(chunk, rows.length) * S);
  for (let start = 0; start < rows.length; start += chunk) {
    const n = Math.min(chunk, rows.length - start);
    for (let i = 0; i < n; i++) {
      const r = rows[start + i]!;
      x.set(raw.subarray(r * S, (r + 1) * S), i * S);
    }
    const a = policy(x.subarray(0, n * S), n);
    if (a.length < n * A)
      throw new UserError(`the policy returned ${a.length} values for ${n} observations; the data has actions of width ${A}`);
    const block = out.subarray(start * A, (start + n) * A);
    block.set(a.subarray(0, n * A));
    if (data.scaler) scaleActions(data.scaler, block);
  }
  return out;
}
