/**
 * The tensor file format: safetensors (https://github.com/huggingface/safetensors), so that
 * checkpoints are inspectable and portable (Python's `safetensors` reads them):
 *
 *   u64 little-endian N | N bytes of JSON header | raw little-endian data
 *
 * The header maps each name to {"dtype": "F32", "shape": [rows, cols], "data_offsets": [begin, end]}
 * (offsets relative to the data section) and may hold "__metadata__": string → string.
 * Files are written to a temporary name and renamed, so a crash never leaves a torn file.
 * Bytes that are not such a file (too short, truncated, a foreign header) are the user's file
 * at fault: a one-line `FileError` naming it.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { Tensor } from "../tensor/tensor.js";
import { FileError, fileSystemError } from "../util/errors.js";

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Encodes named tensors (and string metadata) as safetensors bytes. */
export function encodeTensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name]!;
    const bytes = t.size * 4;
    header[name] = { dtype: "F32", shape: [t.rows, t.cols], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // align the data section (the format allows space padding)
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors[name]!;
    const le = new DataView(out.buffer, pos, t.size * 4);
    for (let i = 0; i < t.size; i++) le.setFloat32(i * 4, t.data[i]!, true);
    pos += t.size * 4;
  }
  return out;
}

/** Decodes safetensors bytes; `source` names the file in errors ({@link FileError}s). */
export function decodeTensors(
  bytes: Uint8Array,
  source = "tensors",
): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const fail = (problem: string): never => {
    throw new FileError(source, problem);
  };
  if (bytes.length < 8) fail(`too short to be a tensor file (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8)
    fail(`header length ${headerLength} exceeds the file (${bytes.length} bytes): truncated or not a tensor file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("the header is not a JSON object");
  const dataStart = 8 + headerLength;
  const tensors: Record<string, Tensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (typeof value !== "object" || value === null) fail(`"__metadata__" in the header is not an object`);
      metadata = value as Record<string, string>;
      continue;
    }
    const entry = value as HeaderEntry;
    if (typeof entry !== "object" || entry === null || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets))
      fail(`"${name}" in the header is not a tensor entry (dtype, shape, data_offsets)`);
    if (entry.dtype !== "F32") fail(`tensor "${name}" has dtype ${entry.dtype}; only F32 is supported`);
    const shape =
      entry.shape.length === 2 ? entry.shape : entry.shape.length === 1 ? [1, entry.shape[0]!] : entry.shape.length === 0 ? [1, 1] : null;
    if (!shape) return fail(`tensor "${name}" has shape [${entry.shape}]; only up to 2-D is supported`);
    const [begin, end] = entry.data_offsets;
    const count = shape[0]! * shape[1]!;
    if (!(Number.isInteger(begin) && begin >= 0) || end - begin !== count * 4)
      fail(`tensor "${name}" (shape [${shape}]) has data offsets [${begin}, ${end}] that do not match its shape`);
    if (dataStart + end > bytes.length) fail(`tensor "${name}" ends at byte ${dataStart + end} of a ${bytes.length}-byte file: truncated`);
    const t = new Tensor(shape[0]!, shape[1]!);
    const le = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, count * 4);
    for (let i = 0; i < count; i++) t.data[i] = le.getFloat32(i * 4, true);
    tensors[name] = t;
  }
  return { tensors, metadata };
}

/** Writes named tensors to `path` atomically (temporary file, then rename). */
export function saveTensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, encodeTensors(tensors, metadata));
  renameSync(tmp, path);
}

/** Reads a file written by {@link saveTensors} (or any F32 safetensors file); a missing one is a {@link FileError}. */
export function loadTensors(path: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw fileSystemError(error, path);
  }
  return decodeTensors(bytes, path);
}
