// The dataset hash is the documented canonical form of the arrays, and published hashes are
// recorded, checked and dropped when the policies they came from are replaced.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { checkHash, datasetSha256, publishedHash, recordHash } from "../../src/collect/hash.js";
import { publishPolicies } from "../../src/collect/publish.js";
import type { Dataset } from "../../src/data/dataset.js";
import { repoRoot } from "../helpers.js";

/** Two rows of a tiny dataset (S 2, A 1, qpos 1, qvel 1) as `adept data build` would record it. */
function tiny(): Dataset {
  return {
    size: 2,
    observationDim: 2,
    actionDim: 1,
    observations: new Float32Array([1, 2, 3, 4]),
    actions: new Float32Array([0.5, -0.5]),
    rewards: new Float32Array([1, 0]),
    nextObservations: new Float32Array([3, 4, 5, 6]),
    terminals: new Uint8Array([0, 1]),
    timeouts: new Uint8Array([0, 0]),
    actionLogProbs: new Float32Array([-1, -2]),
    qpos: new Float32Array([7, 8]),
    qposDim: 1,
    qvel: new Float32Array([9, 10]),
    qvelDim: 1,
    metadata: { dataset_id: "hopper-medium", seed: 0 },
    source: { format: "memory", nextObservations: "file", droppedRows: 0 },
  };
}

describe("dataset hashes", () => {
  const dir = mkdtempSync(join(tmpdir(), "adept-hash-"));
  const previous = process.env.ADEPT_POLICIES;
  before(() => {
    process.env.ADEPT_POLICIES = dir;
    writeFileSync(join(dir, "manifest.json"), "{}\n");
  });
  after(() => {
    if (previous === undefined) delete process.env.ADEPT_POLICIES;
    else process.env.ADEPT_POLICIES = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it("is SHA-256 of each column's `<key> <dtype> <shape>` line and little-endian bytes, in D4RL key order", () => {
    const d = tiny();
    const h = createHash("sha256");
    const f32 = (x: number[]) => Buffer.from(new Float32Array(x).buffer);
    for (const [line, bytes] of [
      ["observations float32 2,2", f32([1, 2, 3, 4])],
      ["actions float32 2,1", f32([0.5, -0.5])],
      ["rewards float32 2", f32([1, 0])],
      ["next_observations float32 2,2", f32([3, 4, 5, 6])],
      ["terminals uint8 2", Buffer.from([0, 1])],
      ["timeouts uint8 2", Buffer.from([0, 0])],
      ["infos/action_log_probs float32 2", f32([-1, -2])],
      ["infos/qpos float32 2,1", f32([7, 8])],
      ["infos/qvel float32 2,1", f32([9, 10])],
    ] as const) {
      h.update(`${line}\n`);
      h.update(bytes);
    }
    assert.equal(datasetSha256(d), h.digest("hex"));
    // any one value, or a flag, changes it
    const base = datasetSha256(d);
    const flipped = tiny();
    flipped.qvel![1] = Math.fround(10 + 1e-6);
    assert.notEqual(datasetSha256(flipped), base);
    const flag = tiny();
    flag.timeouts[0] = 1;
    assert.notEqual(datasetSha256(flag), base);
  });

  it("checks against the manifest: unpublished, then match after recording, mismatch after a change", () => {
    const d = tiny();
    assert.equal(checkHash(d, "t.hdf5").status, "unpublished");
    assert.equal(recordHash("hopper-medium", 2, 0, datasetSha256(d)), undefined);
    assert.equal(checkHash(d, "t.hdf5").status, "match");
    const other = { ...d, metadata: { ...d.metadata, seed: 1 } };
    assert.equal(checkHash(other, "t.hdf5").status, "unpublished", "the seed is part of the key");
    const changed = tiny();
    changed.rewards[0] = 2;
    const bad = checkHash(changed, "t.hdf5");
    assert.equal(bad.status, "mismatch");
    assert.equal(bad.expected, datasetSha256(d));
    assert.throws(() => checkHash({ ...d, metadata: {} }, "t.hdf5"), /t\.hdf5: "metadata\/dataset_id" is missing/);
  });

  it("publishing new policies drops the task's policy-built hashes, keeping random ones", () => {
    recordHash("hopper-random", 2, 0, "a".repeat(64));
    recordHash("hopper-medium-replay", 2, 0, "b".repeat(64));
    recordHash("walker2d-medium", 2, 0, "c".repeat(64));
    const run = join(dir, "run");
    mkdirSync(join(run, "snapshots"), { recursive: true });
    const policy = join(repoRoot(), "policies", "hopper", "medium.safetensors");
    copyFileSync(policy, join(run, "final-policy.safetensors"));
    publishPolicies(run, {
      task: "hopper",
      seed: 0,
      steps: 1,
      score: 1,
      targetScore: 1,
      snapshotEvery: 1,
      warmupSteps: 0,
      command: "test",
    });
    assert.equal(publishedHash("hopper-medium", 2, 0), undefined);
    assert.equal(publishedHash("hopper-medium-replay", 2, 0), undefined);
    assert.equal(publishedHash("hopper-random", 2, 0), "a".repeat(64));
    assert.equal(publishedHash("walker2d-medium", 2, 0), "c".repeat(64));
    assert.ok(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).hopper.medium);
  });
});
