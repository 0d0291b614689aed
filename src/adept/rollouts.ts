/**
 * Policy evaluation in the model (Fang & Lan 2024, §4.1; docs/adept.md): start states drawn from the dataset, then for
 * t < H: a_t ~ π_φ(·|s_t), s_{t+1} ~ world model, (r_t, d_t) = f_ψ(s_t, a_t, s_{t+1}); a rollout
 * stops at d_t. All rollouts advance together as one batch; every transition goes to the
 * model buffer in the agent's units (z-scored observations, scaled rewards).
 */
import type { Agent } from "../agents/agent.js";
import type { Dataset } from "../data/dataset.js";
import type { Normalizer } from "../data/normalizer.js";
import { allocateBatch, type ReplayBuffer } from "../data/replay.js";
import { drawRows, gatherRowsInto, gatherRowsOf } from "../data/rows.js";
import type { WorldModel, WorldModelStep } from "../diffusion/types.js";
import type { TerminationRule } from "../envs/task.js";
import type { Rng } from "../util/rng.js";

export interface RolloutOptions {
  worldModel: WorldModel;
  agent: Agent;
  /** The raw dataset (start states come from its observations). */
  dataset: Dataset;
  /** Rows start states are drawn from. */
  startRows: Int32Array;
  /** Rollouts run together. */
  count: number;
  /** H, steps per rollout. */
  horizon: number;
  normalizer: Normalizer;
  rewardScale: number;
  /** Where transitions go (agent units). */
  buffer: ReplayBuffer;
  rng: Rng;
  /** Act with the policy's mode instead of sampling. Default false (as MBPO/MOPO). */
  deterministic?: boolean;
  /**
   * How a rollout ends: "sample" draws d ~ Bernoulli(P(done)) from the terminal model,
   * "threshold" ends it where P(done) > 0.5, "task" applies `terminationRule` to s′.
   * Default "sample" (the learner resolves its `auto` to "task" where the task is known).
   */
  terminals?: "sample" | "threshold" | "task";
  /** The task's termination rule, for `terminals: "task"` (halfcheetah: none, never terminal). */
  terminationRule?: TerminationRule | null;
  /**
   * λ of the penalized reward r̃ = r̂ − λ·u(s, a) (MOPO, Yu et al. 2020 eq. 7), with u the
   * world model's own uncertainty; 0 (default) keeps r̂. A positive λ needs a model whose
   * steps report `uncertainties`.
   */
  rewardPenalty?: number;
}

export interface RolloutStats {
  /** Transitions added to the buffer. */
  transitions: number;
  /** Mean steps before a predicted terminal or the horizon. */
  meanLength: number;
  /** Mean model reward per transition (raw units). */
  meanReward: number;
  /** Fraction of rollouts that ended in a predicted terminal. */
  terminalFraction: number;
  /** Mean u(s, a) per transition (raw units; NaN when the model reports none). */
  meanUncertainty: number;
  /** Mean λ·u subtracted from the model reward per transition (raw units). */
  meanPenalty: number;
}

/** Rolls `count` start states out for `horizon` model steps under the agent's policy. */
export function rolloutInModel(o: RolloutOptions): RolloutStats {
  const { dataset, count: n, horizon } = o;
  const S = dataset.observationDim,
    A = dataset.actionDim;
  const raw = gatherRowsOf(dataset.observations, S, drawRows(o.rng, o.startRows, n)); // current states, raw units, rows [0, active)
  const kept = new Int32Array(n); // rollouts that go on after a step
  const out = allocateBatch({ observationDim: S, actionDim: A }, n); // agent units
  let active = n,
    transitions = 0,
    rewardSum = 0,
    terminalCount = 0,
    uncertaintySum = 0,
    reported = false;
  const penalty = o.rewardPenalty ?? 0;
  // NOTE(deviation): the paper does not say how d_t is drawn. Thresholding P(done) at 0.5
  // almost never ends a rollout when terminals are rare in the data (1–5 % of rows), which
  // lets the policy exploit states where the real robot would fall; sampling keeps the
  // model's terminal rate calibrated, and the task's rule (where known) is exact.
  const mode = o.terminals ?? "sample";
  const chunked = new ChunkedStep(o, n);
  for (let t = 0; t < horizon && active > 0; t++) {
    const s = out.observations.subarray(0, active * S);
    s.set(raw.subarray(0, active * S));
    o.normalizer.normalize(s);
    const next = chunked.step(raw, s, out.actions, active);
    const s2 = out.nextObservations.subarray(0, active * S);
    s2.set(next.nextObservations.subarray(0, active * S));
    o.normalizer.normalize(s2);
    const u = next.uncertainties;
    reported ||= u !== undefined;
    if (penalty !== 0 && !u)
      throw new Error(`rollouts: a reward penalty needs a world model that reports uncertainties (${o.worldModel.kind} does not)`);
    for (let i = 0; i < active; i++) {
      const ui = u ? u[i]! : 0;
      uncertaintySum += ui;
      out.rewards[i] = (next.rewards[i]! - penalty * ui) * o.rewardScale;
      if (mode === "task") out.terminals[i] = o.terminationRule?.(next.nextObservations, i, S) ? 1 : 0;
      else if (mode === "sample") out.terminals[i] = o.rng.uniform() < next.doneProbabilities[i]! ? 1 : 0;
      else out.terminals[i] = next.terminals[i]!;
      rewardSum += next.rewards[i]!;
    }
    o.buffer.addBatch(out, 0, active);
    transitions += active;
    // Keep the rollouts that did not terminate, compacted to the front.
    let alive = 0;
    for (let i = 0; i < active; i++) {
      if (out.terminals[i] === 1) terminalCount++;
      else kept[alive++] = i;
    }
    gatherRowsInto(next.nextObservations, S, kept, raw, alive);
    active = alive;
  }
  return {
    transitions,
    meanLength: transitions / n,
    meanReward: rewardSum / Math.max(transitions, 1),
    terminalFraction: terminalCount / n,
    meanUncertainty: reported ? uncertaintySum / transitions : Number.NaN,
    meanPenalty: (penalty * uncertaintySum) / Math.max(transitions, 1),
  };
}

