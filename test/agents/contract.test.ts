// The contract every agent passes: finite metrics; the loss falls on a fixed batch;
// save → load reproduces act exactly; the same seed gives identical metrics.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadAgentCheckpoint, saveAgentCheckpoint } from "../../src/agents/checkpoint.js";
import { ALGORITHMS, makeAgent, migrateConfig } from "../../src/agents/registry.js";
import { datasetStats } from "../../src/data/normalizer.js";
import { allocateBatch } from "../../src/data/replay.js";
import { Rng } from "../../src/util/rng.js";
import { A, banditBuffer, S } from "./toy.js";

const small = { hiddenWidth: 32 };
/** Columns for normalization statistics (their values do not matter here). */
const banditDataset = {
  size: 4,
  observationDim: S,
  actionDim: A,
  observations: new Float32Array(4 * S).map((_, i) => i),
  actions: new Float32Array(4 * A).map((_, i) => -i),
  rewards: new Float32Array([1, 2, 3, 4]),
  nextObservations: new Float32Array(4 * S),
  terminals: new Uint8Array([0, 1, 0, 1]),
  timeouts: new Uint8Array(4),
};

for (const algo of Object.keys(ALGORITHMS)) {
  describe(`agent contract: ${algo}`, () => {
    const buffer = banditBuffer(512, 1);
    const batch = allocateBatch({ observationDim: S, actionDim: A }, 64);
    buffer.sample(new Rng(2), batch);

    it("reports finite, namespaced metrics", () => {
      const agent = makeAgent(algo, S, A, small, 0);
      for (let i = 0; i < 3; i++) {
        const m = agent.update(batch);
        assert.ok(Object.keys(m).length > 0);
        for (const [k, v] of Object.entries(m)) {
          assert.match(k, /^[a-z]+\/[a-z_0-9]+$/, `metric name ${k}`);
          // Every metric finite, from the first update: the training loop takes a non-finite loss for divergence.
          assert.ok(Number.isFinite(v), `${algo} ${k} = ${v}`);
        }
      }
      assert.equal(agent.updates, 3);
    });

    it("lowers its main loss on a fixed batch", () => {
      const agent = makeAgent(algo, S, A, small, 0);
      const key = algo === "bc" ? "loss/actor" : "loss/q";
      const first = agent.update(batch)[key]!;
      let last = first;
      for (let i = 0; i < 150; i++) last = agent.update(batch)[key]!;
      assert.ok(last < first, `${algo}: ${key} went from ${first} to ${last}`);
    });

    it("save → load reproduces act exactly, and training continues identically", () => {
      const agent = makeAgent(algo, S, A, small, 3);
      for (let i = 0; i < 5; i++) agent.update(batch);
      const copy = makeAgent(algo, S, A, small, 99);
      copy.loadState(agent.state());
      const obs = new Float32Array(10 * S).map((_, i) => Math.sin(i));
      assert.deepEqual(copy.act(obs, 10, true).slice(), agent.act(obs, 10, true).slice());
      assert.deepEqual(copy.update(batch), agent.update(batch));
      assert.deepEqual(copy.act(obs, 10, false).slice(), agent.act(obs, 10, false).slice());
    });

    it("round-trips through a checkpoint file (config through JSON)", () => {
      const dir = mkdtempSync(join(tmpdir(), "adept-ckpt-"));
      try {
        const agent = makeAgent(algo, S, A, small, 4);
        agent.update(batch);
        const stats = datasetStats({ ...banditDataset, task: undefined } as never, { rewardScaling: "none" });
        saveAgentCheckpoint(join(dir, "a.safetensors"), agent, { stats });
        const { agent: loaded } = loadAgentCheckpoint(join(dir, "a.safetensors"));
        assert.deepEqual(loaded.config, agent.config);
        const obs = new Float32Array(6 * S).map((_, i) => Math.cos(i));
        assert.deepEqual(loaded.act(obs, 6, true).slice(), agent.act(obs, 6, true).slice());
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("is deterministic given its seed", () => {
      const run = (seed: number) => {
        const agent = makeAgent(algo, S, A, small, seed);
        return Array.from({ length: 4 }, () => agent.update(batch));
      };
      assert.deepEqual(run(5), run(5));
      assert.notDeepEqual(run(5), run(6));
    });
  });
}

describe("checkpoint config migration", () => {
  it("reads SAC's pre-rename targetEntropy: null as the per-dimension default and rejects other values", () => {
    const migrated = migrateConfig("sac", { actorLr: 1e-3, targetEntropy: null }, "old.safetensors");
    assert.deepEqual(migrated, { actorLr: 1e-3, targetEntropyPerDim: -1 });
    makeAgent("sac", S, A, { ...migrated, hiddenWidth: 32 }); // accepted by the current schema
    makeAgent("sac", S, A, { targetEntropy: null, hiddenWidth: 32 }); // and migrated wherever agents are made (run resume)
    assert.throws(() => migrateConfig("sac", { targetEntropy: -3 }, "old.safetensors"), /old\.safetensors.*targetEntropy/);
    assert.deepEqual(migrateConfig("iql", { targetEntropy: null }, "x"), { targetEntropy: null }); // other algorithms untouched
  });
});
