/**
 * The guided diffusion world model of ADEPT (Fang & Lan 2024, §4.1 "Policy Evaluation using
 * Guided Diffusion Model"; docs/world-model.md):
 *
 *   s′ ~ p_θ(s′ | s, a)          a conditional DDPM (ddpm.ts) over the z-scored s′ (or Δs = s′ − s),
 *                                 c = (s, a) z-scored, K guided denoising steps, EMA weights
 *   (r, P(done)) = f_ψ(s, a, s′)  the reward/terminal model (reward.ts) fed the generated s′
 *
 * with generated states and rewards clipped to the training data's per-dimension range
 * (switchable, the paper's Table 4 ablation). Both parts train on the same batch with the
 * same per-sample weights (ADEPT's importance weights): L = Σ wᵢ·Lᵢ / Σ wᵢ.
 */
import type { Dataset } from "../data/dataset.js";
import type { TransitionBatch } from "../data/replay.js";
import { concatCols } from "../tensor/ops.js";
import { scope, Tensor } from "../tensor/tensor.js";
import { type ConfigOf, defineConfig, resolveConfig } from "../util/config.js";
import { Rng } from "../util/rng.js";
import { type FitOptions, fitOnRows } from "./batches.js";
import { ConditionalDDPM } from "./ddpm.js";
import { Standardizer, type WorldModelStats, worldModelStats } from "./normalization.js";
import { headerOf, readWorldModel, type WorldModelProvenance, writeWorldModel } from "./persist.js";
import { RewardTerminalModel } from "./reward.js";
import type { WorldModel, WorldModelMetrics, WorldModelStep } from "./types.js";

export const WORLD_MODEL_CONFIG = defineConfig({
  denoisingSteps: { default: 10, doc: "K, denoising steps of the DDPM (paper 10; Table 4 also tries 20)" },
  scheduleOffset: { default: 0.008, doc: "s, offset of the cosine noise schedule (Nichol & Dhariwal 2021)" },
  width: { default: 256, doc: "hidden width of the denoiser (paper 256)" },
  depth: { default: 3, doc: "hidden layers (mlp) or residual blocks (residual) of the denoiser (paper 3)" },
  architecture: {
    default: "mlp",
    doc: "denoiser body: the paper's plain MLP, or SynthER's residual blocks with LayerNorm",
    choices: ["mlp", "residual"],
  },
  activation: { default: "relu", doc: "hidden activation of the denoiser and of f_ψ", choices: ["relu", "silu", "mish", "tanh"] },
  embeddingDim: { default: 16, doc: "width of the sinusoidal embedding of the step k" },
  target: { default: "next", doc: "what the DDPM generates: s′ itself (paper) or the change Δs = s′ − s", choices: ["next", "delta"] },
  prediction: {
    default: "epsilon",
    doc: "what the denoiser predicts: the noise ε (DDPM, paper) or the clean target x₀",
    choices: ["epsilon", "x0"],
  },
  batchSize: { default: 256, doc: "transitions per training step (paper 256)" },
  lr: { default: 3e-4, doc: "Adam learning rate of the denoiser and of f_ψ (paper 3e-4)" },
  guidance: { default: 0.1, doc: "w, classifier-free guidance weight at sampling: ε̂ = (1+w)·ε(c) − w·ε(∅) (paper 0.1)" },
  conditionDropout: { default: 0.25, doc: "p_uncond, probability of training with the null condition ∅ (Decision Diffuser 0.25)" },
  emaDecay: { default: 0.995, doc: "decay of the EMA weights used for sampling (SynthER 0.995)" },
  clip: { default: true, doc: "clip generated states and rewards to the dataset's per-dimension range (paper: on; Table 4 ablation)" },
  rewardWidth: { default: 256, doc: "hidden width of the reward/terminal model f_ψ(s, a, s′)" },
  rewardDepth: { default: 2, doc: "hidden layers of f_ψ" },
  terminalWeight: { default: 1, doc: "λ_d, weight of the terminal BCE against the reward MSE in f_ψ's loss" },
});
/** The resolved configuration (literal defaults widened to their types). */
export type WorldModelConfig = Widened<ConfigOf<typeof WORLD_MODEL_CONFIG>>;

