/**
 * The reward and terminal model f_ψ(s, a, s′) → (r̂, logit P(done)) of ADEPT (Fang & Lan 2024, §4.1; docs/world-model.md):
 * one MLP over the normalized [s | a | s′] with two outputs, trained on real transitions by
 *
 *   L_i = (r̂_i − r_i)² + λ_d · BCE(z_i, d_i),   BCE(z, d) = softplus(z) − d·z   (logit form, stable)
 *   L = Σ w_i·L_i / Σ w_i
 *
 * with r z-scored. Feeding s′ is what makes terminals accurate: termination is a function of
 * the next state in the locomotion tasks.
 */
import { MLP } from "../nn/layers.js";
import { Module, prefixed } from "../nn/module.js";
import { Adam } from "../nn/optim.js";
import type { ActivationName } from "../tensor/kernels.js";
import { add, concatCols, mul, scale, sigmoid, sliceCols, softplus, square, sub } from "../tensor/ops.js";
import { backward, noGrad, scope, type Tensor } from "../tensor/tensor.js";
import type { Rng } from "../util/rng.js";
import { weightedMean } from "./ops.js";

/** Hyper-parameters of a {@link RewardTerminalModel}. */
export interface RewardTerminalOptions {
  width: number;
  depth: number;
  activation: ActivationName;
  lr: number;
  /** λ_d, weight of the terminal BCE against the reward MSE. */
  terminalWeight: number;
}

/** Losses of one batch (weighted means). */
export interface RewardTerminalLosses {
  reward: number;
  terminal: number;
}

export class RewardTerminalModel extends Module {
  readonly net: MLP;
  readonly optimizer: Adam;

  constructor(
    readonly observationDim: number,
    readonly actionDim: number,
    readonly options: RewardTerminalOptions,
    rng: Rng,
  ) {
    super();
    const hidden = Array(options.depth).fill(options.width);
    this.net = new MLP(2 * observationDim + actionDim, 2, { hidden, activation: options.activation }, rng);
    this.optimizer = new Adam(this.net.parameters(), { lr: options.lr });
  }

  /** Normalized s [B,S], a [B,A], s′ [B,S] → (r̂ [B,1] normalized, logit z [B,1]). */
  forward(s: Tensor, a: Tensor, s2: Tensor): { reward: Tensor; logit: Tensor } {
    const out = this.net.forward(concatCols([s, a, s2])); // [B, 2]
    return { reward: sliceCols(out, 0, 1), logit: sliceCols(out, 1, 2) };
  }

  /** One Adam step on the (weighted) loss; r [B,1] normalized, d [B,1] ∈ {0,1}, weights [B,1] or null. */
  update(s: Tensor, a: Tensor, s2: Tensor, r: Tensor, d: Tensor, weights: Tensor | null): RewardTerminalLosses {
    return scope(() => {
      const { reward, logit } = this.forward(s, a, s2);
      const rewardLoss = square(sub(reward, r)); // [B,1]
      const terminalLoss = sub(softplus(logit), mul(d, logit)); // BCE with logits  [B,1]
      const total = weightedMean(add(rewardLoss, scale(terminalLoss, this.options.terminalWeight)), weights);
      this.optimizer.zeroGrad();
      backward(total);
      this.optimizer.step();
      return noGrad(() => ({ reward: weightedMean(rewardLoss, weights).item(), terminal: weightedMean(terminalLoss, weights).item() }));
    });
  }

  /** r̂ (normalized) and P(done) for a batch, without gradients; both [B,1], escaping the caller's scope. */
  predict(s: Tensor, a: Tensor, s2: Tensor): { reward: Tensor; doneProbability: Tensor } {
    return noGrad(() => {
      const { reward, logit } = this.forward(s, a, s2);
      return { reward, doneProbability: sigmoid(logit) };
    });
  }

  namedParameters(): [string, Tensor][] {
    return prefixed("net", this.net);
  }
}
