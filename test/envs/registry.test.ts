import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { D4RL_DATASET_KINDS, listTasks, normalizedScore, resolveEnv, UnknownEnvError } from "../../src/envs/index.js";

describe("registry", () => {
  test("task names, D4RL ids and Gym ids resolve to the task and its reference scores", () => {
    assert.deepEqual(listTasks(), ["halfcheetah", "hopper", "walker2d"]);
    assert.deepEqual(resolveEnv("hopper"), {
      name: "hopper",
      task: "hopper",
      gymId: "Hopper-v3",
      referenceScores: { random: -20.272305, expert: 3234.3 },
    });
    const replay = resolveEnv("hopper-medium-replay-v2");
    assert.equal(replay.task, "hopper");
    assert.deepEqual(replay.dataset, { kind: "medium-replay", version: "v2" });
    assert.deepEqual(replay.referenceScores, { random: -20.272305, expert: 3234.3 });
    for (const kind of D4RL_DATASET_KINDS) assert.equal(resolveEnv(`walker2d-${kind}-v2`).task, "walker2d");
    assert.deepEqual(resolveEnv("halfcheetah-random-v0").referenceScores, { random: -280.178953, expert: 12135.0 });
    assert.equal(resolveEnv("HalfCheetah-v3").task, "halfcheetah");
    assert.equal(resolveEnv("Walker2d-v3").task, "walker2d");
    assert.deepEqual(resolveEnv("walker2d").referenceScores, { random: 1.629008, expert: 4592.3 });
  });

  test("unknown names throw UnknownEnvError naming what is accepted", () => {
    for (const name of ["ant", "hopper-v2", "hopper-medium-v3", "hopper-mediumreplay-v2", "Hopper", "", "toString", "__proto__"]) {
      assert.throws(
        () => resolveEnv(name),
        (e: unknown) => e instanceof UnknownEnvError && /hopper-medium-replay-v2/.test(e.message),
        name,
      );
    }
  });

  test("normalized score is 0 at the random reference and 100 at the expert one", () => {
    for (const task of listTasks()) {
      const { random, expert } = resolveEnv(task).referenceScores!;
      assert.ok(Math.abs(normalizedScore(task, random)) < 1e-12);
      assert.ok(Math.abs(normalizedScore(task, expert) - 100) < 1e-12);
    }
    assert.ok(Math.abs(normalizedScore("hopper", 1607.0) - (100 * (1607.0 + 20.272305)) / (3234.3 + 20.272305)) < 1e-12);
  });
});
