/**
 * The DDPM noise schedule: the cosine schedule of Nichol & Dhariwal (2021, eq. 17) with its
 * derived per-step quantities, indexed by the denoising step k ∈ {0, …, K} (k = 0 is data).
 *
 *   ᾱ_k = f(k) / f(0),   f(k) = cos²( ((k/K + s) / (1 + s)) · π/2 )          (eq. 17)
 *   β_k = min(1 − ᾱ_k / ᾱ_{k−1}, 0.999),   α_k = 1 − β_k,   ᾱ_k = Π_{j≤k} α_j   (eq. 17, clipped)
 *   q(x_k | x_0) = N(√ᾱ_k · x_0, (1 − ᾱ_k) · I)                                   (DDPM eq. 4)
 *   q(x_{k−1} | x_k, x_0) = N(μ̃_k, β̃_k · I),
 *     μ̃_k = √ᾱ_{k−1}·β_k/(1 − ᾱ_k) · x_0 + √α_k·(1 − ᾱ_{k−1})/(1 − ᾱ_k) · x_k,
 *     β̃_k = (1 − ᾱ_{k−1})/(1 − ᾱ_k) · β_k                                        (DDPM eq. 6–7)
 */

/** Per-step coefficients of a K-step schedule; every array has K + 1 entries (index k; entry 0 is the data level). */
export interface NoiseSchedule {
  /** K, the number of denoising steps. */
  readonly steps: number;
  readonly betas: Float64Array; // β_k, β_0 = 0
  readonly alphas: Float64Array; // α_k = 1 − β_k
  readonly alphaBars: Float64Array; // ᾱ_k, ᾱ_0 = 1
  readonly sqrtAlphaBars: Float64Array; // √ᾱ_k
  readonly sqrtOneMinusAlphaBars: Float64Array; // √(1 − ᾱ_k)
  readonly posteriorX0Coef: Float64Array; // √ᾱ_{k−1}·β_k/(1 − ᾱ_k)
  readonly posteriorXkCoef: Float64Array; // √α_k·(1 − ᾱ_{k−1})/(1 − ᾱ_k)
  readonly posteriorStd: Float64Array; // √β̃_k (0 at k = 1: the last step adds no noise)
}

/** Largest β (Nichol & Dhariwal clip β at 0.999 to avoid a singularity at k = K). */
export const MAX_BETA = 0.999;

/** The cosine schedule with K steps and offset s (default 0.008, Nichol & Dhariwal). */
export function cosineSchedule(steps: number, offset = 0.008): NoiseSchedule {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`cosineSchedule: K must be a positive integer, got ${steps}`);
  if (!(offset >= 0)) throw new RangeError(`cosineSchedule: s must be ≥ 0, got ${offset}`);
  const f = (k: number): number => Math.cos(((k / steps + offset) / (1 + offset)) * (Math.PI / 2)) ** 2;
  const betas = new Float64Array(steps + 1);
  for (let k = 1; k <= steps; k++) betas[k] = Math.min(1 - f(k) / f(k - 1), MAX_BETA);
  return scheduleFromBetas(betas);
}

/** Derived quantities from β_1…β_K (betas[0] is ignored and set to 0). */
export function scheduleFromBetas(betas: Float64Array): NoiseSchedule {
  const K = betas.length - 1;
  const alphas = new Float64Array(K + 1);
  const alphaBars = new Float64Array(K + 1);
  const sqrtAlphaBars = new Float64Array(K + 1);
  const sqrtOneMinusAlphaBars = new Float64Array(K + 1);
  const posteriorX0Coef = new Float64Array(K + 1);
  const posteriorXkCoef = new Float64Array(K + 1);
  const posteriorStd = new Float64Array(K + 1);
  betas[0] = 0;
  alphas[0] = 1;
  alphaBars[0] = 1;
  sqrtAlphaBars[0] = 1;
  for (let k = 1; k <= K; k++) {
    alphas[k] = 1 - betas[k]!;
    alphaBars[k] = alphaBars[k - 1]! * alphas[k]!;
    sqrtAlphaBars[k] = Math.sqrt(alphaBars[k]!);
    sqrtOneMinusAlphaBars[k] = Math.sqrt(1 - alphaBars[k]!);
    const oneMinus = 1 - alphaBars[k]!;
    posteriorX0Coef[k] = (Math.sqrt(alphaBars[k - 1]!) * betas[k]!) / oneMinus;
    posteriorXkCoef[k] = (Math.sqrt(alphas[k]!) * (1 - alphaBars[k - 1]!)) / oneMinus;
    posteriorStd[k] = Math.sqrt(((1 - alphaBars[k - 1]!) / oneMinus) * betas[k]!);
  }
  return { steps: K, betas, alphas, alphaBars, sqrtAlphaBars, sqrtOneMinusAlphaBars, posteriorX0Coef, posteriorXkCoef, posteriorStd };
}
