/**
 * The dataset content hashes published in `policies/manifest.json` (the hash itself,
 * {@link datasetSha256}, is defined in data/fingerprint.ts and docs/data.md).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Dataset } from "../data/dataset.js";
import { DataError } from "../data/errors.js";
import { datasetSha256 } from "../data/fingerprint.js";
import { readJson } from "./behaviour.js";
import { policiesDir } from "./publish.js";

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
