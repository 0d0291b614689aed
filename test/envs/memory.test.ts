// Wasm memory: flat over thousands of episodes and create/close cycles, and no stale
// views after the wasm heap grows.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeEnv, randomPolicy } from "../../src/envs/index.js";
import { compileModel, loadMujoco } from "../../src/envs/mujoco.js";
import { Rng } from "../../src/util/rng.js";

describe("wasm memory", () => {
  test("stays flat over 2000 episodes (resets and steps)", async () => {
    const env = await makeEnv("hopper");
    try {
      const policy = randomPolicy(env.spec.actionSpace, new Rng(0));
      const run = (episodes: number): void => {
        for (let i = 0; i < episodes; i++) {
          let obs = env.reset();
          for (;;) {
            const r = env.step(policy(obs, 1));
            obs = r.observation;
            if (r.terminated || r.truncated) break;
          }
        }
      };
      run(100); // warm-up: lazily sized buffers settle
      const before = env.memoryBytes();
      run(1900);
      assert.equal(env.memoryBytes(), before);
    } finally {
      env.close();
    }
  });

  test("stays flat over 300 create/close cycles (every handle freed)", async () => {
    const keeper = await makeEnv("walker2d"); // holds a view for reading the heap size
    try {
      const cycle = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          const env = await makeEnv(i % 2 === 0 ? "walker2d" : "halfcheetah");
          env.reset(i);
          env.step(new Float64Array(6));
          env.close();
        }
      };
      await cycle(20);
      const before = keeper.memoryBytes();
      await cycle(300);
      // A leaked MjData alone is ≥ 100 kB: 300 of them would grow the heap by tens of MB.
      assert.equal(keeper.memoryBytes(), before);
    } finally {
      keeper.close();
    }
  });

  test("an env keeps working, bit for bit, after the wasm heap grows under it", async () => {
    const mujoco = await loadMujoco();
    const old = await makeEnv("hopper");
    const before = old.memoryBytes();
    // A model with a 256 MB arena forces the heap to grow, detaching every old view.
    const big = compileModel(mujoco, '<mujoco><size memory="256M"/><worldbody><geom size="1"/></worldbody></mujoco>', "big");
    const bigData = new mujoco.MjData(big);
    const fresh = await makeEnv("hopper");
    try {
      assert.ok(fresh.memoryBytes() > before, "the heap grew");
      const action = new Float64Array(3);
      const rng = new Rng(5);
      const [a, b] = [old.reset(7), fresh.reset(7)];
      assert.deepEqual(Array.from(a), Array.from(b));
      for (let t = 0; t < 20; t++) {
        rng.fillUniform(action, -1, 1);
        const ra = old.step(action);
        const oa = Array.from(ra.observation);
        const rb = fresh.step(action);
        assert.deepEqual(oa, Array.from(rb.observation), `step ${t}`);
        assert.equal(ra.reward, rb.reward);
        if (rb.terminated) break;
      }
      assert.deepEqual(old.getState(), fresh.getState());
    } finally {
      bigData.delete();
      big.delete();
      old.close();
      fresh.close();
    }
  });
});
