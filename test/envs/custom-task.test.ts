// A MuJoCo task that is not built in (examples/inverted-pendulum.js, Gymnasium's
// InvertedPendulum-v4 from its MJCF) through the public API: an env, batched evaluation with
// normalized scores, a collected random dataset, and its termination rule in model rollouts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { rolloutTermination } from "../../src/adept/learner.js";
import { collectTransitions, uniformBoxPolicy } from "../../src/collect/collect.js";
import {
  type BatchPolicy,
  defineTask,
  evaluate,
  type MujocoTask,
  makeEnv,
  openEnv,
  randomPolicy,
  registerTask,
  resolveEnv,
  TaskDefinitionError,
  terminationRuleOf,
  unregisterTask,
} from "../../src/index.js";
import { Rng } from "../../src/util/rng.js";
import { repoRoot } from "../helpers.js";

const EXAMPLE = join(repoRoot(), "examples", "inverted-pendulum.js");
let task: MujocoTask;

/** A PD controller on the pole angle and the cart: balances for the whole time limit. */
const balance: BatchPolicy = (obs, n) => {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [x, angle, v, w] = [obs[i * 4]!, obs[i * 4 + 1]!, obs[i * 4 + 2]!, obs[i * 4 + 3]!];
    out[i] = Math.max(-3, Math.min(3, x + 0.2 * v + 10 * angle + w));
  }
  return out;
};

describe("a user's MuJoCo task: the inverted pendulum from its MJCF", () => {
  before(async () => {
    task = ((await import(pathToFileURL(EXAMPLE).href)) as { task: MujocoTask }).task;
    registerTask(task);
  });
  after(() => unregisterTask("inverted-pendulum"));

  test("resolves by name and Gym id, with its reference scores", () => {
    for (const name of ["inverted-pendulum", "InvertedPendulum-v4"]) {
      const entry = resolveEnv(name);
      assert.equal(entry.task, "inverted-pendulum");
      assert.deepEqual(entry.referenceScores, { random: 5.982, expert: 1000 });
    }
  });

  test("makeEnv: Gymnasium's spaces, +1 per step, terminates when the pole passes 0.2 rad", async () => {
    const env = await makeEnv("inverted-pendulum");
    try {
      assert.equal(env.spec.observationSpace.dim, 4);
      assert.deepEqual([...env.spec.actionSpace.low, ...env.spec.actionSpace.high], [-3, 3]);
      assert.equal(env.spec.frameSkip, 2);
      assert.ok(Math.abs(env.spec.dt - 0.04) < 1e-12);
      const first = Float32Array.from(env.reset(0));
      assert.ok(
        first.every((v) => Math.abs(v) <= 0.01),
        `reset noise U(±0.01): ${first}`,
      );
      // Pushing the cart one way tips the pole the other way until it falls.
      let steps = 0;
      let r = env.step([3]);
      for (steps = 1; !r.terminated && !r.truncated; steps++) {
        assert.equal(r.reward, 1);
        r = env.step([3]);
      }
      assert.ok(r.terminated && steps < 100, `fell after ${steps} steps`);
      assert.ok(Math.abs(r.observation[1]!) > 0.2);
      assert.ok(task.terminationRule!(r.observation, 0, 4));
    } finally {
      env.close();
    }
  });

  test("evaluate: a balancing controller scores 100, a random policy near its reference 0", async () => {
    const good = await evaluate(balance, "inverted-pendulum", { episodes: 4, seed: 1 });
    assert.deepEqual(good.lengths, [1000, 1000, 1000, 1000]);
    assert.equal(good.normalized!.mean, 100);
    const source = await openEnv("inverted-pendulum");
    const random = await evaluate(randomPolicy(source.actionSpace, new Rng(2)), "inverted-pendulum", { episodes: 50, seed: 2 });
    assert.ok(random.return.mean < 15 && random.return.mean > 2, `random return ${random.return.mean}`);
    assert.ok(Math.abs(random.normalized!.mean) < 1, `random normalized ${random.normalized!.mean}`);
    assert.ok(random.terminated.every(Boolean));
  });

  test("collectTransitions: a random dataset tagged with the task, terminals where its rule says", async () => {
    const source = await openEnv("inverted-pendulum");
    const data = await collectTransitions("inverted-pendulum", 3000, uniformBoxPolicy(source.actionSpace, new Rng(3)), { seed: 4 });
    assert.equal(data.task, "inverted-pendulum");
    assert.deepEqual([data.observationDim, data.actionDim, data.qposDim, data.qvelDim], [4, 1, 2, 2]);
    assert.ok(data.actions.every((a) => a >= -3 && a <= 3) && data.actions.some((a) => Math.abs(a) > 1), "actions span [−3, 3]");
    assert.ok(Math.abs(data.actionLogProbs![0]! + Math.log(6)) < 1e-6, "log-density of U(−3, 3)");
    const rule = task.terminationRule!;
    let terminals = 0;
    for (let i = 0; i < data.size; i++) {
      assert.equal(rule(data.nextObservations, i, 4), data.terminals[i] === 1, `row ${i}`);
      terminals += data.terminals[i]!;
    }
    assert.ok(terminals > 100, `${terminals} episodes ended by the pole falling`);
  });

  test("model rollouts (ADEPT's and OPE's) use the task's termination rule", () => {
    assert.equal(terminationRuleOf("inverted-pendulum")?.rule, task.terminationRule);
    assert.deepEqual(rolloutTermination("auto", "inverted-pendulum", "adept-iql"), { mode: "task", rule: task.terminationRule });
    assert.equal(rolloutTermination("task", "inverted-pendulum", "adept-iql").rule, task.terminationRule);
  });

  test("a built-in name cannot be replaced", () => {
    for (const name of ["hopper", "Hopper-v3", "hopper-medium-v2"]) assert.throws(() => registerTask({ ...task, name }), /built-in/);
  });
});

