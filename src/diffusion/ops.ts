/**
 * Small ops of the diffusion model. The sampling ops run under no-grad only (the K-step
 * chain is never differentiated) and are fused: each is one pass over the batch, with no
 * per-sample JS work beyond the elementwise loop. {@link weightedMean} is differentiable,
 * built from existing ops.
 */
import { mean, mul, scale, sum } from "../tensor/ops.js";
import { isGradEnabled, ShapeError, Tensor } from "../tensor/tensor.js";

function requireNoGrad(op: string): void {
  if (isGradEnabled()) throw new Error(`${op}: a sampling op; call it inside noGrad()`);
}

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new ShapeError(`${op}: shapes differ: ${a.shape} vs ${b.shape}`);
}

/**
 * Classifier-free guidance (Ho & Salimans 2022, eq. 6):
 *   ε̂ = (1 + w)·ε_θ(x_k, k, c) − w·ε_θ(x_k, k, ∅)
 * conditional and unconditional predictions [B, D] → [B, D]. w = 0 returns the conditional
 * prediction's values exactly.
 */
export function guidedEpsilon(conditional: Tensor, unconditional: Tensor, w: number): Tensor {
  requireNoGrad("guidedEpsilon");
  sameShape("guidedEpsilon", conditional, unconditional);
  const out = Tensor.empty(conditional.rows, conditional.cols);
  const c = conditional.data,
    u = unconditional.data,
    o = out.data;
  for (let i = 0; i < o.length; i++) o[i] = (1 + w) * c[i]! - w * u[i]!;
  return out;
}

/** x̂_0 = (x_k − √(1 − ᾱ_k)·ε̂) / √ᾱ_k (DDPM eq. 4 solved for x_0), [B, D]. */
export function predictX0(xk: Tensor, epsilon: Tensor, sqrtAlphaBar: number, sqrtOneMinusAlphaBar: number): Tensor {
  requireNoGrad("predictX0");
  sameShape("predictX0", xk, epsilon);
  const out = Tensor.empty(xk.rows, xk.cols);
  const x = xk.data,
    e = epsilon.data,
    o = out.data;
  const inv = 1 / sqrtAlphaBar;
  for (let i = 0; i < o.length; i++) o[i] = (x[i]! - sqrtOneMinusAlphaBar * e[i]!) * inv;
  return out;
}

/**
 * One ancestral step x_{k−1} = μ̃_k(x_k, x̂_0) + σ_k·z (DDPM eq. 6–7), with
 * μ̃_k = x0Coef·x̂_0 + xkCoef·x_k; `noise` z [B, D] or null at the last step (σ_1 = 0).
 */
export function posteriorStep(xk: Tensor, x0: Tensor, x0Coef: number, xkCoef: number, sigma: number, noise: Tensor | null): Tensor {
  requireNoGrad("posteriorStep");
  sameShape("posteriorStep", xk, x0);
  if (noise) sameShape("posteriorStep", xk, noise);
  const out = Tensor.empty(xk.rows, xk.cols);
  const x = xk.data,
    p = x0.data,
    o = out.data;
  if (noise) {
    const z = noise.data;
    for (let i = 0; i < o.length; i++) o[i] = x0Coef * p[i]! + xkCoef * x[i]! + sigma * z[i]!;
  } else for (let i = 0; i < o.length; i++) o[i] = x0Coef * p[i]! + xkCoef * x[i]!;
  return out;
}

/** Clamps column j of x [B, D] to [low[j], high[j]] in place; returns x. */
export function clipColumnsInPlace(x: Tensor, low: Float32Array, high: Float32Array): Tensor {
  requireNoGrad("clipColumnsInPlace");
  const D = x.cols;
  if (low.length !== D || high.length !== D)
    throw new ShapeError(`clipColumnsInPlace: bounds of ${low.length}/${high.length} values for ${x.shape}`);
  const d = x.data;
  for (let i = 0, o = 0; i < x.rows; i++)
    for (let j = 0; j < D; j++, o++) {
      const v = d[o]!;
      d[o] = v < low[j]! ? low[j]! : v > high[j]! ? high[j]! : v;
    }
  return x;
}

/**
 * The self-normalized weighted mean of per-sample losses (the importance-sampled loss):
 *   L = Σ_i w_i·L_i / Σ_i w_i,   L_i [B, 1], w [B, 1] (no gradient; Σw > 0)
 * and the plain mean of L_i when `weights` is null. Differentiable in L_i.
 */
export function weightedMean(perSample: Tensor, weights: Tensor | null): Tensor {
  if (perSample.cols !== 1) throw new ShapeError(`weightedMean: per-sample losses must be [B,1], got ${perSample.shape}`);
  if (!weights) return mean(perSample);
  sameShape("weightedMean", perSample, weights);
  let total = 0;
  for (let i = 0; i < weights.size; i++) total += weights.data[i]!;
  if (!(total > 0) || !Number.isFinite(total))
    throw new RangeError(`weightedMean: the weights must have a positive finite sum, got ${total}`);
  return scale(sum(mul(perSample, weights)), 1 / total);
}
