// Internal: the only module that talks to h5wasm. It turns h5wasm's failures (thrown strings,
// HDF5 diagnostic stacks, silent -1 ids) into one-line DataErrors, reads numeric columns in
// bounded chunks (so the wasm heap never holds a whole 1M-row column), and writes files
// atomically (temporary name, then rename).
import { closeSync, openSync, readSync, renameSync, statSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Dataset as H5Dataset, File as H5File, Group as H5Group } from "h5wasm";
import { DataError } from "./errors.js";

export type { H5Dataset, H5File, H5Group };

type H5Module = typeof import("h5wasm/node").default;
let h5Promise: Promise<H5Module> | undefined;

/** Loads h5wasm once (lazily: nothing happens at import time) and makes HDF5 errors throw. */
export function h5(): Promise<H5Module> {
  h5Promise ??= (async () => {
    const h5wasm = (await import("h5wasm/node")).default;
    const module = await h5wasm.ready;
    // Why: by default HDF5 prints its diagnostic stack to stderr and h5wasm returns a dead
    // file id; the throwing handler turns every failure into an exception we can translate.
    module.activate_throwing_error_handler();
    return h5wasm;
  })();
  return h5Promise;
}

/** The innermost message of an HDF5 diagnostic stack ("truncated file: eof = …"), or the text itself. */
export function hdf5Reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const frames = text.split("\n").filter((line) => /^\s*#\d+:/.test(line));
  const last = frames.at(-1);
  if (last === undefined) return text.split("\n")[0] ?? text;
  const match = /\(\): (.*)$/.exec(last);
  return (match?.[1] ?? last).trim();
}

/** Size in bytes of a regular file; a missing file or a directory is a DataError. */
export function fileSize(path: string, expected: string): number {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new DataError({ file: path }, "no such file");
  }
  if (stat.isDirectory()) throw new DataError({ file: path }, `is a directory, expected ${expected}`);
  return stat.size;
}

/** HDF5 files start with this signature at offset 0, 512, 1024, 2048, … (after a user block). */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function hasHdf5Signature(path: string, size: number): boolean {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      if (readSync(fd, buf, 0, 8, offset) === 8 && SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens an HDF5 file for reading. Missing files, directories, non-HDF5 files and damaged
 * (e.g. truncated) files all become a {@link DataError} naming the file.
 */
export async function openForRead(path: string): Promise<H5File> {
  const size = fileSize(path, "an HDF5 file");
  if (size === 0) throw new DataError({ file: path }, "is empty (0 bytes), expected an HDF5 file");
  if (!hasHdf5Signature(path, size)) {
    throw new DataError({ file: path }, "is not an HDF5 file (no HDF5 signature found)");
  }
  const h5wasm = await h5();
  try {
    return new h5wasm.File(path, "r");
  } catch (error) {
    throw new DataError({ file: path }, `cannot be read as HDF5: ${hdf5Reason(error)} (damaged or truncated file?)`);
  }
}

/** Runs `body` and converts any h5wasm failure into a DataError naming the file and key. */
export function guarded<T>(file: string, key: string | undefined, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError({ file, key }, `cannot be read: ${hdf5Reason(error)} (damaged or truncated file?)`);
  }
}

/** "Dataset", "Group", … for an h5wasm entity (references have no type). */
export function kindOf(entity: unknown): string | undefined {
  return (entity as { type?: string } | null | undefined)?.type;
}

/** A dataset (array) at `key`, or undefined when the key is absent; a group there is an error. */
export function getArray(file: H5File, path: string, key: string): H5Dataset | undefined {
  const entity = guarded(path, key, () => file.get(key));
  if (entity === null || entity === undefined) return undefined;
  if (kindOf(entity) !== "Dataset") {
    throw new DataError({ file: path, key }, `is a ${String(kindOf(entity)).toLowerCase()}, expected an array`);
  }
  return entity as H5Dataset;
}

/** A group at `key`, or undefined when absent. */
export function getGroup(file: H5File | H5Group, path: string, key: string): H5Group | undefined {
  const entity = guarded(path, key, () => file.get(key));
  if (entity === null || entity === undefined || kindOf(entity) !== "Group") return undefined;
  return entity as H5Group;
}

/** Human-readable element type of an HDF5 array: float32, float64, uint8, int64, bool, string, … */
export function dtypeName(ds: H5Dataset): string {
  const m = ds.metadata;
  switch (m.type) {
    case 0:
      return `${m.signed ? "int" : "uint"}${m.size * 8}`;
    case 1:
      return `float${m.size * 8}`;
    case 3:
      return "string";
    case 8: {
      const members = Object.keys(m.enum_type?.members ?? {});
      return members.length === 2 && members.includes("TRUE") && members.includes("FALSE") ? "bool" : "enum";
    }
    case 6:
      return "compound";
    default:
      return `hdf5-class-${m.type}`;
  }
}

/** True for element types we can read as numbers (ints, floats, bool enums). */
export function isNumeric(ds: H5Dataset): boolean {
  const t = ds.metadata.type;
  return t === 0 || t === 1 || t === 8;
}

/** Bytes of wasm heap one chunked read may use; keeps peak memory near the output size. */
const CHUNK_BYTES = 1 << 20;

type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/**
 * Reads rows [start, end) of a numeric array in chunks, handing each chunk (row-major, `width`
 * values per row) to `sink` with the row it starts at.
 */
export function readChunks(
  path: string,
  key: string,
  ds: H5Dataset,
  width: number,
  sink: (chunk: NumericArray, firstRow: number) => void,
  start = 0,
  end = ds.shape?.[0] ?? 0,
): void {
  const rowBytes = Math.max(1, width * ds.metadata.size);
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / rowBytes));
  for (let row = start; row < end; row += rowsPerChunk) {
    const stop = Math.min(end, row + rowsPerChunk);
    const chunk = guarded(path, key, () => ds.slice([[row, stop]])) as NumericArray;
    sink(chunk, row);
  }
}

