/**
 * Fitted Q evaluation (Le, Voloshin & Yue 2019; as d3rlpy's FQE): a critic for a fixed
 * policy π, trained on the logged transitions toward
 *
 *   y = r + γ (1 − d) Q̄(s′, π(s′)),      Q̄ a hard-updated target copy,
 *
 * whose value on the data's initial states, mean_s₀ Q(s₀, π(s₀)), estimates π's discounted
 * return. The confidence interval bootstraps twice (Hao et al. 2021, "Bootstrapping Fitted
 * Q-Evaluation"): each of K critics trains on its own resample of the episodes, and the
 * interval is the percentile range of the estimate over resamples of (critic, initial states).
 * With K = 1 it reflects only the spread over initial states.
 *
 * π is deterministic and fixed, so π(s′) and π(s₀) are computed once, not per update.
 * Rewards are multiplied by a constant κ for the fit (Bellman targets are linear in r, so
 * the estimate divided by κ is exact); κ keeps Q near unit scale whatever the reward units.
 */
import { episodeRanges } from "../data/dataset.js";
import type { BatchPolicy } from "../envs/policy.js";
import { MLP } from "../nn/layers.js";
import { Adam } from "../nn/optim.js";
import { mean, square, sub } from "../tensor/ops.js";
import { backward, noGrad, scope, Tensor } from "../tensor/tensor.js";
import { type ConfigOf, defineConfig, resolveConfig } from "../util/config.js";
import { Rng } from "../util/rng.js";
import { type OpeData, policyActions } from "./data.js";

export const FQE_CONFIG = defineConfig({
  fqeSteps: { default: 20_000, integer: true, min: 1, doc: "gradient steps of each FQE critic" },
  fqeCritics: {
    default: 3,
    integer: true,
    min: 1,
    doc: "FQE critics, each on its own bootstrap resample of the episodes (1: the whole data)",
  },
  discount: { default: 0.99, min: 0, doc: "γ of the estimated discounted return" },
  fqeLr: { default: 3e-4, min: 0, doc: "Adam learning rate of the critics (d3rlpy's FQE: 1e-4, with more steps)" },
  fqeBatchSize: { default: 256, integer: true, min: 1, doc: "transitions per FQE update" },
  fqeTargetEvery: { default: 100, integer: true, min: 1, doc: "updates between hard target-network copies (d3rlpy: 100)" },
  fqeWidth: { default: 256, integer: true, min: 1, doc: "hidden width of the critics (two hidden layers)" },
  bootstrapSamples: { default: 2000, integer: true, min: 1, doc: "resamples for the confidence interval" },
  confidence: { default: 0.95, min: 0, doc: "coverage of the confidence interval" },
});
export type FqeConfig = ConfigOf<typeof FQE_CONFIG>;

export interface FqeResult {
  /** Estimated discounted return of π from the data's initial states (data reward units). */
  estimate: number;
  /** The bootstrap confidence interval of `estimate`. */
  low: number;
  high: number;
  /** Each critic's estimate. */
  perCritic: number[];
  /** Mean Q(s, π(s)) over the data's states (the policy's estimated value where the data is). */
  value: number;
  /** Root mean squared TD error of the critics on held-out episodes (data reward units). */
  heldOutTdRmse: number;
  discount: number;
  steps: number;
}