/** A config type with its fields widened from the defaults' literal types (`true` → boolean). */
export type Widened<T> = {
  [K in keyof T]: T[K] extends boolean ? boolean : T[K] extends number ? number : T[K] extends string ? string : T[K];
};

/** Rows sampled per chunk by `step` (bounds memory for very large batches). */
const STEP_CHUNK = 8192;

export class DiffusionWorldModel implements WorldModel {
  readonly kind = "diffusion";
  /** Its configuration; only {@link DiffusionWorldModel.setSampling} changes it, and only how it samples. */
  config: WorldModelConfig;
  readonly ddpm: ConditionalDDPM;
  readonly rewardModel: RewardTerminalModel;
  readonly rng: Rng;
  /** The data it was trained on, saved with it (set by whoever trains it; see persist.ts). */
  provenance?: WorldModelProvenance;
  private readonly obs: Standardizer;
  private readonly act: Standardizer;
  private readonly next: Standardizer; // s′ (observation mean/std, s′ range)
  private readonly target: Standardizer; // what the DDPM generates: s′ or Δs
  private readonly reward: Standardizer;
  private weightTensor = new Tensor(0, 1);

  constructor(
    readonly observationDim: number,
    readonly actionDim: number,
    readonly stats: WorldModelStats,
    config: Partial<WorldModelConfig> = {},
    seed = 0,
  ) {
    this.config = resolveConfig(WORLD_MODEL_CONFIG, config, "world model");
    const c = this.config;
    this.rng = new Rng(seed);
    this.obs = new Standardizer(stats.observations);
    this.act = new Standardizer(stats.actions);
    // s′ shares s's mean/std but keeps its own range for clipping.
    this.next = new Standardizer({ ...stats.observations, min: stats.nextObservations.min, max: stats.nextObservations.max });
    this.target = c.target === "delta" ? new Standardizer(stats.deltas) : this.next;
    this.reward = new Standardizer(stats.rewards);
    if (this.obs.dim !== observationDim || this.act.dim !== actionDim)
      throw new RangeError(
        `world model: statistics are for S ${this.obs.dim}, A ${this.act.dim}; the model is S ${observationDim}, A ${actionDim}`,
      );
    const activation = c.activation as "relu" | "silu" | "mish" | "tanh";
    this.ddpm = new ConditionalDDPM(
      observationDim,
      observationDim + actionDim,
      {
        steps: c.denoisingSteps,
        scheduleOffset: c.scheduleOffset,
        width: c.width,
        depth: c.depth,
        architecture: c.architecture as "mlp" | "residual",
        activation,
        embeddingDim: c.embeddingDim,
        prediction: c.prediction as "epsilon" | "x0",
        conditionDropout: c.conditionDropout,
        emaDecay: c.emaDecay,
        lr: c.lr,
      },
      this.rng,
    );
    this.rewardModel = new RewardTerminalModel(
      observationDim,
      actionDim,
      { width: c.rewardWidth, depth: c.rewardDepth, activation, lr: c.lr, terminalWeight: c.terminalWeight },
      this.rng,
    );
  }

  /** A model with statistics from `rows` of `dataset` (default: every row with a known s′). */
  static fromDataset(dataset: Dataset, config: Partial<WorldModelConfig> = {}, seed = 0, rows?: Int32Array): DiffusionWorldModel {
    return new DiffusionWorldModel(dataset.observationDim, dataset.actionDim, worldModelStats(dataset, rows), config, seed);
  }

  get updates(): number {
    return this.ddpm.updates;
  }

