/**
 * `adept data verify`: recomputes the behaviour log-probabilities of a built dataset from the
 * committed policies and compares them with the ones recorded in `infos/action_log_probs` —
 * the check that the data really came from the policies that `policies/manifest.json` names.
 */
import { join } from "node:path";
import type { Dataset } from "../data/dataset.js";
import { DataError } from "../data/errors.js";
import { gatherRowsOf } from "../data/rows.js";
import { Rng } from "../util/rng.js";
import { BehaviourPolicy } from "./behaviour.js";
import { manifestEntry, parseDatasetId, type ReplaySegment, replaySegments } from "./build.js";
import { policiesDir } from "./publish.js";

/** Actions closer than this to ±1 are not compared (see {@link LogProbCheck.saturated}). */
const NEAR_BOUND = 1e-4;

export interface LogProbCheck {
  /** Rows whose log-prob was recomputed. */
  checked: number;
  /**
   * Rows left out because an action lies within 1e-4 of ±1: there a float32 action no longer
   * pins down the pre-tanh sample (atanh's slope is 1/(1 − a²)), so the recorded log-prob
   * cannot be recomputed to the tolerance.
   */
  saturated: number;
  /** Rows whose recomputed log-prob differs by more than the tolerance. */
  mismatches: number;
  maxAbsError: number;
  meanAbsError: number;
  /** The row with the largest difference. */
  worst: { row: number; recorded: number; recomputed: number } | null;
  /** The policy of each segment checked ("uniform" or a file under policies/). */
  policies: string[];
}

export interface VerifyOptions {
  /** Rows to check, spread evenly over the file (default 20,000; all rows if larger than the file). */
  sample?: number;
  /** |recorded − recomputed| ≤ atol + rtol·|recorded| passes (default 1e-3, 1e-3). */
  atol?: number;
  rtol?: number;
  /** Rows per policy call (default 4096). */
  batch?: number;
}

/** The segments of a built dataset and the policy file of each (undefined: uniform random). */
function segmentsOf(dataset: Dataset, source: string): ReplaySegment[] {
  const id = dataset.metadata.dataset_id;
  if (typeof id !== "string")
    throw new DataError({ file: source, key: "metadata/dataset_id" }, "is missing: not a file written by `adept data build`");
  const { task, kind } = parseDatasetId(id);
  if (kind === "random") return [{ rows: dataset.size }];
  const entry = manifestEntry(task);
  if (dataset.metadata.policy_steps !== entry.steps)
    throw new DataError(
      { file: source },
      `built from a ${task} policy of ${String(dataset.metadata.policy_steps)} steps, but policies/manifest.json now holds one of ${entry.steps} steps; rebuild it with \`adept data build ${id} --force\``,
    );
  if (kind === "medium") return [{ rows: dataset.size, snapshot: entry.medium }];
  if (kind === "medium-replay") return replaySegments(entry, dataset.size);
  throw new DataError({ file: source }, `cannot verify "${kind}" datasets`);
}

/** Checks the recorded log-probs of `dataset` (read from `source`) against its behaviour policies. */
export function verifyLogProbs(dataset: Dataset, source: string, options: VerifyOptions = {}): LogProbCheck {
  const recorded = dataset.actionLogProbs;
  if (!recorded) throw new DataError({ file: source, key: "infos/action_log_probs" }, "is missing: nothing to verify");
  const { observationDim: S, actionDim: A } = dataset;
  const atol = options.atol ?? 1e-3,
    rtol = options.rtol ?? 1e-3,
    batch = options.batch ?? 4096;
  const stride = Math.max(1, Math.floor(dataset.size / (options.sample ?? 20_000)));
  const check: LogProbCheck = { checked: 0, saturated: 0, mismatches: 0, maxAbsError: 0, meanAbsError: 0, worst: null, policies: [] };
  let errorSum = 0;
  const compare = (row: number, recomputed: number): void => {
    const error = Math.abs(recomputed - recorded[row]!);
    check.checked++;
    errorSum += error;
    if (!(error <= atol + rtol * Math.abs(recorded[row]!))) check.mismatches++;
    if (!(error <= check.maxAbsError)) {
      check.maxAbsError = error;
      check.worst = { row, recorded: recorded[row]!, recomputed };
    }
  };
  const isSaturated = (row: number): boolean => {
    for (let j = 0; j < A; j++) if (Math.abs(dataset.actions[row * A + j]!) > 1 - NEAR_BOUND) return true;
    return false;
  };

  let start = 0;
  for (const segment of segmentsOf(dataset, source)) {
    const rows: number[] = [];
    for (let row = Math.ceil(start / stride) * stride; row < start + segment.rows; row += stride) rows.push(row);
    start += segment.rows;
    if (segment.rows === 0) continue;
    check.policies.push(segment.snapshot ?? "uniform");
    if (!segment.snapshot) {
      for (const row of rows) compare(row, -A * Math.LN2);
      continue;
    }
    const policy = BehaviourPolicy.load(join(policiesDir(), segment.snapshot), new Rng(0));
    const usable = rows.filter((row) => {
      const saturated = isSaturated(row);
      if (saturated) check.saturated++;
      return !saturated;
    });
    for (let b = 0; b < usable.length; b += batch) {
      const chunk = usable.slice(b, b + batch);
      const obs = gatherRowsOf(dataset.observations, S, chunk),
        act = gatherRowsOf(dataset.actions, A, chunk);
      const logProbs = policy.logProb(obs, act, chunk.length);
      for (const [i, row] of chunk.entries()) compare(row, logProbs[i]!);
    }
  }
  check.meanAbsError = check.checked > 0 ? errorSum / check.checked : 0;
  return check;
}
