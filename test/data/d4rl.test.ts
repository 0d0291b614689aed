import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { episodeRanges, loadDataset, readD4rl, summarize, writeD4rl } from "../../src/data/index.js";
import { normalizedScore } from "../../src/envs/scores.js";
import { Rng } from "../../src/util/rng.js";
import { sameBits, syntheticDataset, syntheticSteps, tempDir, writeRawHdf5 } from "./_fixtures.js";

const tmp = tempDir();
after(tmp.cleanup);

describe("D4RL round trip", () => {
  test("write → read reproduces every column bit for bit, and the metadata", async () => {
    const original = syntheticDataset(1);
    original.nextObservationMissing = new Uint8Array(original.size);
    original.nextObservationMissing[3] = 1;
    const path = tmp.path("roundtrip.hdf5");
    await writeD4rl(path, original);
    const back = await readD4rl(path);
    for (const key of [
      "observations",
      "actions",
      "rewards",
      "nextObservations",
      "terminals",
      "timeouts",
      "actionLogProbs",
      "qpos",
      "qvel",
      "nextObservationMissing",
    ] as const) {
      assert.ok(sameBits(original[key], back[key]), `${key} differs`);
    }
    assert.equal(back.qposDim, original.qposDim);
    assert.equal(back.qvelDim, original.qvelDim);
    assert.equal(back.metadata.algorithm, "SAC");
    assert.equal(back.metadata.iteration, 7);
    assert.equal(back.metadata.ratio, 0.25);
    assert.deepEqual(back.metadata.policy, { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
    assert.equal(back.source.nextObservations, "file");
  });

  test("the writer leaves no temporary file behind and writes the task as metadata/env", async () => {
    const { readdirSync } = await import("node:fs");
    const d = syntheticDataset(2, 10, 11, 3);
    d.task = "hopper";
    const path = tmp.path("plain-name.hdf5");
    await writeD4rl(path, d);
    assert.ok(!readdirSync(tmp.dir).some((f) => f.includes(".partial")));
    const back = await readD4rl(path);
    assert.equal(back.metadata.env, "hopper");
    assert.equal(back.task, "hopper");
  });
});

describe("D4RL reader", () => {
  test("float64 arrays, (N,1) columns, bool flags, no next_observations: derived s' never crosses an episode boundary", async () => {
    const rng = new Rng(3);
    const S = 3;
    const A = 2;
    // Episodes: terminal after 4 steps, timeout after 3, then 3 trailing steps without a flag.
    const s = syntheticSteps(rng, S, A, [
      { length: 4, end: "terminal" },
      { length: 3, end: "timeout" },
      { length: 3, end: "none" },
    ]);
    const path = tmp.path("float64-no-next.hdf5");
    await writeRawHdf5(path, [
      { key: "observations", data: Float64Array.from(s.observations), shape: [s.N, S], dtype: "<d" },
      { key: "actions", data: Float64Array.from(s.actions), shape: [s.N, A], dtype: "<d" },
      { key: "rewards", data: Float64Array.from(s.rewards), shape: [s.N, 1], dtype: "<d" },
      { key: "terminals", data: Int8Array.from(s.terminals), shape: [s.N, 1], dtype: "<b" },
      { key: "timeouts", data: s.timeouts, shape: [s.N], dtype: "<B" },
    ]);
    const d = await readD4rl(path);
    assert.equal(d.source.nextObservations, "derived");
    // Dropped: the timeout row (6) and the file's last row (9); kept 8 rows.
    assert.equal(d.source.droppedRows, 2);
    assert.equal(d.size, 8);
    const kept = [0, 1, 2, 3, 4, 5, 7, 8];
    const row = (a: Float32Array, i: number) => Array.from(a.subarray(i * S, (i + 1) * S));
    kept.forEach((src, k) => {
      assert.deepEqual(row(d.observations, k), row(s.observations, src));
      if (src === 3) {
        // terminal: s' unknown → placeholder s, flagged
        assert.deepEqual(row(d.nextObservations, k), row(s.observations, 3));
        assert.equal(d.nextObservationMissing?.[k], 1);
      } else {
        assert.deepEqual(row(d.nextObservations, k), row(s.observations, src + 1), `row ${src}`);
        assert.equal(d.nextObservationMissing?.[k], 0);
      }
    });
    // The step before each dropped end now carries the timeout, so boundaries survive.
    assert.deepEqual(Array.from(d.terminals), [0, 0, 0, 1, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(d.timeouts), [0, 0, 0, 0, 0, 1, 0, 1]);
    const episodes = episodeRanges(d);
    assert.deepEqual(Array.from(episodes.ends), [4, 6, 8]);
    // float64 → float32 conversion keeps the values (they were float32 to begin with).
    assert.ok(sameBits(d.rewards.subarray(0, 4), s.rewards.subarray(0, 4)));
  });

  test("optional keys may be absent; uint8 flags; metadata groups are walked", async () => {
    const rng = new Rng(4);
    const s = syntheticSteps(rng, 2, 1, [{ length: 5, end: "terminal" }]);
    const path = tmp.path("minimal.hdf5");
    await writeRawHdf5(path, [
      { key: "observations", data: s.observations, shape: [s.N, 2], dtype: "<f" },
      { key: "actions", data: s.actions, shape: [s.N, 1], dtype: "<f" },
      { key: "rewards", data: s.rewards, shape: [s.N], dtype: "<f" },
      { key: "terminals", data: s.terminals, shape: [s.N], dtype: "<B" },
      { key: "next_observations", data: s.observations, shape: [s.N, 2], dtype: "<f" },
      { key: "metadata/algorithm", data: "random" },
      { key: "metadata/policy/fc0/weight", data: Float32Array.of(1, 2), shape: [1, 2], dtype: "<f" },
    ]);
    const d = await readD4rl(path);
    assert.equal(d.size, 5);
    assert.equal(d.actionLogProbs, undefined);
    assert.equal(d.qpos, undefined);
    assert.deepEqual(Array.from(d.timeouts), [0, 0, 0, 0, 0]);
    assert.equal(d.metadata.algorithm, "random");
    assert.deepEqual((d.metadata["policy/fc0/weight"] as { shape: number[] }).shape, [1, 2]);
    assert.equal(d.task, undefined);
  });

  test("the environment comes from the file name, and the summary gives normalized scores", async () => {
    const rng = new Rng(5);
    const s = syntheticSteps(rng, 11, 3, [
      { length: 3, end: "terminal" },
      { length: 2, end: "timeout" },
    ]);
    s.rewards.set([1, 2, 3, 10, 20]);
    const path = tmp.path("hopper-medium-replay-v2.hdf5");
    await writeRawHdf5(path, [
      { key: "observations", data: s.observations, shape: [s.N, 11], dtype: "<f" },
      { key: "actions", data: s.actions, shape: [s.N, 3], dtype: "<f" },
      { key: "rewards", data: s.rewards, shape: [s.N], dtype: "<f" },
      { key: "terminals", data: s.terminals, shape: [s.N], dtype: "<B" },
      { key: "timeouts", data: s.timeouts, shape: [s.N], dtype: "<B" },
    ]);
    const d = await loadDataset(path);
    assert.equal(d.task, "hopper");
    assert.equal(d.source.taskFrom, "the file name");
    const summary = summarize(d);
    assert.equal(summary.task, "hopper");
    // Derivation drops the timeout row (reward 20): returns 6 and 10.
    assert.deepEqual([summary.returns.min, summary.returns.max], [6, 10]);
    assert.ok(Math.abs((summary.normalizedScore?.max ?? 0) - normalizedScore("hopper", 10)) < 1e-9);
    // Inference can be switched off, or overridden (and then checked).
    assert.equal((await loadDataset(path, { task: null })).task, undefined);
    await assert.rejects(loadDataset(path, { task: "halfcheetah" }), /"observations" has width 11 but halfcheetah observations have 17/);
  });
});