  update(batch: TransitionBatch, weights?: Float32Array): WorldModelMetrics {
    const B = batch.size;
    let w: Tensor | null = null;
    if (weights) {
      if (weights.length < B) throw new RangeError(`world model update: ${weights.length} weights for a batch of ${B}`);
      if (this.weightTensor.rows !== B) this.weightTensor = new Tensor(B, 1);
      this.weightTensor.data.set(weights.subarray(0, B));
      w = this.weightTensor;
    }
    return scope(() => {
      const s = this.obs.normalize(batch.observations, B); // [B,S]
      const a = this.act.normalize(batch.actions, B); // [B,A]
      const s2 = this.next.normalize(batch.nextObservations, B); // [B,S]
      const x0 = this.config.target === "delta" ? this.normalizedDelta(batch) : s2; // [B,S]
      const diffusion = this.ddpm.update(x0, concatCols([s, a]), w, this.rng);
      const r = this.reward.normalize(batch.rewards, B); // [B,1]
      const d = new Tensor(B, 1, batch.terminals); // [B,1]
      const losses = this.rewardModel.update(s, a, s2, r, d, w);
      const metrics: WorldModelMetrics = { "loss/diffusion": diffusion, "loss/reward": losses.reward, "loss/terminal": losses.terminal };
      if (weights) metrics["weights/ess"] = effectiveSampleSize(weights.subarray(0, B));
      return metrics;
    });
  }

  /** Δs = s′ − s of a batch, z-scored with the Δs statistics → [B,S]. */
  private normalizedDelta(batch: TransitionBatch): Tensor {
    const B = batch.size,
      S = this.observationDim;
    const raw = Tensor.empty(B, S);
    for (let i = 0; i < raw.size; i++) raw.data[i] = batch.nextObservations[i]! - batch.observations[i]!;
    return this.target.normalize(raw.data, B); // [B,S]
  }

  /**
   * Trains for `steps` updates on batches drawn uniformly from `rows` (default: every row
   * with a known s′); `onStep` sees each update's metrics.
   */
  fit(dataset: Dataset, steps: number, options: FitOptions = {}): WorldModelMetrics {
    return fitOnRows((batch) => this.update(batch), dataset, steps, this.config.batchSize, this.rng, options);
  }

  /**
   * Changes how the model samples, not what it learned: clipping generated states and rewards to
   * the data's range (`clip`), and the guidance weight w. Saved with the model from then on.
   */
  setSampling(options: Partial<Pick<WorldModelConfig, "clip" | "guidance">>): void {
    this.config = resolveConfig(WORLD_MODEL_CONFIG, { ...this.config, ...options }, "world model");
  }

  /**
   * Samples s′ ~ p_θ(· | s, a) with K guided denoising steps on the whole batch, then
   * (r, P(done)) = f_ψ(s, a, s′). Raw units in and out.
   */
  step(observations: Float32Array, actions: Float32Array, n: number, rng: Rng = this.rng, guidance = this.config.guidance): WorldModelStep {
    const S = this.observationDim,
      A = this.actionDim;
    if (observations.length < n * S || actions.length < n * A)
      throw new RangeError(`world model step: ${n} rows need ${n * S} observation and ${n * A} action values`);
    const out: WorldModelStep = {
      nextObservations: new Float32Array(n * S),
      rewards: new Float32Array(n),
      doneProbabilities: new Float32Array(n),
      terminals: new Uint8Array(n),
    };
    const clip = this.config.clip;
    for (let start = 0; start < n; start += STEP_CHUNK) {
      const m = Math.min(STEP_CHUNK, n - start);
      scope(() => {
        const s = this.obs.normalize(observations, m, start * S); // [m,S]
        const a = this.act.normalize(actions, m, start * A); // [m,A]
        const x = this.ddpm.sample(concatCols([s, a]), rng, {
          guidance,
          clip: clip ? { low: this.target.low, high: this.target.high } : null,
        }); // [m,S]
        const next = out.nextObservations;
        this.target.denormalizeInto(x, next, start * S);
        if (this.config.target === "delta") for (let i = 0; i < m * S; i++) next[start * S + i]! += observations[start * S + i]!;
        if (clip) this.next.clipRaw(next, start * S, m);
        const s2 = this.next.normalize(next, m, start * S); // [m,S]
        const { reward, doneProbability } = this.rewardModel.predict(s, a, s2); // [m,1] each
        this.reward.denormalizeInto(reward, out.rewards, start);
        if (clip) this.reward.clipRaw(out.rewards, start, m);
        out.doneProbabilities.set(doneProbability.data, start);
        for (let i = 0; i < m; i++) out.terminals[start + i] = doneProbability.data[i]! > 0.5 ? 1 : 0;
      });
    }
    return out;
  }