/** Reads a numeric array (any int/float type) into a new Float32Array; [rows, width] row-major. */
export function readFloat32(path: string, key: string, ds: H5Dataset, width: number): Float32Array {
  const rows = ds.shape?.[0] ?? 0;
  const out = new Float32Array(rows * width);
  readChunks(path, key, ds, width, (chunk, firstRow) => {
    const offset = firstRow * width;
    if (chunk instanceof BigInt64Array || chunk instanceof BigUint64Array) {
      for (let i = 0; i < chunk.length; i++) out[offset + i] = Number(chunk[i]);
    } else {
      out.set(chunk, offset); // converts float64/ints to float32 in one native pass
    }
  });
  return out;
}

/**
 * Reads a flag column (bool, uint8, int, or float 0/1) into a Uint8Array; any value other than
 * 0 or 1 is an error giving the count and the first bad row.
 */
export function readFlags(path: string, key: string, ds: H5Dataset): Uint8Array {
  const rows = ds.shape?.[0] ?? 0;
  const out = new Uint8Array(rows);
  let bad = 0;
  let firstBad = -1;
  let firstValue = "";
  readChunks(path, key, ds, 1, (chunk, firstRow) => {
    for (let i = 0; i < chunk.length; i++) {
      const v = Number(chunk[i]);
      if (v === 0 || v === 1) {
        out[firstRow + i] = v;
      } else {
        if (bad === 0) {
          firstBad = firstRow + i;
          firstValue = String(chunk[i]);
        }
        bad++;
      }
    }
  });
  if (bad > 0) {
    throw new DataError(
      { file: path, key },
      `must hold only 0/1 (or true/false) flags: ${bad} other value(s), first ${firstValue} at row ${firstBad}`,
    );
  }
  return out;
}

/** A small array or scalar as plain JS (for metadata): string, number, or a typed array. */
export function readSmall(path: string, key: string, ds: H5Dataset): unknown {
  return guarded(path, key, () => ds.value);
}

/**
 * Writes an HDF5 file atomically: `body` fills a temporary file next to `path`, which is renamed
 * onto `path` only after it is closed, so a crash never leaves a half-written file under the
 * final name.
 */
export async function writeAtomically(path: string, body: (file: H5File) => void): Promise<void> {
  const h5wasm = await h5();
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.partial`);
  let file: H5File | undefined;
  try {
    try {
      file = new h5wasm.File(temporary, "w");
    } catch (error) {
      throw new DataError({ file: path }, `cannot be created: ${hdf5Reason(error)}`);
    }
    body(file);
    file.close();
    file = undefined;
    renameSync(temporary, path);
  } catch (error) {
    try {
      file?.close();
    } catch {
      // already failing; the original error is the one to report
    }
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was created
    }
    if (error instanceof DataError) throw error;
    throw new DataError({ file: path }, `cannot be written: ${hdf5Reason(error)}`);
  }
}
