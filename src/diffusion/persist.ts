/**
 * The file layout shared by every saved world model: one safetensors file whose tensors are
 * grouped by part (`ddpm.*`, `opt.ddpm.*`, …) and whose metadata carries a format tag and
 * version, the model's kind, its dimensions, config, normalization statistics, update
 * counter and RNG state — everything needed to sample from it or to resume training it —
 * and, where known, its provenance: the fingerprint of the data it was trained on and the
 * episode split its training rows came from, so that a run can reuse it safely.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { DataError } from "../data/errors.js";
import { loadTensors, saveTensors } from "../nn/serialize.js";
import type { Tensor } from "../tensor/tensor.js";
import type { RngState } from "../util/rng.js";
import type { WorldModelStats } from "./normalization.js";

/** The file format tag and version written into every saved world model. */
export const WORLD_MODEL_FORMAT = "adept-world-model";
export const WORLD_MODEL_FORMAT_VERSION = "1";

/** What a world model file says about the model besides its tensors. */
export interface WorldModelHeader<Config> {
  kind: string;
  observationDim: number;
  actionDim: number;
  config: Config;
  stats: WorldModelStats;
  updates: number;
  rng: RngState;
  /** The data the model was trained on (absent in files written before provenance was recorded). */
  provenance?: WorldModelProvenance;
}

/** Which data a world model was trained on, and which of its rows. */
export interface WorldModelProvenance {
  /** {@link datasetFingerprint} of the whole dataset. */
  fingerprint: string;
  /** The training rows are `splitByEpisodes(dataset, heldOutFraction, splitSeed).train`. */
  heldOutFraction: number;
  splitSeed: number;
  /** The file the data was read from when the model was trained (for messages only). */
  file?: string;
}

/** The header of a model: its own fields and the state of its random stream. */
export function headerOf<Config>(
  model: Omit<WorldModelHeader<Config>, "rng"> & { rng: { getState(): RngState } },
): WorldModelHeader<Config> {
  const { kind, observationDim, actionDim, config, stats, updates, provenance } = model;
  return { kind, observationDim, actionDim, config, stats, updates, rng: model.rng.getState(), ...(provenance ? { provenance } : {}) };
}

/** Writes `parts` (prefix → named tensors) and `header` to `path`. */
export function writeWorldModel<Config>(
  path: string,
  header: WorldModelHeader<Config>,
  parts: Record<string, Iterable<[string, Tensor]>>,
): void {
  const tensors: Record<string, Tensor> = {};
  for (const [prefix, named] of Object.entries(parts)) for (const [name, t] of named) tensors[`${prefix}.${name}`] = t;
  saveTensors(path, tensors, {
    format: WORLD_MODEL_FORMAT,
    version: WORLD_MODEL_FORMAT_VERSION,
    kind: header.kind,
    observationDim: String(header.observationDim),
    actionDim: String(header.actionDim),
    config: JSON.stringify(header.config),
    stats: JSON.stringify(header.stats),
    updates: String(header.updates),
    rng: JSON.stringify(header.rng),
    ...(header.provenance ? { provenance: JSON.stringify(header.provenance) } : {}),
  });
}

/** Reads a file written by {@link writeWorldModel}, checking that it holds a model of `kind`. */
export function readWorldModel<Config>(
  path: string,
  kind: string,
): { header: WorldModelHeader<Config>; part(prefix: string): Record<string, Tensor> } {
  const { tensors, metadata } = loadTensors(path);
  checkFormat(metadata, path, kind);
  const header = headerFromMetadata<Config>(metadata, path);
  const part = (prefix: string): Record<string, Tensor> =>
    Object.fromEntries(
      Object.entries(tensors)
        .filter(([k]) => k.startsWith(`${prefix}.`))
        .map(([k, t]) => [k.slice(prefix.length + 1), t]),
    );
  return { header, part };
}

/** The header fields of a file's metadata (format already checked); `path` names the file in errors. */
function headerFromMetadata<Config>(metadata: Record<string, string>, path: string): WorldModelHeader<Config> {
  const json = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key] ?? "");
    } catch {
      throw new DataError({ file: path }, `world model metadata "${key}" is missing or not JSON`);
    }
  };
  const width = (key: "observationDim" | "actionDim"): number => {
    const n = Number(metadata[key]);
    if (!(Number.isInteger(n) && n >= 1))
      throw new DataError({ file: path }, `world model metadata "${key}" is ${JSON.stringify(metadata[key])}, not a width`);
    return n;
  };
  const rng = json("rng") as RngState;
  if (!Array.isArray(rng?.s) || rng.s.length !== 4) throw new DataError({ file: path }, `world model metadata "rng" is not an RNG state`);
  return {
    kind: String(metadata.kind),
    observationDim: width("observationDim"),
    actionDim: width("actionDim"),
    config: json("config") as Config,
    stats: json("stats") as WorldModelStats,
    updates: Number(metadata.updates ?? 0),
    rng,
    ...(metadata.provenance !== undefined ? { provenance: json("provenance") as WorldModelProvenance } : {}),
  };
}

/**
 * The header of a saved world model without reading its tensors (a 100 MB file costs a few
 * kB here), after checking that it is an adept world model and that the file is as long as
 * its own header says: a missing, truncated or foreign file is a one-line {@link DataError}.
 */
export function readWorldModelHeader<Config = Record<string, unknown>>(path: string): WorldModelHeader<Config> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError({ file: path }, code === "ENOENT" ? "no such world model file" : `cannot open (${code})`);
  }
  try {
    const size = fstatSync(fd).size;
    const fail = (problem: string): never => {
      throw new DataError({ file: path }, problem);
    };
    if (size < 8) fail(`not an adept world model (${size} bytes)`);
    const prefix = Buffer.alloc(8);
    readSync(fd, prefix, 0, 8, 0);
    const headerLength = Number(prefix.readBigUInt64LE(0));
    if (headerLength > size - 8) fail(`not an adept world model, or truncated (header of ${headerLength} bytes, file of ${size})`);
    const bytes = Buffer.alloc(headerLength);
    readSync(fd, bytes, 0, headerLength, 8);
    let entries: Record<string, { data_offsets?: [number, number] } | Record<string, string>>;
    try {
      entries = JSON.parse(bytes.toString("utf8"));
    } catch {
      return fail("not an adept world model (no tensor-file header)");
    }
    const metadata = (entries.__metadata__ ?? {}) as Record<string, string>;
    checkFormat(metadata, path);
    let end = 0;
    for (const [name, entry] of Object.entries(entries))
      if (name !== "__metadata__") end = Math.max(end, (entry as { data_offsets: [number, number] }).data_offsets?.[1] ?? 0);
    if (8 + headerLength + end > size) fail(`truncated: ${size} bytes, its header describes ${8 + headerLength + end}`);
    return headerFromMetadata<Config>(metadata, path);
  } finally {
    closeSync(fd);
  }
}

/** Checks a saved model's format tag, version and (when given) kind; `source` names the file in errors. */
export function checkFormat(metadata: Record<string, string>, source: string, kind?: string): void {
  if (metadata.format !== WORLD_MODEL_FORMAT)
    throw new DataError({ file: source }, `not an adept world model (format "${metadata.format ?? "missing"}")`);
  if (metadata.version !== WORLD_MODEL_FORMAT_VERSION)
    throw new DataError(
      { file: source },
      `world model format version ${metadata.version}, this library reads ${WORLD_MODEL_FORMAT_VERSION}`,
    );
  if (kind && metadata.kind !== kind) throw new DataError({ file: source }, `a "${metadata.kind}" world model, expected "${kind}"`);
}
