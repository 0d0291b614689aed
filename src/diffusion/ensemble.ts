/**
 * The baseline world model: a probabilistic ensemble of Gaussian MLPs as in MBPO/MOPO
 * (Chua et al. 2018; Janner et al. 2019; Yu et al. 2020). Each member e maps the z-scored
 * (s, a) to a diagonal Gaussian over y = (Δs, r) (z-scored), trained by Gaussian NLL:
 *
 *   L_e,i = mean_j [ (μ_e,j − y_j)² · exp(−log σ²_e,j) + log σ²_e,j ]
 *   log σ² = min + softplus(max − softplus(max − raw) − min)     (soft bounds, learned max/min)
 *   L = Σ_e Σ_i w_i·L_e,i / Σ_i w_i + 0.01·(Σ max − Σ min)
 *
 * Sampling picks a member uniformly per row among the elites (all members until
 * {@link GaussianEnsembleWorldModel.selectElites} has chosen the best `elites` by held-out
 * MSE, as MBPO/MOPO do) and draws y ~ N(μ, σ²). Each step also reports MOPO's uncertainty
 * u(s, a) = max_e ‖σ_e(s, a)‖₂ over every member, in raw units of (Δs, r) (MOPO's
 * "learned variance" penalty, Yu et al. 2020 §4.3 and its code's `penalty_learned_var`).
 * Terminals come from the same reward/terminal model f_ψ(s, a, s′) the diffusion model uses.
 * NOTE(deviation): MOPO trains its members on bootstrapped data until the hold-out loss stops
 * improving; here every member sees the same batches for a fixed number of steps (diversity
 * from initialization only), so that both world models get exactly the same data and budget.
 */
import type { Dataset } from "../data/dataset.js";
import type { TransitionBatch } from "../data/replay.js";
import { MLP } from "../nn/layers.js";
import { Module, parameter, prefixed } from "../nn/module.js";
import { Adam } from "../nn/optim.js";
import { add, concatCols, exp, mean, mul, neg, scale, sliceCols, softplus, square, sub, sum } from "../tensor/ops.js";
import { backward, noGrad, scope, Tensor } from "../tensor/tensor.js";
import { type ConfigOf, defineConfig, resolveConfig } from "../util/config.js";
import { Rng } from "../util/rng.js";
import { type FitOptions, fitOnRows } from "./batches.js";
import { Standardizer, type WorldModelStats, worldModelStats } from "./normalization.js";
import { weightedMean } from "./ops.js";
import { headerOf, readWorldModel, type WorldModelProvenance, writeWorldModel } from "./persist.js";
import { RewardTerminalModel } from "./reward.js";
import type { WorldModel, WorldModelMetrics, WorldModelStep } from "./types.js";
import { effectiveSampleSize, type Widened } from "./world-model.js";

export const ENSEMBLE_CONFIG = defineConfig({
  members: { default: 7, doc: "ensemble size (MOPO 7)" },
  width: { default: 200, doc: "hidden width of each member (MOPO 200)" },
  depth: { default: 4, doc: "hidden layers of each member (MOPO 4)" },
  activation: { default: "silu", doc: "hidden activation (MOPO: swish = silu)", choices: ["relu", "silu", "mish", "tanh"] },
  lr: { default: 1e-3, doc: "Adam learning rate (MOPO 1e-3)" },
  batchSize: { default: 256, doc: "transitions per training step (same as the diffusion model)" },
  clip: { default: true, doc: "clip generated states and rewards to the dataset's per-dimension range" },
  elites: { default: 5, doc: "members sampled from once selectElites has ranked them by held-out MSE (MOPO 5 of 7)" },
  rewardWidth: { default: 256, doc: "hidden width of the terminal model f_ψ(s, a, s′)" },
  rewardDepth: { default: 2, doc: "hidden layers of f_ψ" },
  terminalWeight: { default: 1, doc: "λ_d, weight of the terminal BCE in f_ψ's loss" },
});
/** The resolved configuration (literal defaults widened to their types). */
export type EnsembleConfig = Widened<ConfigOf<typeof ENSEMBLE_CONFIG>>;

/** The E Gaussian members and the learned log-variance bounds. */
export class GaussianEnsemble extends Module {
  readonly members: MLP[];
  readonly maxLogVar: Tensor; // [1, Y]
  readonly minLogVar: Tensor; // [1, Y]