/** Runs FQE for `policy` on `data` (see the module comment). `onStep` sees (step, loss) for progress. */
export function fqe(
  data: OpeData,
  policy: BatchPolicy,
  config: Partial<FqeConfig> = {},
  seed = 0,
  onStep?: (step: number, total: number) => void,
): FqeResult {
  const c = resolveConfig(FQE_CONFIG, config, "fqe", false);
  const { dataset, S, A } = data;
  const rng = new Rng(seed);
  const kappa = rewardScale(dataset.rewards);
  const N = dataset.size;
  const allRows = Int32Array.from({ length: N }, (_, i) => i);
  const nextActions = policyActions(data, policy, allRows, "nextObservations"); // [N, A], π(s′)
  const initialActions = policyActions(data, policy, data.initialRows, "observations"); // [E, A], π(s₀)
  const critics = Array.from({ length: c.fqeCritics }, (_, k) => {
    const rows = c.fqeCritics === 1 ? data.trainRows : episodeBootstrap(data, rng);
    return new FqeCritic(S, A, c, rng, rows, k);
  });

  // One batch buffer shared by the critics (they update in turn).
  const B = c.fqeBatchSize;
  const x = new Float32Array(B * (S + A)),
    x2 = new Float32Array(B * (S + A)),
    r = new Float32Array(B),
    notDone = new Float32Array(B);
  for (let t = 0; t < c.fqeSteps; t++) {
    for (const critic of critics) {
      for (let i = 0; i < B; i++) {
        const row = critic.rows[rng.int(critic.rows.length)]!;
        fillInput(x, i, data.observations, data.actions, row, row, S, A);
        fillInput(x2, i, data.nextObservations, nextActions, row, row, S, A);
        r[i] = dataset.rewards[row]! * kappa;
        notDone[i] = 1 - dataset.terminals[row]!;
      }
      critic.update(x, x2, r, notDone, c.discount);
    }
    if (onStep && ((t + 1) % 200 === 0 || t + 1 === c.fqeSteps)) onStep(t + 1, c.fqeSteps);
  }

  // Estimates: per critic, Q(s₀, π(s₀)) per initial state, in data reward units.
  const E = data.initialRows.length;
  const initialInput = new Float32Array(E * (S + A));
  for (let e = 0; e < E; e++) fillInput(initialInput, e, data.observations, initialActions, data.initialRows[e]!, e, S, A);
  const q0 = critics.map((critic) => critic.values(initialInput, E).map((v) => v / kappa));
  const perCritic = q0.map(meanOf);
  const [low, high] = bootstrapInterval(q0, c.bootstrapSamples, c.confidence, rng);

  // Diagnostics: the value where the data is, and the TD error on held-out episodes.
  const value = meanOf(critics[0]!.values(sampleInputs(data, policy, sampleRows(allRows, 10_000, rng), "observations"), -1)) / kappa;
  const heldOutTdRmse = heldOutTd(data, critics, nextActions, c.discount, kappa, rng);
  return { estimate: meanOf(perCritic), low, high, perCritic, value, heldOutTdRmse, discount: c.discount, steps: c.fqeSteps };
}

/** One critic: Q(s, a) as an MLP over [z-scored s, scaled a], its target copy and optimizer. */
class FqeCritic {
  readonly q: MLP;
  readonly target: MLP;
  private readonly opt: Adam;
  private updates = 0;

  constructor(
    private readonly S: number,
    private readonly A: number,
    private readonly c: FqeConfig,
    rng: Rng,
    readonly rows: Int32Array,
    readonly index: number,
  ) {
    const options = { hidden: [c.fqeWidth, c.fqeWidth], activation: "relu" as const };
    this.q = new MLP(S + A, 1, options, rng);
    this.target = new MLP(S + A, 1, options, rng);
    this.target.copyFrom(this.q);
    this.opt = new Adam(this.q.parameters(), { lr: c.fqeLr });
  }

  update(x: Float32Array, x2: Float32Array, r: Float32Array, notDone: Float32Array, discount: number): number {
    const B = r.length;
    const W = this.S + this.A;
    const loss = scope(() => {
      const next = noGrad(() => this.target.forward(new Tensor(B, W, x2)));
      const y = Tensor.empty(B, 1);
      for (let i = 0; i < B; i++) y.data[i] = r[i]! + discount * notDone[i]! * next.data[i]!;
      const l = mean(square(sub(this.q.forward(new Tensor(B, W, x)), y)));
      this.opt.zeroGrad();
      backward(l);
      this.opt.step();
      return l.item();
    });
    if (++this.updates % this.c.fqeTargetEvery === 0) this.target.copyFrom(this.q);
    return loss;
  }

  /** Q of n inputs [n, S+A] (n < 0: as many rows as `x` holds). */
  values(x: Float32Array, n: number): Float64Array {
    const W = this.S + this.A;
    const rows = n < 0 ? x.length / W : n;
    const out = new Float64Array(rows);
    const chunk = 8192;
    for (let start = 0; start < rows; start += chunk) {
      const m = Math.min(chunk, rows - start);
      scope(() =>
        noGrad(() => {
          const q = this.q.forward(new Tensor(m, W, x.subarray(start * W, (start + m) * W)));
          for (let i = 0; i < m; i++) out[start + i] = q.data[i]!;
        }),
      );
    }
    return out;
  }
}

