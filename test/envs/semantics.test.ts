// D4RL (Gym "-v3") semantics of the three tasks: observation layout, reward, termination,
// time limit, reset noise, state get/set. See docs/envs.md, "The tasks".
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type LocomotionEnv, makeEnv } from "../../src/envs/index.js";
import { Rng } from "../../src/util/rng.js";

const envs: Record<string, LocomotionEnv> = {};
before(async () => {
  for (const task of ["halfcheetah", "hopper", "walker2d"]) envs[task] = await makeEnv(task);
});
after(() => {
  for (const env of Object.values(envs)) env.close();
});
const get = (task: string): LocomotionEnv => envs[task] as LocomotionEnv;

describe("specs", () => {
  test("dimensions, frame skip and dt match docs/envs.md", () => {
    const expected = { halfcheetah: [17, 6, 5, 0.05], hopper: [11, 3, 4, 0.008], walker2d: [17, 6, 4, 0.008] };
    for (const [task, [obs, act, skip, dt]] of Object.entries(expected)) {
      const spec = get(task).spec;
      assert.deepEqual([spec.observationSpace.dim, spec.actionSpace.dim, spec.frameSkip], [obs, act, skip], task);
      assert.ok(Math.abs(spec.dt - (dt as number)) < 1e-15, `${task} dt ${spec.dt}`);
      assert.equal(spec.maxEpisodeSteps, 1000);
      assert.ok(spec.actionSpace.low.every((v) => v === -1) && spec.actionSpace.high.every((v) => v === 1));
    }
  });
});

describe("observation", () => {
  test("is qpos[1:] ++ qvel, with qvel clipped to ±10 for hopper and walker2d only", () => {
    for (const task of ["halfcheetah", "hopper", "walker2d"]) {
      const env = get(task);
      env.reset(1);
      const { qpos, qvel } = env.getState();
      qvel.forEach((_, i) => {
        qvel[i] = i % 2 === 0 ? 50 : -0.5; // beyond the clip on even indices
      });
      const obs = Array.from(env.setState({ qpos, qvel }));
      const clip = task === "halfcheetah" ? Number.POSITIVE_INFINITY : 10;
      const expected = [...Array.from(qpos).slice(1), ...Array.from(qvel, (v) => Math.max(-clip, Math.min(clip, v)))];
      assert.deepEqual(obs, Array.from(Float32Array.from(expected)), task);
    }
  });
});

describe("reward", () => {
  test("= x-velocity − ctrl cost (+1 healthy), x-velocity from qpos[0] over dt", () => {
    const weights = { halfcheetah: [0.1, 0], hopper: [1e-3, 1], walker2d: [1e-3, 1] };
    const rng = new Rng(3);
    for (const [task, [ctrlWeight, healthy]] of Object.entries(weights)) {
      const env = get(task);
      env.reset(5);
      const action = new Float64Array(env.spec.actionSpace.dim);
      for (let t = 0; t < 5; t++) {
        rng.fillUniform(action, -1, 1);
        const xBefore = env.getState().qpos[0] as number;
        const r = env.step(action);
        const xAfter = env.getState().qpos[0] as number;
        const xVelocity = (xAfter - xBefore) / env.spec.dt;
        const ctrl = action.reduce((s, a) => s + a * a, 0) * (ctrlWeight as number);
        assert.ok(Math.abs(r.info.xVelocity - xVelocity) < 1e-12);
        assert.equal(r.info.xPosition, xAfter);
        assert.ok(Math.abs(r.reward - (xVelocity - ctrl + (healthy as number))) < 1e-12, `${task} reward`);
        assert.equal(r.info.rewardHealthy, healthy);
        if (r.terminated) break;
      }
    }
  });
});

describe("termination and time limit", () => {
  for (const task of ["hopper", "walker2d"]) {
    test(`${task} terminates when the torso falls, and only then`, () => {
      const env = get(task);
      env.reset(0);
      // Zero torques: the robot collapses under gravity within a few hundred steps.
      const zero = new Float64Array(env.spec.actionSpace.dim);
      let steps = 0;
      for (;;) {
        const r = env.step(zero);
        steps++;
        const { qpos, qvel } = env.getState();
        const z = qpos[1] as number;
        const angle = qpos[2] as number;
        const outOfRange = [...qpos.slice(2), ...qvel].some((v) => Math.abs(v) >= 100);
        const fallen = task === "hopper" ? z <= 0.7 || Math.abs(angle) >= 0.2 || outOfRange : z <= 0.8 || z >= 2 || Math.abs(angle) >= 1;
        assert.equal(r.terminated, fallen, `${task} step ${steps}: z ${z}, angle ${angle}`);
        assert.equal(r.truncated, false);
        if (r.terminated) break;
        assert.ok(steps < 1000, `${task} never fell`);
      }
      assert.ok(steps > 5, `${task} fell at once (${steps})`);
      assert.throws(() => env.step(zero), /reset/);
    });

    test(`${task} terminates on a fallen state set directly`, () => {
      const env = get(task);
      env.reset(0);
      const { qpos, qvel } = env.getState();
      qpos[1] = 0.3; // torso on the ground
      env.setState({ qpos, qvel });
      assert.equal(env.step(new Float64Array(env.spec.actionSpace.dim)).terminated, true);
    });
  }

  test("hopper terminates when any |(qpos, qvel)[2:]| ≥ 100", () => {
    const env = get("hopper");
    env.reset(0);
    const { qpos, qvel } = env.getState();
    qvel[4] = 5000; // a leg joint spinning far beyond the health range
    env.setState({ qpos, qvel });
    assert.equal(env.step(new Float64Array(3)).terminated, true);
  });

  test("halfcheetah never terminates, even upside down, and is truncated at exactly 1000 steps", () => {
    const env = get("halfcheetah");
    env.reset(0);
    const { qpos, qvel } = env.getState();
    qpos[2] = Math.PI; // flipped
    env.setState({ qpos, qvel });
    const rng = new Rng(1);
    const action = new Float64Array(6);
    for (let t = 1; t <= 1000; t++) {
      rng.fillUniform(action, -1, 1);
      const r = env.step(action);
      assert.equal(r.terminated, false);
      assert.equal(r.truncated, t === 1000, `step ${t}`);
    }
    assert.equal(env.elapsedSteps, 1000);
    assert.throws(() => env.step(action), /reset/);
  });

  test("a custom time limit truncates hopper at that step", async () => {
    const env = await makeEnv("hopper", { maxEpisodeSteps: 3 });
    try {
      env.reset(0);
      const a = new Float64Array(3);
      assert.deepEqual(
        [1, 2, 3].map(() => env.step(a).truncated),
        [false, false, true],
      );
    } finally {
      env.close();
    }
  });
});