  /**
   * A step whose `uncertainties` are the spread of K ≥ 2 samples for the same (s, a) under
   * different noise: u = √(Σ_j Var_k s′_kj + Var_k r_k) in raw units (the revised ADEPT
   * paper's penalty; MOPO's ensemble spread in spirit). The transition returned is the first
   * sample, so with the same `rng` draws it is distributed as `step`'s. Costs K samples.
   */
  stepWithUncertainty(observations: Float32Array, actions: Float32Array, n: number, samples: number, rng: Rng = this.rng): WorldModelStep {
    if (!(Number.isInteger(samples) && samples >= 2))
      throw new RangeError(`stepWithUncertainty: samples must be an integer ≥ 2, got ${samples}`);
    const S = this.observationDim,
      A = this.actionDim,
      K = samples;
    const obs = new Float32Array(K * n * S),
      act = new Float32Array(K * n * A);
    for (let k = 0; k < K; k++) {
      obs.set(observations.subarray(0, n * S), k * n * S);
      act.set(actions.subarray(0, n * A), k * n * A);
    }
    const all = this.step(obs, act, K * n, rng); // rows k·n + i: sample k of pair i
    const uncertainties = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let j = 0; j <= S; j++) {
        let mean = 0,
          sq = 0;
        for (let k = 0; k < K; k++) {
          const v = j < S ? all.nextObservations[(k * n + i) * S + j]! : all.rewards[k * n + i]!;
          mean += v;
          sq += v * v;
        }
        mean /= K;
        total += Math.max(0, sq / K - mean * mean);
      }
      uncertainties[i] = Math.sqrt(total);
    }
    return {
      nextObservations: all.nextObservations.slice(0, n * S),
      rewards: all.rewards.slice(0, n),
      doneProbabilities: all.doneProbabilities.slice(0, n),
      terminals: all.terminals.slice(0, n),
      uncertainties,
    };
  }

  save(path: string): void {
    writeWorldModel(path, headerOf<WorldModelConfig>(this), {
      ddpm: this.ddpm.namedParameters(),
      reward: this.rewardModel.namedParameters(),
      "opt.ddpm": Object.entries(this.ddpm.optimizer.stateDict()),
      "opt.reward": Object.entries(this.rewardModel.optimizer.stateDict()),
    });
  }

  /** Restores a model written by {@link save}: weights, EMA, optimizer state, counters and RNG. */
  static load(path: string): DiffusionWorldModel {
    const { header, part } = readWorldModel<WorldModelConfig>(path, "diffusion");
    const model = new DiffusionWorldModel(header.observationDim, header.actionDim, header.stats, header.config);
    model.ddpm.loadStateDict(part("ddpm"), { file: path, part: "ddpm" });
    model.rewardModel.loadStateDict(part("reward"), { file: path, part: "reward" });
    model.ddpm.optimizer.loadStateDict(part("opt.ddpm"), { file: path, part: "ddpm optimizer" });
    model.rewardModel.optimizer.loadStateDict(part("opt.reward"), { file: path, part: "reward optimizer" });
    model.ddpm.updates = header.updates;
    model.rng.setState(header.rng);
    if (header.provenance) model.provenance = header.provenance;
    return model;
  }
}

/** (Σw)² / Σw², the effective sample size of importance weights. */
export function effectiveSampleSize(weights: ArrayLike<number>): number {
  let s = 0,
    s2 = 0;
  for (let i = 0; i < weights.length; i++) {
    s += weights[i]!;
    s2 += weights[i]! * weights[i]!;
  }
  return s2 > 0 ? (s * s) / s2 : 0;
}
