/**
 * Where built datasets live: `$ADEPT_CACHE/datasets/<id>.hdf5`, with ADEPT_CACHE defaulting
 * to `.cache/adept` under the working directory (ignored by git). `--dataset` accepts a file
 * path or such an id (`hopper-random`, `hopper-medium-replay-v2`).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { DataError } from "./errors.js";

/** The cache root. */
export function cacheDir(): string {
  return resolve(process.env.ADEPT_CACHE ?? join(".cache", "adept"));
}

const DATASET_ID = /^(halfcheetah|hopper|walker2d)-(random|medium|medium-replay|expert|medium-expert)(?:-v\d)?$/;

/** The canonical id of a dataset name (`hopper-random-v2` → `hopper-random`), or null. */
export function datasetId(name: string): string | null {
  const m = DATASET_ID.exec(name);
  return m ? `${m[1]}-${m[2]}` : null;
}

/** The name a dataset gets in run paths and report rows: its id (`hopper-random`), or a file's base name. */
export function datasetName(dataset: string): string {
  const base = basename(dataset).replace(/\.(hdf5|h5|jsonl)$/i, "");
  return datasetId(base) ?? base;
}

/** The cache path of a dataset id. */
export function datasetCachePath(id: string): string {
  return join(cacheDir(), "datasets", `${id}.hdf5`);
}

/** Where D4RL's own loader keeps downloaded files: `$D4RL_DATASET_DIR`, else `~/.d4rl/datasets`. */
export function d4rlDir(): string {
  return process.env.D4RL_DATASET_DIR ?? join(homedir(), ".d4rl", "datasets");
}

/**
 * A file path as given, or the file of a dataset id: our build in the cache first, else a D4RL
 * download (`hopper-medium-replay-v2.hdf5` or D4RL's `hopper_medium_replay-v2.hdf5`); a clear
 * error when none exists.
 */
export function resolveDataset(spec: string): string {
  if (existsSync(spec)) return spec;
  const id = datasetId(spec);
  if (id) {
    const path = datasetCachePath(id);
    if (existsSync(path)) return path;
    const d4rl = [spec, `${spec.replace(/-/g, "_").replace(/_v(\d)$/, "-v$1")}`].map((name) => join(d4rlDir(), `${name}.hdf5`));
    const download = d4rl.find((file) => existsSync(file));
    if (download) return download;
    throw new DataError(
      { file: path },
      `dataset "${spec}" is not built yet: run \`adept data build ${id}\` (or pass a file path; no D4RL download in ${d4rlDir()} either)`,
    );
  }
  throw new DataError({ file: spec }, "no such file (and not a dataset id like hopper-medium-replay)");
}