describe("reset", () => {
  test("hopper/walker2d noise is U(±5e-3) on qpos and qvel around qpos0 = [0, 1.25, 0, …]", () => {
    for (const task of ["hopper", "walker2d"]) {
      const env = get(task);
      for (let seed = 0; seed < 50; seed++) {
        env.reset(seed);
        const { qpos, qvel } = env.getState();
        qpos.forEach((q, i) => {
          assert.ok(Math.abs(q - (i === 1 ? 1.25 : 0)) <= 5e-3, `${task} qpos[${i}] ${q}`);
        });
        qvel.forEach((v) => {
          assert.ok(Math.abs(v) <= 5e-3);
        });
      }
    }
  });

  test("halfcheetah noise: qpos U(±0.1), qvel 0.1·N(0, 1)", () => {
    const env = get("halfcheetah");
    const velocities: number[] = [];
    for (let seed = 0; seed < 200; seed++) {
      env.reset(seed);
      const { qpos, qvel } = env.getState();
      qpos.forEach((q) => {
        assert.ok(Math.abs(q) <= 0.1);
      });
      velocities.push(...qvel);
    }
    const std = Math.sqrt(velocities.reduce((s, v) => s + v * v, 0) / velocities.length);
    // 1800 draws: the sample std of N(0, 0.1²) is within ±5% with overwhelming probability.
    assert.ok(Math.abs(std - 0.1) < 0.005, `qvel std ${std}`);
    assert.ok(
      velocities.some((v) => Math.abs(v) > 0.2),
      "normal tails, not a uniform box",
    );
  });

  test("the same seed gives the same episode; a new seed a different one; no seed continues the stream", () => {
    const env = get("walker2d");
    const first = Array.from(env.reset(42));
    const second = Array.from(env.reset(43));
    assert.deepEqual(Array.from(env.reset(42)), first);
    assert.notDeepEqual(second, first);
    const third = Array.from(env.reset());
    assert.notDeepEqual(third, first);
    assert.equal(env.elapsedSteps, 0);
  });
});

describe("state", () => {
  test("getState copies; after setState a step depends on (qpos, qvel, action) only", async () => {
    const env = get("walker2d");
    const other = await makeEnv("walker2d");
    try {
      env.reset(9);
      const rng = new Rng(11);
      const action = new Float64Array(6);
      for (let t = 0; t < 10; t++) {
        rng.fillUniform(action, -1, 1);
        env.step(action);
      }
      const saved = env.getState();
      saved.qpos[1] = 99; // a copy: writing it must not touch the simulator
      assert.notEqual(env.getState().qpos[1], 99);
      saved.qpos[1] = env.getState().qpos[1] as number;
      rng.fillUniform(action, -1, 1);
      const logged = env.step(action);
      const loggedNext = env.getState();
      // Replay from the saved state in this env and in a fresh one with another history.
      const replays = [env, other].map((e) => {
        e.reset(123);
        e.setState(saved);
        const obs = Array.from(e.step(action).observation);
        return { obs, state: e.getState() };
      });
      assert.deepEqual(replays[0], replays[1], "bitwise identical whatever ran before");
      // Against the logged continuation (which had the solver's warm start): equal to ~1e-13.
      const next = replays[0]?.state as { qpos: Float64Array; qvel: Float64Array };
      next.qpos.forEach((q, i) => {
        assert.ok(Math.abs(q - (loggedNext.qpos[i] as number)) < 1e-9);
      });
      next.qvel.forEach((v, i) => {
        assert.ok(Math.abs(v - (loggedNext.qvel[i] as number)) < 1e-9);
      });
      assert.ok(logged.reward !== 0);
    } finally {
      other.close();
    }
  });

  test("rejects wrong sizes, bad actions, use before reset and after close", async () => {
    const env = await makeEnv("hopper");
    assert.throws(() => env.step([0, 0, 0]), /before reset/);
    env.reset(0);
    assert.throws(() => env.step([0, 0]), /length 2/);
    assert.throws(() => env.step([0, Number.NaN, 0]), /action\[1\]/);
    assert.throws(() => env.setState({ qpos: [0], qvel: [0] }), /expected 6\/6/);
    env.close();
    env.close(); // idempotent
    assert.throws(() => env.reset(0), /closed/);
  });
});
