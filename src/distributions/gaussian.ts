/**
 * Diagonal Gaussian and tanh-squashed Gaussian policies' distributions, built from
 * differentiable ops so that log-probs and reparameterized samples carry gradients.
 */
import { add, addScalar, atanh, clamp, exp, mul, randomNormal, scale, softplus, square, sub, sum, tanh } from "../tensor/ops.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Rng } from "../util/rng.js";

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** N(mean, diag(exp(logStd)²)); mean [B, A], logStd [B, A] or [1, A]. */
export class DiagGaussian {
  readonly std: Tensor;

  constructor(
    readonly mean: Tensor,
    readonly logStd: Tensor,
  ) {
    this.std = exp(logStd);
  }

  /** log N(x; μ, σ²) summed over dimensions → [B, 1]. */
  logProb(x: Tensor): Tensor {
    const z = mul(sub(x, this.mean), exp(scale(this.logStd, -1))); // (x − μ)/σ  [B, A]
    // −½z² − log σ − ½ log 2π, per dimension
    const perDim = addScalar(sub(scale(square(z), -0.5), this.logStd), -HALF_LOG_2PI);
    return sum(perDim, 1);
  }

  /** Entropy Σ (½ + ½ log 2π + log σ) → [B or 1, 1]. */
  entropy(): Tensor {
    return sum(addScalar(this.logStd, 0.5 + HALF_LOG_2PI), 1);
  }

  /** A reparameterized sample μ + σ·ε, ε ~ N(0, I) → [B, A]. */
  rsample(rng: Rng): Tensor {
    const eps = randomNormal(this.mean.rows, this.mean.cols, rng);
    return add(this.mean, mul(this.std, eps));
  }

  /** The most likely value, μ. */
  mode(): Tensor {
    return this.mean;
  }
}

/**
 * a = tanh(u), u ~ N(μ, σ²): the SAC policy distribution. log p(a) = log N(u) − Σ log(1 − tanh²u),
 * with log(1 − tanh²u) = 2(log 2 − u − softplus(−2u)) for numerical stability.
 */
export class TanhGaussian {
  readonly base: DiagGaussian;

  constructor(mean: Tensor, logStd: Tensor) {
    this.base = new DiagGaussian(mean, logStd);
  }

  /** Σ log(1 − tanh²u) → [B, 1]. */
  private static logJacobian(u: Tensor): Tensor {
    const perDim = scale(add(u, softplus(scale(u, -2))), -2); // −2(u + softplus(−2u))
    return sum(addScalar(perDim, 2 * Math.LN2), 1);
  }

  /** A reparameterized sample and its log-prob: {action [B, A], logProb [B, 1]}. */
  rsample(rng: Rng): { action: Tensor; logProb: Tensor } {
    const u = this.base.rsample(rng);
    const logProb = sub(this.base.logProb(u), TanhGaussian.logJacobian(u));
    return { action: tanh(u), logProb };
  }

  /** log p(a) of given actions in (−1, 1), clipped to ±(1 − 1e-6) before atanh → [B, 1]. */
  logProb(action: Tensor): Tensor {
    const u = atanh(clamp(action, -1 + 1e-6, 1 - 1e-6));
    return sub(this.base.logProb(u), TanhGaussian.logJacobian(u));
  }

  /** Monte-Carlo entropy estimate −log p(a) of one reparameterized sample per row → [B, 1]. */
  entropyEstimate(rng: Rng): Tensor {
    return scale(this.rsample(rng).logProb, -1);
  }

  /** The deterministic action tanh(μ). */
  mode(): Tensor {
    return tanh(this.base.mean);
  }
}
