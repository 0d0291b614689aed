// The observation-space termination rules agree with the simulator's own terminations.
import assert from "node:assert/strict";
import { it } from "node:test";
import { rolloutTermination } from "../../src/adept/learner.js";
import { makeEnv } from "../../src/envs/registry.js";
import { LOCOMOTION_TASKS } from "../../src/envs/tasks.js";
import { Rng } from "../../src/util/rng.js";

for (const task of ["hopper", "walker2d"] as const)
  it(`${task}: the rule on s′ matches the env's terminated flag on random episodes`, async () => {
    const env = await makeEnv(task);
    const rule = LOCOMOTION_TASKS[task].terminationRule!;
    const rng = new Rng(1);
    const action = new Float64Array(env.spec.actionSpace.dim);
    let terminals = 0,
      steps = 0;
    try {
      for (let e = 0; e < 30; e++) {
        env.reset(e);
        for (;;) {
          rng.fillUniform(action, -1, 1);
          const r = env.step(action);
          steps++;
          assert.equal(rule(r.observation, 0, r.observation.length), r.terminated, `${task} step ${steps}`);
          if (r.terminated) terminals++;
          if (r.terminated || r.truncated) break;
        }
      }
    } finally {
      env.close();
    }
    assert.ok(terminals > 20, `${terminals} terminations seen`);
  });

it("rolloutTerminals: auto uses the task's rule where the task is known, sample elsewhere; task without a task fails", () => {
  assert.deepEqual(rolloutTermination("auto", "hopper", "adept-iql"), { mode: "task", rule: LOCOMOTION_TASKS.hopper.terminationRule });
  assert.deepEqual(rolloutTermination("auto", "halfcheetah", "adept-iql"), { mode: "task", rule: null }); // never terminal
  assert.deepEqual(rolloutTermination("auto", null, "adept-iql"), { mode: "sample", rule: null });
  assert.equal(rolloutTermination("sample", "walker2d", "adept-iql").mode, "sample");
  assert.throws(
    () => rolloutTermination("task", "my-robot", "adept-sac"),
    /adept-sac: rolloutTerminals "task" needs .*my-robot.*use "sample"/,
  );
});
