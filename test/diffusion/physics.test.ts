import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DiffusionWorldModel,
  GaussianEnsembleWorldModel,
  physicsOneStep,
  physicsRollouts,
  splitByEpisodes,
} from "../../src/diffusion/index.js";
import { type LocomotionEnv, makeEnv, randomPolicy } from "../../src/envs/index.js";
import { Rng } from "../../src/util/rng.js";
import { randomPhysicsDataset } from "./_fixtures.js";

async function hopper(): Promise<LocomotionEnv | null> {
  try {
    return await makeEnv("hopper");
  } catch (error) {
    console.log(`# mujoco could not load, physics tests skipped: ${(error as Error).message}`);
    return null;
  }
}

test("physics: model vs simulator on logged states, and H-step rollouts, end to end on a tiny hopper dataset", async (t) => {
  const env = await hopper();
  if (!env) return t.skip("mujoco could not load");
  try {
    const rng = new Rng(1);
    const data = randomPhysicsDataset(env, 3000, rng);
    assert.ok(data.terminals.includes(1), "random hopper episodes terminate");
    const { train, test: held } = splitByEpisodes(data, 0.2, 0);
    const model = DiffusionWorldModel.fromDataset(data, { width: 128, depth: 2, lr: 1e-3, rewardWidth: 64 }, 1, train);
    model.fit(data, 600, { rows: train });
    const ensemble = GaussianEnsembleWorldModel.fromDataset(data, { members: 3, width: 64, depth: 2 }, 1, train);
    ensemble.fit(data, 600, { rows: train });
    const rows = held.subarray(0, 200);

    const one = physicsOneStep(model, data, rows, env, new Rng(2));
    // The logged data and our simulator agree (qpos/qvel were logged in float32).
    assert.ok(one.datasetVsSimulator.observationMaxAbs < 1e-5, `observation ${one.datasetVsSimulator.observationMaxAbs}`);
    assert.ok(one.datasetVsSimulator.nextState.nmse < 1e-6, `logged s′ vs simulator ${one.datasetVsSimulator.nextState.nmse}`);
    assert.ok(one.datasetVsSimulator.rewardMaxAbs < 1e-2, `reward ${one.datasetVsSimulator.rewardMaxAbs}`);
    // A briefly trained model is already far better than the dataset mean, and not worse than copying s.
    assert.ok(one.nextState.nmse < 0.3, `model nMSE vs physics ${one.nextState.nmse}`);
    assert.equal(one.nextState.nmsePerDim.length, 11);
    assert.ok(Number.isFinite(one.reward.mae));

    const oneEnsemble = physicsOneStep(ensemble, data, rows, env, new Rng(2));
    assert.ok(Number.isFinite(oneEnsemble.nextState.nmse));

    const policy = randomPolicy(env.spec.actionSpace, new Rng(3));
    const rollouts = physicsRollouts(model, data, rows.subarray(0, 64), env, policy, { horizon: 10, rng: new Rng(4) });
    assert.equal(rollouts.perStep.length, 10);
    assert.equal(rollouts.perStep[0]!.alive, 64);
    for (const s of rollouts.perStep) assert.ok(s.alive === 0 || (Number.isFinite(s.nmse) && Number.isFinite(s.rewardMae)));
    assert.ok(rollouts.perStep.at(-1)!.alive <= 64);
  } finally {
    env.close();
  }
});

test("physics evaluation explains what is missing without logged simulator states", async (t) => {
  const env = await hopper();
  if (!env) return t.skip("mujoco could not load");
  try {
    const data = randomPhysicsDataset(env, 300, new Rng(5));
    const bare = { ...data, qpos: undefined, qvel: undefined };
    const model = DiffusionWorldModel.fromDataset(data, { width: 16, depth: 1, rewardWidth: 16, rewardDepth: 1 });
    assert.throws(() => physicsOneStep(model, bare, [0, 1], env, new Rng(1)), /infos\/qpos/);
  } finally {
    env.close();
  }
});
