import { DataError } from "./errors.js";

/**
 * Throws when `data` (row-major, `width` values per row) holds NaN or ±Inf, giving the count
 * and the first offending row and column.
 */
export function checkFinite(file: string | undefined, key: string, data: Float32Array, width: number): void {
  let count = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // Why: `v - v` is NaN exactly for NaN and ±Inf, and is one cheap op on the hot path.
    if (v - v !== 0) {
      if (count === 0) first = i;
      count++;
    }
  }
  if (count === 0) return;
  const row = Math.floor(first / width);
  const column = first % width;
  const where = width === 1 ? `row ${row}` : `row ${row}, column ${column}`;
  throw new DataError({ file, key }, `has ${count} non-finite value(s) (NaN or Inf); the first is ${data[first]} at ${where}`);
}

/** Throws when a column does not have `rows` rows, naming both keys and both counts. */
export function checkRows(file: string | undefined, key: string, actual: number, reference: { key: string; rows: number }): void {
  if (actual !== reference.rows) {
    throw new DataError({ file, key }, `has ${actual} rows but "${reference.key}" has ${reference.rows}`);
  }
}

/** Throws for a dataset without transitions. */
export function checkNotEmpty(file: string | undefined, rows: number, what = '"observations" has 0 rows'): void {
  if (rows === 0) throw new DataError({ file }, `the dataset is empty (${what})`);
}