/** Writes [obs[obsRow], act[actRow]] into row i of `x`. */
function fillInput(
  x: Float32Array,
  i: number,
  obs: Float32Array,
  act: Float32Array,
  obsRow: number,
  actRow: number,
  S: number,
  A: number,
): void {
  const W = S + A;
  x.set(obs.subarray(obsRow * S, (obsRow + 1) * S), i * W);
  x.set(act.subarray(actRow * A, (actRow + 1) * A), i * W + S);
}

/** [s, π(s)] inputs for `rows` of the data. */
function sampleInputs(data: OpeData, policy: BatchPolicy, rows: Int32Array, source: "observations"): Float32Array {
  const { S, A } = data;
  const actions = policyActions(data, policy, rows, source);
  const x = new Float32Array(rows.length * (S + A));
  for (let i = 0; i < rows.length; i++) fillInput(x, i, data.observations, actions, rows[i]!, i, S, A);
  return x;
}

/** Root mean squared TD error of the mean critic on (up to 10 000) held-out rows, in data units. */
function heldOutTd(data: OpeData, critics: FqeCritic[], nextActions: Float32Array, discount: number, kappa: number, rng: Rng): number {
  const { S, A, dataset } = data;
  const rows = sampleRows(data.heldOutRows, 10_000, rng);
  const n = rows.length;
  const x = new Float32Array(n * (S + A)),
    x2 = new Float32Array(n * (S + A));
  for (let i = 0; i < n; i++) {
    fillInput(x, i, data.observations, data.actions, rows[i]!, rows[i]!, S, A);
    fillInput(x2, i, data.nextObservations, nextActions, rows[i]!, rows[i]!, S, A);
  }
  const q = new Float64Array(n),
    q2 = new Float64Array(n);
  for (const critic of critics) {
    const a = critic.values(x, n),
      b = critic.values(x2, n);
    for (let i = 0; i < n; i++) {
      q[i]! += a[i]! / critics.length;
      q2[i]! += b[i]! / critics.length;
    }
  }
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    const td = q[i]! - (dataset.rewards[row]! * kappa + discount * (1 - dataset.terminals[row]!) * q2[i]!);
    sq += td * td;
  }
  return Math.sqrt(sq / Math.max(n, 1)) / kappa;
}

/** The rows of a resample (with replacement) of the training episodes. */
function episodeBootstrap(data: OpeData, rng: Rng): Int32Array {
  const train = new Set(data.trainRows);
  const episodes = episodeRanges(data.dataset);
  const ids: number[] = [];
  for (let e = 0; e < episodes.starts.length; e++) if (train.has(episodes.starts[e]!)) ids.push(e);
  const rows: number[] = [];
  for (let k = 0; k < ids.length; k++) {
    const e = ids[rng.int(ids.length)]!;
    for (let i = episodes.starts[e]!; i < episodes.ends[e]!; i++) rows.push(i);
  }
  return Int32Array.from(rows);
}

/** Percentile interval of mean_s₀ Q over resamples of (critic, initial states). */
export function bootstrapInterval(values: Float64Array[], samples: number, confidence: number, rng: Rng): [number, number] {
  const K = values.length;
  const E = values[0]!.length;
  const means = new Float64Array(samples);
  for (let b = 0; b < samples; b++) {
    const q = values[rng.int(K)]!;
    let sum = 0;
    for (let i = 0; i < E; i++) sum += q[rng.int(E)]!;
    means[b] = sum / E;
  }
  means.sort();
  const tail = (1 - Math.min(Math.max(confidence, 0), 1)) / 2;
  const at = (p: number): number => means[Math.min(samples - 1, Math.max(0, Math.round(p * (samples - 1))))]!;
  return [at(tail), at(1 - tail)];
}

/** κ: 1 / max(|mean r|, std r), so that κ·r is of order one. */
function rewardScale(rewards: Float32Array): number {
  let sum = 0,
    sq = 0;
  for (const v of rewards) {
    sum += v;
    sq += v * v;
  }
  const m = sum / rewards.length;
  const std = Math.sqrt(Math.max(sq / rewards.length - m * m, 0));
  const s = Math.max(Math.abs(m), std);
  return s > 0 ? 1 / s : 1;
}

function sampleRows(rows: Int32Array, max: number, rng: Rng): Int32Array {
  if (rows.length <= max) return rows;
  return Int32Array.from({ length: max }, () => rows[rng.int(rows.length)]!);
}

function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / Math.max(values.length, 1);
}
