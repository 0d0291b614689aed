/**
 * Importance weights of ADEPT's world-model update (Fang & Lan 2024, §4.2 "Importance-Sampled
 * World Model Update"; docs/adept.md):
 *
 *   log wᵢ = log π_φ(aᵢ|sᵢ) − log π_β(aᵢ|sᵢ),  clipped to [−log c, log c],
 *   wᵢ ← wᵢ / mean(w)   (self-normalized, so the loss Σ wᵢLᵢ / Σ wᵢ keeps its scale),
 *   ESS = (Σ w)² / Σ w².
 *
 * Computed in log space with the maximum subtracted before exponentiating, so that
 * extreme log-ratios (policies far from the data) neither overflow nor underflow.
 */

/** Diagnostics of one set of weights. */
export interface WeightStats {
  /** Effective sample size (Σw)²/Σw², between 1 and n. */
  ess: number;
  /** Fraction of log-ratios that hit the clip bound. */
  clippedFraction: number;
  /** Mean log-ratio log π − log π_β before clipping. */
  meanLogRatio: number;
}

/**
 * Writes self-normalized weights for n pairs into `out` [n]; `clip` bounds each ratio to
 * [1/clip, clip] (null: no clipping, the paper's ablation).
 */
export function importanceWeights(
  logPi: ArrayLike<number>,
  logBehaviour: ArrayLike<number>,
  n: number,
  clip: number | null,
  out: Float32Array,
): WeightStats {
  const bound = clip === null ? Infinity : Math.log(clip);
  let max = -Infinity;
  let clipped = 0;
  let sumLogRatio = 0;
  for (let i = 0; i < n; i++) {
    const raw = logPi[i]! - logBehaviour[i]!;
    sumLogRatio += raw;
    const r = raw > bound ? bound : raw < -bound ? -bound : raw;
    if (r !== raw) clipped++;
    out[i] = r;
    if (r > max) max = r;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(out[i]! - max);
    sum += out[i]!;
  }
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    out[i] = (out[i]! * n) / sum; // mean 1
    sumSq += out[i]! * out[i]!;
  }
  return { ess: (n * n) / sumSq, clippedFraction: clipped / n, meanLogRatio: sumLogRatio / n };
}
