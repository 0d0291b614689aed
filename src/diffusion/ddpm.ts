/**
 * The conditional DDPM with classifier-free guidance: generates a target x ∈ ℝ^D (already
 * normalized) given a condition c ∈ ℝ^C. Generic over what x and c are; the world model
 * (world-model.ts) uses x = s′ or Δs and c = (s, a).
 *
 * Training (DDPM eq. 14, with condition dropout for classifier-free guidance):
 *   k ~ U{1…K},  ε ~ N(0, I),  x_k = √ᾱ_k·x_0 + √(1 − ᾱ_k)·ε,  c ← ∅ with probability p_uncond
 *   L_i = ‖ε − ε_θ(x_k, k, c)‖² / D          (prediction "epsilon")
 *   L_i = ‖x_0 − x̂_θ(x_k, k, c)‖² / D         (prediction "x0")
 *   L = Σ w_i·L_i / Σ w_i                      (per-sample weights, e.g. importance weights)
 * Sampling: x_K ~ N(0, I); for k = K…1 the guided prediction (ops.ts `guidedEpsilon`), x̂_0
 * (clipped to the data range when clipping is on), and the ancestral step to x_{k−1}.
 * The EMA of the weights (SynthER, decay 0.995) is what samples by default.
 */
import { Module, prefixed } from "../nn/module.js";
import { Adam, polyakUpdate } from "../nn/optim.js";
import type { ActivationName } from "../tensor/kernels.js";
import { add, gatherRows, mean, mul, randomNormal, square, sub } from "../tensor/ops.js";
import { backward, noGrad, scope, Tensor } from "../tensor/tensor.js";
import type { Rng } from "../util/rng.js";
import { Denoiser } from "./denoiser.js";
import { sinusoidalEmbedding } from "./embedding.js";
import { clipColumnsInPlace, guidedEpsilon, posteriorStep, predictX0, weightedMean } from "./ops.js";
import { cosineSchedule, type NoiseSchedule } from "./schedule.js";

/** Hyper-parameters of a {@link ConditionalDDPM} (defaults: see WORLD_MODEL_CONFIG in world-model.ts). */
export interface DDPMOptions {
  /** K, denoising steps. */
  steps: number;
  /** s, offset of the cosine schedule. */
  scheduleOffset: number;
  width: number;
  depth: number;
  architecture: "mlp" | "residual";
  activation: ActivationName;
  embeddingDim: number;
  /** What the network predicts: the noise ε or the clean target x_0. */
  prediction: "epsilon" | "x0";
  /** p_uncond, probability of training a sample with the null condition ∅. */
  conditionDropout: number;
  /** Decay of the EMA weights used for sampling (SynthER 0.995); the EMA moves by 1 − decay each step. */
  emaDecay: number;
  lr: number;
}

/** Options of one sampling call. */
export interface SampleOptions {
  /** w, guidance weight (0: the conditional model alone). */
  guidance: number;
  /** Per-dimension bounds of x̂_0 and of the result (normalized units), or null for no clipping. */
  clip: { low: Float32Array; high: Float32Array } | null;
  /** Sample with the EMA weights (default) or the online weights. */
  useEma?: boolean;
}

export class ConditionalDDPM extends Module {
  readonly schedule: NoiseSchedule;
  readonly denoiser: Denoiser;
  /** EMA of the denoiser's weights, used for sampling. */
  readonly ema: Denoiser;
  readonly optimizer: Adam;
  /** emb(k) for k = 0…K [K+1, E]. */
  private readonly embeddings: Tensor;
  // Per-row buffers of one training step, reused across steps.
  private stepIndex = new Int32Array(0); // k_i
  /** Training steps taken. */
  updates = 0;

  constructor(
    readonly targetDim: number, // D
    readonly conditionDim: number, // C
    readonly options: DDPMOptions,
    rng: Rng,
  ) {
    super();
    if (!(options.conditionDropout >= 0 && options.conditionDropout <= 1))
      throw new RangeError(`conditionDropout must be in [0, 1], got ${options.conditionDropout}`);
    this.schedule = cosineSchedule(options.steps, options.scheduleOffset);
    this.embeddings = sinusoidalEmbedding(options.steps, options.embeddingDim);
    const denoiserOptions = {
      width: options.width,
      depth: options.depth,
      architecture: options.architecture,
      activation: options.activation,
      embeddingDim: options.embeddingDim,
    };
    this.denoiser = new Denoiser(targetDim, conditionDim, denoiserOptions, rng);
    this.ema = new Denoiser(targetDim, conditionDim, denoiserOptions, rng);
    this.ema.copyFrom(this.denoiser);
    this.optimizer = new Adam(this.denoiser.parameters(), { lr: options.lr });
  }