/** Rows per policy call and model step in a rollout; every call has exactly this many (see {@link ChunkedStep}). */
const ROLLOUT_CHUNK = 512;

/**
 * a ~ π(·|s) and one model step for the `active` rollouts, in chunks of one fixed size C,
 * the last one padded with copies of its first row (their results are dropped). A fixed size
 * matters: the tensor pool keeps buffers by length, so a batch that shrank by a different
 * number of terminated rollouts at every step would leave buffers of every length behind
 * (MOPO's 50 000 rollouts: gigabytes per iteration), and one chunk bounds the peak memory.
 */
class ChunkedStep {
  private readonly size: number;
  private readonly padRaw: Float32Array;
  private readonly padNorm: Float32Array;
  private readonly next: Required<WorldModelStep>;

  constructor(
    private readonly o: RolloutOptions,
    n: number,
  ) {
    const S = o.dataset.observationDim;
    this.size = Math.min(n, ROLLOUT_CHUNK);
    this.padRaw = new Float32Array(this.size * S);
    this.padNorm = new Float32Array(this.size * S);
    this.next = {
      nextObservations: new Float32Array(n * S),
      rewards: new Float32Array(n),
      doneProbabilities: new Float32Array(n),
      terminals: new Uint8Array(n),
      uncertainties: new Float32Array(n),
    };
  }

  /** Writes the actions of rows [0, active) into `actions` and returns their step (views valid until the next call). */
  step(raw: Float32Array, normalized: Float32Array, actions: Float32Array, active: number): WorldModelStep {
    const { o, size: C, next } = this;
    const S = o.dataset.observationDim,
      A = o.dataset.actionDim;
    let reportsUncertainty = true;
    for (let start = 0; start < active; start += C) {
      const m = Math.min(C, active - start);
      let r = raw.subarray(start * S, (start + C) * S),
        z = normalized.subarray(start * S, (start + C) * S);
      if (m < C) {
        this.padRaw.set(raw.subarray(start * S, (start + m) * S));
        this.padNorm.set(normalized.subarray(start * S, (start + m) * S));
        for (let i = m; i < C; i++) {
          this.padRaw.copyWithin(i * S, 0, S);
          this.padNorm.copyWithin(i * S, 0, S);
        }
        r = this.padRaw;
        z = this.padNorm;
      }
      const a = o.agent.act(z, C, o.deterministic ?? false); // [C, A]
      actions.set(a.subarray(0, m * A), start * A);
      const step = o.worldModel.step(r, a, C, o.rng);
      next.nextObservations.set(step.nextObservations.subarray(0, m * S), start * S);
      next.rewards.set(step.rewards.subarray(0, m), start);
      next.doneProbabilities.set(step.doneProbabilities.subarray(0, m), start);
      next.terminals.set(step.terminals.subarray(0, m), start);
      if (step.uncertainties) next.uncertainties.set(step.uncertainties.subarray(0, m), start);
      else reportsUncertainty = false;
    }
    return reportsUncertainty ? next : { ...next, uncertainties: undefined };
  }
}
