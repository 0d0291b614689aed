import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { datasetCachePath, resolveDataset } from "../../src/data/cache.js";
import { DataError } from "../../src/data/errors.js";

const root = mkdtempSync(join(tmpdir(), "adept-cache-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs `body` with ADEPT_CACHE and D4RL_DATASET_DIR pointed into the temporary root. */
function withDirs(body: (cache: string, d4rl: string) => void): void {
  const saved = { cache: process.env.ADEPT_CACHE, d4rl: process.env.D4RL_DATASET_DIR };
  const cache = mkdtempSync(join(root, "cache-"));
  const d4rl = mkdtempSync(join(root, "d4rl-"));
  process.env.ADEPT_CACHE = cache;
  process.env.D4RL_DATASET_DIR = d4rl;
  try {
    body(cache, d4rl);
  } finally {
    for (const [key, value] of [
      ["ADEPT_CACHE", saved.cache],
      ["D4RL_DATASET_DIR", saved.d4rl],
    ] as const)
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  }
}

test("resolveDataset: a path as given, our build before a D4RL download, D4RL's own file names", () =>
  withDirs((_cache, d4rl) => {
    const file = join(root, "mine.hdf5");
    writeFileSync(file, "");
    assert.equal(resolveDataset(file), file);

    writeFileSync(join(d4rl, "hopper_medium_replay-v2.hdf5"), "");
    assert.equal(resolveDataset("hopper-medium-replay-v2"), join(d4rl, "hopper_medium_replay-v2.hdf5"));

    const built = datasetCachePath("hopper-medium-replay");
    mkdirSync(join(built, ".."), { recursive: true });
    writeFileSync(built, "");
    assert.equal(resolveDataset("hopper-medium-replay-v2"), built);
  }));

test("resolveDataset: an id that is neither built nor downloaded, and a missing path, are DataErrors naming the fix", () =>
  withDirs(() => {
    assert.throws(
      () => resolveDataset("walker2d-random"),
      (e: unknown) => e instanceof DataError && /adept data build walker2d-random/.test(e.message),
    );
    assert.throws(
      () => resolveDataset(join(root, "nope.hdf5")),
      (e: unknown) => e instanceof DataError && /no such file/.test(e.message),
    );
  }));
