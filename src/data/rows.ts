/**
 * Gathering rows: the one place that copies chosen rows of row-major columns (observations,
 * actions, rewards, flags) into other arrays — batches, start states, subsets of a dataset.
 * Columns are Float32Array or Uint8Array, [N, width] stored row after row.
 *
 * The `…Into` forms write into arrays the caller allocated once, with plain loops (a
 * `subarray()` per row would create an object per row), so samplers can call them every
 * step without allocating.
 */
import type { Rng } from "../util/rng.js";

/** A row-major column: [N, width] values, row after row. */
export type Column = Float32Array | Uint8Array;

/**
 * Copies rows `rows[0..n)` of `column` ([N, width]) into rows [at, at + n) of `out`.
 * `out` may be of another column type (Uint8Array flags into a Float32Array batch column).
 */
export function gatherRowsInto(
  column: ArrayLike<number>,
  width: number,
  rows: ArrayLike<number>,
  out: Column,
  n = rows.length,
  at = 0,
): void {
  if (width === 1) {
    for (let k = 0; k < n; k++) out[at + k] = column[rows[k]!]!;
    return;
  }
  for (let k = 0, o = at * width; k < n; k++) {
    const from = rows[k]! * width;
    for (let j = 0; j < width; j++, o++) out[o] = column[from + j]!;
  }
}

/** A new [rows.length, width] column of the same type holding rows `rows` of `column`. */
export function gatherRowsOf<T extends Column>(column: T, width: number, rows: ArrayLike<number>): T {
  const out = new (column.constructor as new (length: number) => T)(rows.length * width);
  gatherRowsInto(column, width, rows, out);
  return out;
}

/** Draws `n` entries of `from` uniformly with replacement into `out[0..n)` (one `rng.int` per draw, in order). */
export function drawRows(rng: Rng, from: ArrayLike<number>, n: number, out: Int32Array = new Int32Array(n)): Int32Array {
  if (from.length === 0) throw new RangeError("drawRows: no rows to draw from");
  for (let k = 0; k < n; k++) out[k] = from[rng.int(from.length)]!;
  return out;
}

/** The transition columns rows are gathered from: a dataset (Uint8 terminals) or a buffer's storage. */
export interface TransitionSource {
  readonly observationDim: number; // S
  readonly actionDim: number; // A
  observations: Float32Array; // [N, S]
  actions: Float32Array; // [N, A]
  rewards: Float32Array; // [N]
  nextObservations: Float32Array; // [N, S]
  terminals: Column; // [N]
}

/**
 * Copies transitions `rows[0..n)` of `source` into rows [at, at + n) of `out` (s, a, r, s′, d)
 * in one pass over the rows — what every sampler runs per batch, so it is written out rather
 * than five {@link gatherRowsInto} calls (each of which would walk `rows` again).
 */
export function gatherTransitionsInto(
  source: TransitionSource,
  rows: ArrayLike<number>,
  out: TransitionSource,
  n = rows.length,
  at = 0,
): void {
  const S = source.observationDim,
    A = source.actionDim;
  const { observations: s, actions: a, rewards: r, nextObservations: s2, terminals: d } = source;
  const { observations: outS, actions: outA, rewards: outR, nextObservations: outS2, terminals: outD } = out;
  for (let k = 0; k < n; k++) {
    const i = rows[k]!,
      o = at + k;
    for (let j = 0; j < S; j++) {
      outS[o * S + j] = s[i * S + j]!;
      outS2[o * S + j] = s2[i * S + j]!;
    }
    for (let j = 0; j < A; j++) outA[o * A + j] = a[i * A + j]!;
    outR[o] = r[i]!;
    outD[o] = d[i]!;
  }
}