  constructor(
    readonly inDim: number,
    readonly outDim: number, // Y
    config: EnsembleConfig,
    rng: Rng,
  ) {
    super();
    const hidden = Array(config.depth).fill(config.width);
    const activation = config.activation as "relu" | "silu" | "mish" | "tanh";
    this.members = Array.from({ length: config.members }, () => new MLP(inDim, 2 * outDim, { hidden, activation }, rng));
    this.maxLogVar = parameter(1, outDim);
    this.maxLogVar.data.fill(0.5); // MBPO's initial bounds
    this.minLogVar = parameter(1, outDim);
    this.minLogVar.data.fill(-10);
  }

  /** Member e's mean and bounded log-variance for inputs x [B, in] → [B, Y] each. */
  forward(e: number, x: Tensor): { mean: Tensor; logVar: Tensor } {
    const out = this.members[e]!.forward(x); // [B, 2Y]
    const Y = this.outDim;
    const raw = sliceCols(out, Y, 2 * Y);
    const upper = sub(this.maxLogVar, softplus(sub(this.maxLogVar, raw))); // [B,Y]
    return { mean: sliceCols(out, 0, Y), logVar: add(this.minLogVar, softplus(sub(upper, this.minLogVar))) };
  }

  namedParameters(): [string, Tensor][] {
    return [...this.members.flatMap((m, e) => prefixed(`members.${e}`, m)), ["maxLogVar", this.maxLogVar], ["minLogVar", this.minLogVar]];
  }
}

export class GaussianEnsembleWorldModel implements WorldModel {
  readonly kind = "gaussian-ensemble";
  readonly config: EnsembleConfig;
  readonly ensemble: GaussianEnsemble;
  readonly terminalModel: RewardTerminalModel;
  readonly optimizer: Adam;
  readonly rng: Rng;
  /** The data it was trained on, saved with it (set by whoever trains it; see persist.ts). */
  provenance?: WorldModelProvenance;
  updates = 0;
  /** The members `step` samples from: every member until {@link selectElites} picks the best. */
  elites: number[];
  private readonly obs: Standardizer;
  private readonly act: Standardizer;
  private readonly next: Standardizer;
  private readonly delta: Standardizer;
  private readonly reward: Standardizer;
  private weightTensor = new Tensor(0, 1);

  constructor(
    readonly observationDim: number,
    readonly actionDim: number,
    readonly stats: WorldModelStats,
    config: Partial<EnsembleConfig> = {},
    seed = 0,
  ) {
    this.config = resolveConfig(ENSEMBLE_CONFIG, config, "ensemble world model");
    this.rng = new Rng(seed);
    this.obs = new Standardizer(stats.observations);
    this.act = new Standardizer(stats.actions);
    this.next = new Standardizer({ ...stats.observations, min: stats.nextObservations.min, max: stats.nextObservations.max });
    this.delta = new Standardizer(stats.deltas);
    this.reward = new Standardizer(stats.rewards);
    const c = this.config;
    this.ensemble = new GaussianEnsemble(observationDim + actionDim, observationDim + 1, c, this.rng);
    this.optimizer = new Adam(this.ensemble.parameters(), { lr: c.lr });
    this.elites = Array.from({ length: c.members }, (_, e) => e);
    if (!(Number.isInteger(c.elites) && c.elites >= 1))
      throw new RangeError(`ensemble world model: elites must be an integer ≥ 1, got ${c.elites}`);
    this.terminalModel = new RewardTerminalModel(
      observationDim,
      actionDim,
      { width: c.rewardWidth, depth: c.rewardDepth, activation: "relu", lr: 3e-4, terminalWeight: c.terminalWeight },
      this.rng,
    );
  }

  /** A model with statistics from `rows` of `dataset` (default: every row with a known s′). */
  static fromDataset(dataset: Dataset, config: Partial<EnsembleConfig> = {}, seed = 0, rows?: Int32Array): GaussianEnsembleWorldModel {
    return new GaussianEnsembleWorldModel(dataset.observationDim, dataset.actionDim, worldModelStats(dataset, rows), config, seed);
  }

