import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { Command } from "commander";
import { register } from "../../src/cli/wm.js";
import { writeD4rl } from "../../src/data/index.js";
import { makeEnv } from "../../src/envs/index.js";
import { Rng } from "../../src/util/rng.js";
import { randomPhysicsDataset, tempDir } from "./_fixtures.js";

/** Runs `adept …args` in-process on a fresh program with the wm commands; returns stdout. */
async function adept(...args: string[]): Promise<string> {
  const program = new Command().name("adept").exitOverride();
  register(program);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(["node", "adept", ...args]);
  } finally {
    process.stdout.write = write;
  }
  return chunks.join("");
}

test("adept wm train / wm eval --physics with tiny budgets", async (t) => {
  let env: Awaited<ReturnType<typeof makeEnv>>;
  try {
    env = await makeEnv("hopper");
  } catch (error) {
    return t.skip(`mujoco could not load: ${(error as Error).message}`);
  }
  const tmp = tempDir();
  try {
    const data = randomPhysicsDataset(env, 600, new Rng(1));
    env.close();
    await writeD4rl(tmp.path("hopper-tiny.hdf5"), data);
    const out = tmp.path("wm");
    const trained = await adept(
      "wm",
      "train",
      "--dataset",
      tmp.path("hopper-tiny.hdf5"),
      "--steps",
      "20",
      "--out",
      out,
      "--width",
      "32",
      "--depth",
      "1",
      "--reward-width",
      "16",
      "--batch-size",
      "64",
      "--baseline",
      "--log-every",
      "10",
      "--target",
      "delta",
    );
    assert.match(trained, /diffusion step 20\/20/);
    assert.match(trained, /wrote .*with the ensemble baseline/);
    for (const f of ["world-model.safetensors", "ensemble.safetensors", "train.json"]) assert.ok(existsSync(`${out}/${f}`), f);
    const record = JSON.parse(readFileSync(`${out}/train.json`, "utf8"));
    assert.equal(record.config.target, "delta");
    assert.equal(record.config.width, 32);

    const evalArgs = [
      "wm",
      "eval",
      "--model",
      out,
      "--dataset",
      tmp.path("hopper-tiny.hdf5"),
      "--physics",
      "--rows",
      "40",
      "--horizon",
      "3",
    ];
    const text = await adept(...evalArgs);
    assert.match(text, /held-out one step/);
    assert.match(text, /3-step rollouts/);
    const json = JSON.parse(await adept(...evalArgs, "--json"));
    for (const name of ["diffusion", "ensemble"]) {
      const m = json.models[name];
      assert.ok(Number.isFinite(m.heldOut.nextState.nmse), name);
      assert.ok(m.physics.datasetVsSimulator.nextState.nmse < 1e-6, "the logged data matches the simulator");
      assert.equal(m.rollouts.perStep.length, 3);
    }
    await assert.rejects(adept("wm", "train", "--dataset", tmp.path("nope.hdf5"), "--steps", "1", "--out", out), /no such file/);
    await assert.rejects(
      adept("wm", "train", "--dataset", tmp.path("hopper-tiny.hdf5"), "--steps", "1", "--out", out, "--target", "bogus"),
      /argument .bogus. is invalid. Allowed choices are next, delta/,
    );
  } finally {
    env.close();
    tmp.cleanup();
  }
});