  /**
   * The diffusion loss on a batch: targets x_0 [B, D], conditions c [B, C], optional weights
   * [B, 1] → the (weighted) mean loss, 1 × 1, differentiable in the denoiser. Draws k, ε and
   * the dropout mask from `rng`. Call inside a scope.
   */
  loss(x0: Tensor, condition: Tensor, weights: Tensor | null, rng: Rng): Tensor {
    const B = x0.rows;
    const S = this.schedule;
    if (this.stepIndex.length !== B) this.stepIndex = new Int32Array(B);
    const ks = this.stepIndex;
    const signal = Tensor.empty(B, 1); // √ᾱ_k  [B,1]
    const noiseScale = Tensor.empty(B, 1); // √(1 − ᾱ_k)  [B,1]
    const mask = Tensor.empty(B, 1); // m_i: 1 = conditioned, 0 = ∅  [B,1]
    for (let i = 0; i < B; i++) {
      const k = 1 + rng.int(S.steps);
      ks[i] = k;
      signal.data[i] = S.sqrtAlphaBars[k]!;
      noiseScale.data[i] = S.sqrtOneMinusAlphaBars[k]!;
      mask.data[i] = rng.uniform() < this.options.conditionDropout ? 0 : 1;
    }
    const eps = randomNormal(B, this.targetDim, rng); // ε  [B,D]
    const xk = add(mul(x0, signal), mul(eps, noiseScale)); // x_k = √ᾱ_k·x_0 + √(1−ᾱ_k)·ε  [B,D]
    const emb = gatherRows(this.embeddings, ks); // [B,E]
    const out = this.denoiser.forward(xk, emb, mul(condition, mask), mask); // [B,D]
    const target = this.options.prediction === "epsilon" ? eps : x0;
    const perSample = mean(square(sub(out, target)), 1); // L_i  [B,1]
    return weightedMean(perSample, weights);
  }

  /** One Adam step on {@link loss}, then the EMA update; returns the (weighted) loss. */
  update(x0: Tensor, condition: Tensor, weights: Tensor | null, rng: Rng): number {
    return scope(() => {
      const loss = this.loss(x0, condition, weights, rng);
      this.optimizer.zeroGrad();
      backward(loss);
      this.optimizer.step();
      polyakUpdate(this.ema, this.denoiser, 1 - this.options.emaDecay);
      this.updates++;
      return loss.item();
    });
  }

  /**
   * The network's prediction converted to ε̂ for step k on a whole batch: conditional, and
   * guided by the unconditional one when w ≠ 0. A prediction of x_0 is guided the same way:
   * ε is affine in x̂_0 for fixed x_k, so guiding either is the same.
   */
  private guidedPrediction(
    net: Denoiser,
    xk: Tensor,
    k: number,
    cond: Tensor,
    ones: Tensor,
    nullCond: Tensor,
    zeros: Tensor,
    w: number,
  ): Tensor {
    const B = xk.rows;
    const emb = gatherRows(this.embeddings, this.constantSteps(B, k)); // [B,E]
    const conditional = net.forward(xk, emb, cond, ones); // [B,D]
    if (w === 0) return conditional;
    const unconditional = net.forward(xk, emb, nullCond, zeros); // [B,D]
    return guidedEpsilon(conditional, unconditional, w);
  }

  private sampleSteps = new Int32Array(0);
  private constantSteps(B: number, k: number): Int32Array {
    if (this.sampleSteps.length !== B) this.sampleSteps = new Int32Array(B);
    return this.sampleSteps.fill(k);
  }

  /**
   * Samples x_0 [B, D] for conditions c [B, C] with the guided K-step ancestral chain; every
   * step runs on the whole batch inside its own scope. Noise comes from `rng` (same rng state
   * and weights → bitwise the same samples). The result escapes like a scope's result: into
   * the caller's scope, or owning its memory at top level.
   */
  sample(condition: Tensor, rng: Rng, options: SampleOptions): Tensor {
    const B = condition.rows;
    const S = this.schedule;
    const net = options.useEma === false ? this.denoiser : this.ema;
    const { guidance: w, clip } = options;
    return noGrad(() =>
      scope(() => {
        const ones = Tensor.full(B, 1, 1); // m = 1  [B,1]
        const zeros = Tensor.full(B, 1, 0); // m = 0  [B,1]
        const nullCond = Tensor.full(B, this.conditionDim, 0); // ∅  [B,C]
        let x = randomNormal(B, this.targetDim, rng); // x_K ~ N(0, I)  [B,D]
        for (let k = S.steps; k >= 1; k--) {
          const xk = x;
          const next = scope(() => {
            const prediction = this.guidedPrediction(net, xk, k, condition, ones, nullCond, zeros, w); // [B,D]
            const x0 =
              this.options.prediction === "epsilon"
                ? predictX0(xk, prediction, S.sqrtAlphaBars[k]!, S.sqrtOneMinusAlphaBars[k]!)
                : prediction;
            if (clip) clipColumnsInPlace(x0, clip.low, clip.high);
            const noise = k > 1 ? randomNormal(B, this.targetDim, rng) : null;
            return posteriorStep(xk, x0, S.posteriorX0Coef[k]!, S.posteriorXkCoef[k]!, S.posteriorStd[k]!, noise); // x_{k−1}  [B,D]
          });
          x = next;
        }
        if (clip) clipColumnsInPlace(x, clip.low, clip.high);
        return x;
      }),
    );
  }

  /** Parameters: the online denoiser ("denoiser.*") and its EMA ("ema.*"). */
  namedParameters(): [string, Tensor][] {
    return [...prefixed("denoiser", this.denoiser), ...prefixed("ema", this.ema)];
  }
}
