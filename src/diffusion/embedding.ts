/**
 * The sinusoidal embedding of the denoising step k (Vaswani et al. 2017; DDPM's time
 * embedding), precomputed for k = 0…K as a table whose rows are gathered per sample:
 *
 *   emb(k) = [sin(k·ω_0), …, sin(k·ω_{h−1}), cos(k·ω_0), …, cos(k·ω_{h−1})],  ω_i = 10000^(−i/h),  h = dim/2
 */
import { Tensor } from "../tensor/tensor.js";

/** The [K + 1, dim] table of emb(k) for k = 0…K (dim even). Owned memory, no gradient. */
export function sinusoidalEmbedding(steps: number, dim: number): Tensor {
  if (!Number.isInteger(dim) || dim < 2 || dim % 2 !== 0)
    throw new RangeError(`sinusoidalEmbedding: dim must be an even integer ≥ 2, got ${dim}`);
  const half = dim / 2;
  const table = new Tensor(steps + 1, dim);
  for (let k = 0; k <= steps; k++) {
    for (let i = 0; i < half; i++) {
      const omega = 10000 ** (-i / half);
      table.data[k * dim + i] = Math.sin(k * omega);
      table.data[k * dim + half + i] = Math.cos(k * omega);
    }
  }
  return table;
}
