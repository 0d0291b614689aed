// The README's library example, run as written (smaller sizes and budgets).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { agentPolicy, buildDataset, evaluate, loadAgentCheckpoint, loadDataset, trainOffline } from "../src/index.js";

it("the README example runs: build, load, train ADEPT, load the checkpoint, act, evaluate", async () => {
  const dir = mkdtempSync(join(tmpdir(), "adept-api-"));
  try {
    const file = join(dir, "hopper-random.hdf5");
    await buildDataset("hopper-random", { size: 3000, out: file });
    const dataset = await loadDataset(file);
    assert.equal(dataset.size, 3000);
    assert.equal(dataset.task, "hopper");
    const summary = await trainOffline({
      algo: "adept-iql",
      dataset: file,
      steps: 60,
      seed: 0,
      out: join(dir, "run"),
      evalEvery: 0,
      evalEpisodes: 2,
      progress: false,
      config: {
        hiddenWidth: 16,
        wmWidth: 16,
        wmDepth: 1,
        wmDenoisingSteps: 3,
        wmPretrainSteps: 20,
        iterationSteps: 30,
        wmStepsPerIteration: 2,
        isBatchSize: 64,
        rolloutCount: 32,
        horizon: 3,
        gapSamples: 32,
        gapRollouts: 2,
      },
    });
    assert.ok(Number.isFinite(summary.last!.normalized.mean));
    const { agent, info } = loadAgentCheckpoint(join(dir, "run", "latest.safetensors"));
    const policy = agentPolicy(agent, info.stats);
    const actions = policy(dataset.observations.subarray(0, 4 * dataset.observationDim), 4);
    assert.equal(actions.length, 12);
    for (const a of actions) assert.ok(a >= -1 && a <= 1);
    const result = await evaluate(policy, "hopper", { episodes: 2, seed: 1 });
    assert.equal(result.returns.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("the public API is flat and complete: every folder's public API, the ADEPT learner and its config, the world model", async () => {
  const api: Record<string, unknown> = await import("../src/index.js");
  for (const area of ["data", "envs", "tensor", "diffusion"]) {
    const module: Record<string, unknown> = await import(`../src/${area}/index.js`);
    for (const [name, value] of Object.entries(module))
      assert.equal(api[name], value, `${area}/index.ts exports ${name}, src/index.ts does not`);
  }
  for (const name of [
    "AdeptLearner",
    "resolveAdeptConfig",
    "ADEPT_VARIANTS",
    "DiffusionWorldModel",
    "WORLD_MODEL_CONFIG",
    "trainOnlineSAC",
  ])
    assert.ok(api[name] !== undefined, name);
  // One style: no namespace objects beside the flat names.
  for (const name of ["data", "envs", "tensor", "diffusion"]) assert.equal(api[name], undefined, name);
});
