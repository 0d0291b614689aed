// The project's MJCF files must step exactly like the Gymnasium reference models in
// ../shared/reference/mujoco (absent in a user's clone: then these tests skip).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { MainModule, MjData, MjModel } from "mujoco-js";
import { readAsset } from "../../src/envs/assets.js";
import { compileModel, loadMujoco } from "../../src/envs/mujoco.js";
import type { LocomotionTask } from "../../src/envs/scores.js";
import { LOCOMOTION_TASKS } from "../../src/envs/tasks.js";
import { Rng } from "../../src/util/rng.js";

// dist/test/envs/ → project root → ../shared/reference/mujoco
const REFERENCE_DIR = fileURLToPath(new URL("../../../../shared/reference/mujoco/", import.meta.url));
const REFERENCE_FILES: Record<LocomotionTask, string> = { halfcheetah: "half_cheetah.xml", hopper: "hopper.xml", walker2d: "walker2d.xml" };
const skip = existsSync(REFERENCE_DIR) ? false : `reference models not found at ${REFERENCE_DIR}`;
const ENV_STEPS = 1000;
const TOLERANCE = 1e-9;

/** A model + data pair freed together. */
function simulator(mujoco: MainModule, xml: string, name: string): { model: MjModel; data: MjData; delete(): void } {
  const model = compileModel(mujoco, xml, name);
  const data = new mujoco.MjData(model);
  return {
    model,
    data,
    delete: () => {
      data.delete();
      model.delete();
    },
  };
}

describe("project MJCF reproduces the reference models", { skip }, () => {
  for (const task of Object.keys(REFERENCE_FILES) as LocomotionTask[]) {
    test(`${task}: same qpos/qvel for ${ENV_STEPS} frame-skipped steps under the same random controls`, async () => {
      const mujoco = await loadMujoco();
      const def = LOCOMOTION_TASKS[task];
      const ours = simulator(mujoco, await readAsset(def.asset), `${task}-ours`);
      const reference = simulator(mujoco, readFileSync(REFERENCE_DIR + REFERENCE_FILES[task], "utf8"), `${task}-reference`);
      try {
        const sims = [ours, reference];
        for (const s of sims) assert.deepEqual([s.model.nq, s.model.nv, s.model.nu], [ours.model.nq, ours.model.nv, ours.model.nu]);
        assert.equal(ours.model.opt.timestep, reference.model.opt.timestep);
        // Same perturbed initial state in both (as a reset would make), then mj_forward.
        const rng = new Rng(2024);
        const qpos = Float64Array.from(ours.data.qpos as Float64Array, (q) => q + 0.1 * (2 * rng.uniform() - 1));
        const qvel = Float64Array.from(ours.data.qvel as Float64Array, () => 0.1 * rng.normal());
        for (const s of sims) {
          s.data.qpos.set(qpos);
          s.data.qvel.set(qvel);
          mujoco.mj_forward(s.model, s.data);
        }
        const ctrl = new Float64Array(def.actDim);
        let maxDiff = 0;
        for (let t = 0; t < ENV_STEPS; t++) {
          rng.fillUniform(ctrl, -1, 1);
          for (const s of sims) {
            s.data.ctrl.set(ctrl);
            for (let k = 0; k < def.frameSkip; k++) mujoco.mj_step(s.model, s.data);
          }
          // Views are re-acquired each step: cheap, and never stale this way.
          maxDiff = Math.max(maxDiff, maxAbsDiff(ours.data.qpos, reference.data.qpos), maxAbsDiff(ours.data.qvel, reference.data.qvel));
          assert.ok(maxDiff <= TOLERANCE, `${task}: step ${t}: max |Δ| ${maxDiff} > ${TOLERANCE}`);
        }
        // The trajectory really went somewhere (a frozen simulator would pass trivially).
        assert.ok(Math.abs((ours.data.qpos[0] as number) - (qpos[0] as number)) > 1e-3);
      } finally {
        ours.delete();
        reference.delete();
      }
    });
  }
});

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
