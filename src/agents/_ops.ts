/**
 * Internal layout ops for agents that evaluate critics on many sampled actions per state
 * (CQL): stacking row blocks and folding stacked blocks into columns. Forward and backward
 * sit side by side, as in src/tensor/ops.ts; candidates to move there once a second user
 * appears.
 */
import { gradOf, needsGrad, record, ShapeError, Tensor } from "../tensor/tensor.js";

/** Concatenation along rows: [r1, C] ++ [r2, C] ++ … → [Σr, C]; gradients split back by block. */
export function concatRows(parts: Tensor[]): Tensor {
  if (parts.length === 0) throw new ShapeError("concatRows: no tensors");
  const cols = parts[0]!.cols;
  let rows = 0;
  for (const p of parts) {
    if (p.cols !== cols) throw new ShapeError(`concatRows: column counts differ: ${parts.map((q) => q.shape).join(", ")}`);
    rows += p.rows;
  }
  const out = Tensor.empty(rows, cols);
  let offset = 0;
  for (const p of parts) {
    out.data.set(p.data, offset); // row-major: a block of rows is one contiguous run
    offset += p.size;
  }
  if (parts.some((p) => needsGrad(p)))
    record(out, () => {
      const g = out.grad!;
      let off = 0;
      for (const p of parts) {
        if (p.requiresGrad) {
          const gp = gradOf(p);
          for (let i = 0; i < p.size; i++) gp[i]! += g[off + i]!;
        }
        off += p.size;
      }
    });
  return out;
}

/**
 * A column of k stacked blocks of B rows → one column per block: x [k·B, 1] → [B, k] with
 * out[b, j] = x[j·B + b]. This is the layout change from "one critic call on k sampled
 * actions per state, blocks stacked" to "one row per state" that a per-row logsumexp needs.
 */
export function foldColumns(x: Tensor, k: number): Tensor {
  if (x.cols !== 1 || !Number.isInteger(k) || k < 1 || x.rows % k !== 0)
    throw new ShapeError(`foldColumns: expected a [k·B, 1] column with k = ${k}, got ${x.shape}`);
  const B = x.rows / k;
  const out = Tensor.empty(B, k); // [B, k]
  const xd = x.data,
    od = out.data;
  for (let j = 0; j < k; j++) for (let b = 0; b < B; b++) od[b * k + j] = xd[j * B + b]!;
  if (needsGrad(x))
    record(out, () => {
      const g = out.grad!,
        gx = gradOf(x);
      for (let j = 0; j < k; j++) for (let b = 0; b < B; b++) gx[j * B + b]! += g[b * k + j]!;
    });
  return out;
}