describe("defineTask: a malformed definition names the task and the field", () => {
  const base = (): MujocoTask => ({
    name: "t",
    mjcf: { xml: "<mujoco/>" },
    frameSkip: 1,
    observationDim: 2,
    actionDim: 1,
    observe: () => {},
    reward: () => 0,
    resetNoise: { qposUniform: 0, qvelScale: 0, qvelDistribution: "uniform" },
  });
  const cases: [string, Partial<MujocoTask> | Record<string, unknown>, RegExp][] = [
    ["name", { name: "bad name" }, /name must be/],
    ["mjcf", { mjcf: {} }, /mjcf must be/],
    ["frameSkip", { frameSkip: 0 }, /frameSkip must be a positive integer, got 0/],
    ["observe", { observe: 3 }, /observe\(qpos, qvel, out, offset\) must be a function/],
    ["resetNoise", { resetNoise: { qposUniform: -1, qvelScale: 0, qvelDistribution: "uniform" } }, /resetNoise/],
    ["actionSpace", { actionSpace: { low: [1], high: [-1] } }, /low\[0\] < high\[0\]/],
    ["referenceScores", { referenceScores: { random: 1, expert: 1 } }, /referenceScores/],
  ];
  for (const [field, change, pattern] of cases)
    test(field, () => {
      assert.throws(
        () => defineTask({ ...base(), ...change } as MujocoTask),
        (e: Error) => e instanceof TaskDefinitionError && /task "/.test(e.message) && pattern.test(e.message),
      );
    });

  test("the model's actuators, an unreadable file and an observe() wider than observationDim fail on makeEnv", async () => {
    const pendulum = ((await import(pathToFileURL(EXAMPLE).href)) as { task: MujocoTask }).task;
    const cases: [Partial<MujocoTask>, RegExp][] = [
      [{ actionDim: 2, actionSpace: undefined }, /has 1 actuators, but actionDim is 2/],
      [{ mjcf: { file: "/no/such.xml" } }, /cannot read its MJCF file \/no\/such\.xml \(ENOENT\)/],
      [{ observationDim: 3 }, /observe\(\) wrote more than observationDim \(3\)/],
      [{ mjcf: { xml: "<mujoco><worldbody><bogus/></worldbody></mujoco>" } }, /could not compile/],
    ];
    for (const [i, [change, pattern]] of cases.entries()) {
      const name = `broken-${i}`;
      registerTask({ ...pendulum, ...change, name });
      try {
        await assert.rejects(makeEnv(name), pattern);
      } finally {
        unregisterTask(name);
      }
    }
  });
});
