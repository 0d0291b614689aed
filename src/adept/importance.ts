/**
 * Importance weights of ADEPT's world-model update (Fang & Lan 2024, §4.2 "Importance-Sampled
 * World Model Update"; docs/adept.md):
 *
 *   log wᵢ = log π_φ(aᵢ|sᵢ) − log π_β(aᵢ|sᵢ),  clipped to [−log c, log c],
 *   wᵢ ← wᵢ^α           (tempering, α ∈ (0, 1]: α < 1 flattens weights that degenerate; 1 = the paper),
 *   wᵢ ← wᵢ / mean(w)   (self-normalized, so the loss Σ wᵢLᵢ / Σ wᵢ keeps its scale),
 *   ESS = (Σ w)² / Σ w².
 *
 * Computed in log space with the maximum subtracted before exponentiating, so that
 * extreme log-ratios (policies far from the data) neither overflow nor underflow.
 */
import { UserError } from "../util/errors.js";

/** Diagnostics of one set of weights. */
export interface WeightStats {
  /** Effective sample size (Σw)²/Σw², between 1 and n. */
  ess: number;
  /** Fraction of log-ratios that hit the clip bound. */
  clippedFraction: number;
  /** Fraction that hit its upper bound log c (π far likelier than π_β); the rest of the clipped hit −log c. */
  clippedHighFraction: number;
  /** Mean log-ratio log π − log π_β before clipping. */
  meanLogRatio: number;
  /** The largest weight's share of the total, max wᵢ / Σ w (1/n when all are equal, 1 when one takes all). */
  maxShare: number;
}

/**
 * Writes self-normalized weights for n pairs into `out` [n]; `clip` bounds each ratio to
 * [1/clip, clip] (null: no clipping, the paper's ablation); `temperature` α raises the
 * clipped ratios to the power α before self-normalization.
 */
export function importanceWeights(
  logPi: ArrayLike<number>,
  logBehaviour: ArrayLike<number>,
  n: number,
  clip: number | null,
  out: Float32Array,
  temperature = 1,
): WeightStats {
  if (!(temperature > 0 && temperature <= 1)) throw new RangeError(`importance weights: temperature must be in (0, 1], got ${temperature}`);
  const bound = clip === null ? Infinity : Math.log(clip);
  let max = -Infinity;
  let clipped = 0,
    clippedHigh = 0;
  let sumLogRatio = 0;
  for (let i = 0; i < n; i++) {
    const raw = logPi[i]! - logBehaviour[i]!;
    sumLogRatio += raw;
    const r = raw > bound ? bound : raw < -bound ? -bound : raw;
    if (r !== raw) clipped++;
    if (raw > bound) clippedHigh++;
    out[i] = temperature * r;
    if (out[i]! > max) max = out[i]!;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(out[i]! - max);
    sum += out[i]!;
  }
  let sumSq = 0,
    largest = 0;
  for (let i = 0; i < n; i++) {
    out[i] = (out[i]! * n) / sum; // mean 1
    sumSq += out[i]! * out[i]!;
    if (out[i]! > largest) largest = out[i]!;
  }
  return {
    ess: (n * n) / sumSq,
    clippedFraction: clipped / n,
    clippedHighFraction: clippedHigh / n,
    meanLogRatio: sumLogRatio / n,
    maxShare: largest / n,
  };
}

/**
 * A real-data anchor: w ← (1 − β)·w + β for self-normalized w (mean 1), in place, so that the
 * weighted loss becomes (1 − β)·Σ wᵢLᵢ/Σ wᵢ + β·mean Lᵢ — the importance-weighted loss plus
 * an unweighted one on the same batch (RAMBO, Rigter et al. 2022, keeps such an unweighted
 * likelihood term beside its adversarial one). Returns the mixed weights' ESS and largest share.
 */
export function anchorWeights(w: Float32Array, n: number, beta: number): { ess: number; maxShare: number } {
  if (!(beta >= 0 && beta <= 1)) throw new RangeError(`anchor weights: β must be in [0, 1], got ${beta}`);
  let sum = 0,
    sumSq = 0,
    largest = 0;
  for (let i = 0; i < n; i++) {
    const v = (1 - beta) * w[i]! + beta;
    w[i] = v;
    sum += v;
    sumSq += v * v;
    if (v > largest) largest = v;
  }
  return { ess: (sum * sum) / sumSq, maxShare: largest / sum };
}

/** Checks the weighting flags of a run before any training: α ∈ (0, 1], β ∈ [0, 1]; a one-line error naming the flag. */
export function checkWeighting(c: { isTemperature: number; isAnchor: number }): void {
  if (!(c.isTemperature > 0 && c.isTemperature <= 1)) throw new UserError(`--is-temperature must be in (0, 1], got ${c.isTemperature}`);
  if (!(c.isAnchor >= 0 && c.isAnchor <= 1)) throw new UserError(`--is-anchor must be in [0, 1], got ${c.isAnchor}`);
}
