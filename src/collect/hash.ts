/**
 * The content hash of a dataset and the hashes published in `policies/manifest.json`.
 *
 * The hash is of the arrays, not of the HDF5 file (whose bytes also depend on the HDF5
 * library's layout choices): SHA-256 over, for each column below in this order that the
 * dataset has, the UTF-8 line `<key> <dtype> <shape>\n` (e.g. `observations float32
 * 1000000,11\n`; shape comma-separated) followed by the column's raw little-endian bytes,
 * row-major. Metadata is not hashed. docs/data.md states the same definition.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import type { Dataset } from "../data/dataset.js";
import { DataError } from "../data/errors.js";
import { readJson } from "./behaviour.js";
import { policiesDir } from "./publish.js";

type Column = { key: string; data: Float32Array | Uint8Array; width: number | null };

/** The hashed columns, in hash order, under their D4RL keys. */
function columns(d: Dataset): Column[] {
  const all: (Column | null)[] = [
    { key: "observations", data: d.observations, width: d.observationDim },
    { key: "actions", data: d.actions, width: d.actionDim },
    { key: "rewards", data: d.rewards, width: null },
    { key: "next_observations", data: d.nextObservations, width: d.observationDim },
    { key: "terminals", data: d.terminals, width: null },
    { key: "timeouts", data: d.timeouts, width: null },
    d.actionLogProbs ? { key: "infos/action_log_probs", data: d.actionLogProbs, width: null } : null,
    d.qpos ? { key: "infos/qpos", data: d.qpos, width: d.qposDim ?? 0 } : null,
    d.qvel ? { key: "infos/qvel", data: d.qvel, width: d.qvelDim ?? 0 } : null,
    d.nextObservationMissing ? { key: "infos/next_observation_missing", data: d.nextObservationMissing, width: null } : null,
  ];
  return all.filter((c): c is Column => c !== null);
}

/** Little-endian bytes of a column (a view on little-endian machines, a copy otherwise). */
function littleEndian(data: Float32Array | Uint8Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof Uint8Array || endianness() === "LE") return bytes;
  const out = new Uint8Array(bytes.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i]!, true);
  return out;
}

/** SHA-256 (hex) of a dataset's arrays, as defined at the top of this file. */
export function datasetSha256(dataset: Dataset): string {
  const hash = createHash("sha256");
  for (const c of columns(dataset)) {
    const dtype = c.data instanceof Float32Array ? "float32" : "uint8";
    const shape = c.width === null ? `${dataset.size}` : `${dataset.size},${c.width}`;
    hash.update(`${c.key} ${dtype} ${shape}\n`, "utf8");
    hash.update(littleEndian(c.data));
  }
  return hash.digest("hex");
}

/** A published hash: the dataset built with `adept data build <id> --size <size> --seed <seed>`. */
export interface PublishedHash {
  size: number;
  seed: number;
  sha256: string;
}

const manifestPath = (): string => join(policiesDir(), "manifest.json");

/** The hashes in the manifest's `datasets` section, by dataset id. */
export function publishedHashes(): Record<string, PublishedHash[]> {
  return (readJson(manifestPath()).datasets ?? {}) as Record<string, PublishedHash[]>;
}

/** The published hash of a dataset id at a size and seed, if any. */
export function publishedHash(id: string, size: number, seed: number): string | undefined {
  return publishedHashes()[id]?.find((h) => h.size === size && h.seed === seed)?.sha256;
}

/** Records (or replaces) a published hash in the manifest; returns the one it replaced. */
export function recordHash(id: string, size: number, seed: number, sha256: string): string | undefined {
  const manifest = readJson(manifestPath());
  const datasets = (manifest.datasets ?? {}) as Record<string, PublishedHash[]>;
  const list = (datasets[id] ?? []).filter((h) => !(h.size === size && h.seed === seed));
  const previous = publishedHash(id, size, seed);
  list.push({ size, seed, sha256 });
  list.sort((a, b) => a.size - b.size || a.seed - b.seed);
  datasets[id] = list;
  manifest.datasets = Object.fromEntries(Object.entries(datasets).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(manifestPath(), `${JSON.stringify(manifest, null, 2)}\n`);
  return previous;
}

/** The outcome of comparing a dataset's hash with the published one. */
export interface HashCheck {
  id: string;
  size: number;
  seed: number;
  sha256: string;
  /** The published hash, when the manifest has one for this id, size and seed. */
  expected?: string;
  status: "match" | "mismatch" | "unpublished";
}

/** Hashes a dataset built by `adept data build` (read from `source`) and compares it with the published hash. */
export function checkHash(dataset: Dataset, source: string): HashCheck {
  const id = dataset.metadata.dataset_id,
    seed = dataset.metadata.seed;
  if (typeof id !== "string")
    throw new DataError({ file: source, key: "metadata/dataset_id" }, "is missing: not a file written by `adept data build`");
  if (typeof seed !== "number")
    throw new DataError({ file: source, key: "metadata/seed" }, "is missing: not a file written by `adept data build`");
  const sha256 = datasetSha256(dataset);
  const expected = publishedHash(id, dataset.size, seed);
  const status = expected === undefined ? "unpublished" : expected === sha256 ? "match" : "mismatch";
  return { id, size: dataset.size, seed, sha256, expected, status };
}
