/**
 * The denoiser network of the conditional DDPM: one MLP over
 *
 *   [ x_k (D) | emb(k) (E) | m·c (C) | m (1) ]  →  ε̂ or x̂_0 (D)
 *
 * where c = (s, a) is the condition and m ∈ {0, 1} says whether it is present: the null
 * condition ∅ of classifier-free guidance is (m·c, m) = (0, 0).
 * NOTE(deviation): Decision Diffuser and SynthER mark ∅ by zeroing c alone; the extra
 * indicator column keeps ∅ distinct from a real condition that happens to be 0 (a z-scored
 * mean state), at the cost of one input.
 *
 * Two bodies: the paper's plain MLP (depth hidden layers of `width`) or SynthER's residual
 * MLP (`x + Linear(act(LayerNorm(x)))` blocks, see src/nn/layers.ts).
 */

import { MLP, ResidualMLP } from "../nn/layers.js";
import { Module, prefixed } from "../nn/module.js";
import type { ActivationName } from "../tensor/kernels.js";
import { concatCols } from "../tensor/ops.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Rng } from "../util/rng.js";

/** Shape and body of a {@link Denoiser}. */
export interface DenoiserOptions {
  /** Hidden width (paper 256). */
  width: number;
  /** Hidden layers (plain MLP) or residual blocks (residual body) (paper 3). */
  depth: number;
  /** "mlp": the paper's plain MLP; "residual": SynthER's residual blocks with LayerNorm. */
  architecture: "mlp" | "residual";
  activation: ActivationName;
  /** E, width of the step embedding. */
  embeddingDim: number;
}

export class Denoiser extends Module {
  readonly net: MLP | ResidualMLP;

  constructor(
    readonly targetDim: number, // D
    readonly conditionDim: number, // C
    readonly options: DenoiserOptions,
    rng: Rng,
  ) {
    super();
    const inDim = targetDim + options.embeddingDim + conditionDim + 1;
    this.net =
      options.architecture === "residual"
        ? new ResidualMLP(inDim, targetDim, { width: options.width, depth: options.depth, activation: options.activation }, rng)
        : new MLP(inDim, targetDim, { hidden: Array(options.depth).fill(options.width), activation: options.activation }, rng);
  }

  /**
   * The network's prediction for noisy targets x_k [B, D], step embeddings emb [B, E], masked
   * conditions m·c [B, C] and masks m [B, 1] → [B, D].
   */
  forward(xk: Tensor, emb: Tensor, maskedCondition: Tensor, mask: Tensor): Tensor {
    return this.net.forward(concatCols([xk, emb, maskedCondition, mask])); // [B, D+E+C+1] → [B, D]
  }

  namedParameters(): [string, Tensor][] {
    return prefixed("net", this.net);
  }
}
