/**
 * π_β, the behaviour policy that collected the data, as a density: from the dataset's logged
 * log-probs (`infos/action_log_probs`) where present, otherwise a Gaussian fitted by
 * behaviour cloning (src/agents/bc.ts with policy "gaussian").
 */
import { BC } from "../agents/bc.js";
import type { Dataset } from "../data/dataset.js";
import type { ReplayBuffer, TransitionBatch } from "../data/replay.js";
import { allocateBatch } from "../data/replay.js";
import { gatherRowsInto } from "../data/rows.js";
import type { Rng } from "../util/rng.js";

export interface BehaviourDensity {
  readonly source: "logged" | "bc";
  /**
   * log π_β(a|s) for n dataset rows into `out`: `rows` index the dataset (logged source),
   * `observations` are z-scored and `actions` raw (BC source).
   */
  logProb(rows: Int32Array, observations: Float32Array, actions: Float32Array, n: number, out: Float32Array): void;
}

/** Logged log-probs, looked up by row. */
export class LoggedBehaviour implements BehaviourDensity {
  readonly source = "logged";
  constructor(private readonly logProbs: Float32Array) {}

  logProb(rows: Int32Array, _o: Float32Array, _a: Float32Array, n: number, out: Float32Array): void {
    gatherRowsInto(this.logProbs, 1, rows, out, n);
  }
}

/** A Gaussian behaviour-cloning policy fitted on the (z-scored) dataset. */
export class ClonedBehaviour implements BehaviourDensity {
  readonly source = "bc";
  constructor(readonly policy: BC) {}

  /** Fits π_β by maximum likelihood for `steps` updates on batches from `buffer` (z-scored observations). */
  static fit(
    buffer: ReplayBuffer,
    steps: number,
    seed: number,
    rng: Rng,
    options: { hiddenWidth?: number; batchSize?: number } = {},
  ): ClonedBehaviour {
    const policy = new BC(buffer.observationDim, buffer.actionDim, { policy: "gaussian", hiddenWidth: options.hiddenWidth ?? 256 }, seed);
    const batch: TransitionBatch = allocateBatch(buffer, options.batchSize ?? 256);
    for (let t = 0; t < steps; t++) {
      buffer.sample(rng, batch);
      policy.update(batch);
    }
    return new ClonedBehaviour(policy);
  }

  logProb(_rows: Int32Array, observations: Float32Array, actions: Float32Array, n: number, out: Float32Array): void {
    out.set(this.policy.logProb(observations, actions, n).subarray(0, n));
  }
}

/** Whether a dataset carries usable logged log-probs (present and finite). */
export function hasLoggedLogProbs(dataset: Dataset): boolean {
  const lp = dataset.actionLogProbs;
  if (!lp) return false;
  for (let i = 0; i < lp.length; i++) if (!Number.isFinite(lp[i]!)) return false;
  return true;
}