  update(batch: TransitionBatch, weights?: Float32Array): WorldModelMetrics {
    const B = batch.size,
      S = this.observationDim;
    let w: Tensor | null = null;
    if (weights) {
      if (this.weightTensor.rows !== B) this.weightTensor = new Tensor(B, 1);
      this.weightTensor.data.set(weights.subarray(0, B));
      w = this.weightTensor;
    }
    return scope(() => {
      const s = this.obs.normalize(batch.observations, B); // [B,S]
      const a = this.act.normalize(batch.actions, B); // [B,A]
      const s2 = this.next.normalize(batch.nextObservations, B); // [B,S]
      const rawDelta = Tensor.empty(B, S);
      for (let i = 0; i < rawDelta.size; i++) rawDelta.data[i] = batch.nextObservations[i]! - batch.observations[i]!;
      const y = concatCols([this.delta.normalize(rawDelta.data, B), this.reward.normalize(batch.rewards, B)]); // [B,S+1]
      const x = concatCols([s, a]); // [B,S+A]
      let nll: Tensor | null = null;
      let mse = 0;
      for (let e = 0; e < this.ensemble.members.length; e++) {
        const { mean: mu, logVar } = this.ensemble.forward(e, x);
        const sq = square(sub(mu, y)); // [B,Y]
        const perSample = mean(add(mul(sq, exp(neg(logVar))), logVar), 1); // [B,1]
        const term = weightedMean(perSample, w);
        nll = nll ? add(nll, term) : term;
        mse += noGrad(() => weightedMean(mean(sq, 1), w).item());
      }
      const bounds = scale(sub(sum(this.ensemble.maxLogVar), sum(this.ensemble.minLogVar)), 0.01);
      const loss = add(nll!, bounds);
      this.optimizer.zeroGrad();
      backward(loss);
      this.optimizer.step();
      const d = new Tensor(B, 1, batch.terminals);
      const terminal = this.terminalModel.update(s, a, s2, this.reward.normalize(batch.rewards, B), d, w);
      this.updates++;
      const metrics: WorldModelMetrics = {
        "loss/nll": nll!.item() / this.ensemble.members.length,
        "loss/mse": mse / this.ensemble.members.length,
        "loss/terminal": terminal.terminal,
      };
      if (weights) metrics["weights/ess"] = effectiveSampleSize(weights.subarray(0, B));
      return metrics;
    });
  }

  /** Trains for `steps` updates on batches drawn uniformly from `rows` (default: every row with a known s′). */
  fit(dataset: Dataset, steps: number, options: FitOptions = {}): WorldModelMetrics {
    return fitOnRows((batch) => this.update(batch), dataset, steps, this.config.batchSize, this.rng, options);
  }

  /**
   * Ranks the members by their mean squared error of μ on `rows` (normalized (Δs, r), as
   * MBPO's hold-out loss) and keeps the best `config.elites` for sampling; returns each
   * member's error.
   */
  selectElites(dataset: Dataset, rows: Int32Array): number[] {
    if (rows.length === 0) throw new RangeError("selectElites: no rows to rank the members on");
    const E = this.ensemble.members.length,
      S = this.observationDim,
      A = this.actionDim,
      chunk = 4096;
    const errors = new Array<number>(E).fill(0);
    const batch = { obs: new Float32Array(chunk * S), act: new Float32Array(chunk * A), delta: new Float32Array(chunk * S) };
    const rewards = new Float32Array(chunk);
    for (let start = 0; start < rows.length; start += chunk) {
      const m = Math.min(chunk, rows.length - start);
      for (let i = 0; i < m; i++) {
        const r = rows[start + i]!;
        batch.obs.set(dataset.observations.subarray(r * S, (r + 1) * S), i * S);
        batch.act.set(dataset.actions.subarray(r * A, (r + 1) * A), i * A);
        for (let j = 0; j < S; j++) batch.delta[i * S + j] = dataset.nextObservations[r * S + j]! - dataset.observations[r * S + j]!;
        rewards[i] = dataset.rewards[r]!;
      }
      scope(() =>
        noGrad(() => {
          const x = concatCols([this.obs.normalize(batch.obs, m), this.act.normalize(batch.act, m)]);
          const y = concatCols([this.delta.normalize(batch.delta, m), this.reward.normalize(rewards, m)]);
          for (let e = 0; e < E; e++) errors[e]! += sum(square(sub(this.ensemble.forward(e, x).mean, y))).item();
        }),
      );
    }
    const mse = errors.map((v) => v / (rows.length * (S + 1)));
    this.elites = mse
      .map((v, e) => [v, e] as const)
      .sort((p, q) => p[0] - q[0])
      .slice(0, Math.min(this.config.elites, E)) // an ensemble smaller than `elites` keeps every member
      .map(([, e]) => e)
      .sort((p, q) => p - q);
    return mse;
  }

