/**
 * How well an offline estimate picks policies: the two figures of OPE studies (Fu et al.
 * 2021, "Benchmarks for Deep Off-Policy Evaluation", §5) between each policy's estimate and
 * its true score (the simulator's).
 *
 *   Spearman ρ    the Pearson correlation of the ranks (ties share their mean rank)
 *   regret@1      true score of the best policy − true score of the policy the estimate ranks first
 */

/** Spearman's rank correlation of `a` and `b` (same length ≥ 2); NaN when either is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`spearman: ${a.length} values against ${b.length}`);
  if (a.length < 2) return Number.NaN;
  return pearson(ranks(a), ranks(b));
}

/**
 * regret@1: how much true score is lost by choosing the policy with the highest estimate
 * (ties: the first of them) instead of the truly best one. 0 when the estimate's pick is the best.
 */
export function regretAt1(estimates: readonly number[], truth: readonly number[]): number {
  if (estimates.length !== truth.length || truth.length === 0)
    throw new RangeError(`regretAt1: ${estimates.length} estimates against ${truth.length} scores`);
  let pick = 0;
  for (let i = 1; i < estimates.length; i++) if (estimates[i]! > estimates[pick]!) pick = i;
  return Math.max(...truth) - truth[pick]!;
}

/** Ranks 1..n, ties given the mean of the ranks they span. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + end + 1) / 2; // mean of the 1-based ranks start+1 … end
    for (let k = start; k < end; k++) out[order[k]!] = rank;
    start = end;
  }
  return out;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]! / n;
    my += y[i]! / n;
  }
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}