  step(observations: Float32Array, actions: Float32Array, n: number, rng: Rng = this.rng): WorldModelStep {
    const S = this.observationDim,
      Y = S + 1,
      E = this.ensemble.members.length;
    const out: WorldModelStep = {
      nextObservations: new Float32Array(n * S),
      rewards: new Float32Array(n),
      doneProbabilities: new Float32Array(n),
      terminals: new Uint8Array(n),
      uncertainties: new Float32Array(n),
    };
    const elites = this.elites;
    // Raw-unit scale of each output: σ_raw = σ_normalized · std (Δs dims, then r).
    const rawStd = Float32Array.from([...this.delta.std, ...this.reward.std]);
    scope(() =>
      noGrad(() => {
        const s = this.obs.normalize(observations, n); // [n,S]
        const a = this.act.normalize(actions, n); // [n,A]
        const x = concatCols([s, a]);
        const heads = Array.from({ length: E }, (_, e) => this.ensemble.forward(e, x));
        const u = out.uncertainties!;
        for (const { logVar } of heads)
          for (let i = 0; i < n; i++) {
            let norm2 = 0;
            for (let j = 0; j < Y; j++) norm2 += Math.exp(logVar.data[i * Y + j]!) * rawStd[j]! * rawStd[j]!;
            if (norm2 > u[i]! ** 2) u[i] = Math.sqrt(norm2);
          }
        const yn = Tensor.empty(n, Y); // sampled (Δs, r), normalized  [n,Y]
        for (let i = 0; i < n; i++) {
          const { mean: mu, logVar } = heads[elites[rng.int(elites.length)]!]!;
          for (let j = 0; j < Y; j++) {
            const p = i * Y + j;
            yn.data[p] = mu.data[p]! + Math.exp(0.5 * logVar.data[p]!) * rng.normal();
          }
        }
        const deltaN = sliceCols(yn, 0, S);
        this.delta.denormalizeInto(deltaN, out.nextObservations);
        for (let i = 0; i < n * S; i++) out.nextObservations[i]! += observations[i]!;
        this.reward.denormalizeInto(sliceCols(yn, S, Y), out.rewards);
        if (this.config.clip) {
          this.next.clipRaw(out.nextObservations, 0, n);
          this.reward.clipRaw(out.rewards, 0, n);
        }
        const { doneProbability } = this.terminalModel.predict(s, a, this.next.normalize(out.nextObservations, n));
        out.doneProbabilities.set(doneProbability.data);
        for (let i = 0; i < n; i++) out.terminals[i] = doneProbability.data[i]! > 0.5 ? 1 : 0;
      }),
    );
    return out;
  }

  save(path: string): void {
    writeWorldModel(path, headerOf<EnsembleConfig>(this), {
      ensemble: this.ensemble.namedParameters(),
      terminal: this.terminalModel.namedParameters(),
      "opt.ensemble": Object.entries(this.optimizer.stateDict()),
      "opt.terminal": Object.entries(this.terminalModel.optimizer.stateDict()),
      elites: [["indices", new Tensor(1, this.elites.length, Float32Array.from(this.elites))]],
    });
  }

  /** Restores a model written by {@link save}. */
  static load(path: string): GaussianEnsembleWorldModel {
    const { header, part } = readWorldModel<EnsembleConfig>(path, "gaussian-ensemble");
    const model = new GaussianEnsembleWorldModel(header.observationDim, header.actionDim, header.stats, header.config);
    model.ensemble.loadStateDict(part("ensemble"), { file: path, part: "ensemble" });
    model.terminalModel.loadStateDict(part("terminal"), { file: path, part: "terminal" });
    model.optimizer.loadStateDict(part("opt.ensemble"), { file: path, part: "ensemble optimizer" });
    model.terminalModel.optimizer.loadStateDict(part("opt.terminal"), { file: path, part: "terminal optimizer" });
    model.updates = header.updates;
    const elites = part("elites").indices; // absent in files written before elites were kept: every member
    if (elites) model.elites = Array.from(elites.data, (e) => Math.round(e));
    model.rng.setState(header.rng);
    if (header.provenance) model.provenance = header.provenance;
    return model;
  }
}
