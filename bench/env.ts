/**
 * `npm run bench:env`: environment steps per second per task, single core, next to the raw
 * MuJoCo rate (frame skip × `mj_step`) on exactly the same trajectory, and the batched
 * evaluator (N = 10 environments, uniform random policy).
 *
 * The raw baseline replays the env's own run: the same initial states at the same steps and
 * the same controls, through bare `MjModel`/`MjData` calls. So both do identical physics and
 * the difference is exactly our per-step overhead (controls, reward, termination check,
 * observation). Medians over repeats; env and raw runs alternate within each repeat.
 *
 *   node dist/bench/env.js [--repeats 5] [--steps 10000]
 */
import type { MjData, MjModel } from "mujoco-js";
import { readAsset } from "../src/envs/assets.js";
import { Evaluator, LOCOMOTION_TASKS, type LocomotionEnv, type LocomotionTask, makeEnv, randomPolicy } from "../src/envs/index.js";
import { compileModel, loadMujoco } from "../src/envs/mujoco.js";
import { Rng } from "../src/util/rng.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const repeats = flag("--repeats", 5);
const steps = flag("--steps", 10_000);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** The recorded run: actions [steps, actDim], and the reset seed for each episode start. */
interface Recording {
  actions: Float64Array;
  starts: Map<number, { seed: number; qpos: Float64Array; qvel: Float64Array }>;
}

function record(env: LocomotionEnv, rng: Rng): Recording {
  const actDim = env.spec.actionSpace.dim;
  const actions = new Float64Array(steps * actDim);
  rng.fillUniform(actions, -1, 1);
  const starts = new Map<number, { seed: number; qpos: Float64Array; qvel: Float64Array }>();
  let episode = 0;
  let done = true;
  for (let t = 0; t < steps; t++) {
    if (done) {
      env.reset(episode);
      starts.set(t, { seed: episode++, ...env.getState() });
    }
    const r = env.step(actions.subarray(t * actDim, (t + 1) * actDim));
    done = r.terminated || r.truncated;
  }
  return { actions, starts };
}

/** Seconds for the env to run the recording. */
function timeEnv(env: LocomotionEnv, rec: Recording): number {
  const actDim = env.spec.actionSpace.dim;
  const row = new Float64Array(actDim);
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const start = rec.starts.get(t);
    if (start) env.reset(start.seed);
    for (let j = 0; j < actDim; j++) row[j] = rec.actions[t * actDim + j] as number;
    env.step(row);
  }
  return (performance.now() - t0) / 1000;
}

/** Seconds for bare MuJoCo calls to do the same physics (resets included, as in the env). */
function timeRaw(mujoco: Awaited<ReturnType<typeof loadMujoco>>, model: MjModel, data: MjData, rec: Recording, frameSkip: number): number {
  const actDim = model.nu;
  let qpos = data.qpos as Float64Array;
  let qvel = data.qvel as Float64Array;
  const ctrl = data.ctrl as Float64Array;
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const start = rec.starts.get(t);
    if (start) {
      mujoco.mj_resetData(model, data);
      qpos = data.qpos;
      qvel = data.qvel;
      qpos.set(start.qpos);
      qvel.set(start.qvel);
      mujoco.mj_forward(model, data);
    }
    for (let j = 0; j < actDim; j++) ctrl[j] = rec.actions[t * actDim + j] as number;
    for (let k = 0; k < frameSkip; k++) mujoco.mj_step(model, data);
  }
  return (performance.now() - t0) / 1000;
}

const mujoco = await loadMujoco();
console.log(`MuJoCo ${mujoco.mj_version()} (wasm), node ${process.version}, ${steps} env steps × ${repeats} repeats, medians\n`);
console.log("task         frame skip  mj_step µs  raw env steps/s  env steps/s  overhead  batched N=10 steps/s  overhead");
for (const task of Object.keys(LOCOMOTION_TASKS) as LocomotionTask[]) {
  const def = LOCOMOTION_TASKS[task];
  const env = await makeEnv(task);
  const model = compileModel(mujoco, await readAsset(def.asset), task);
  const data = new mujoco.MjData(model);
  const evaluator = await Evaluator.create(task, 10);
  try {
    const rec = record(env, new Rng(1));
    timeEnv(env, rec); // warm-up (JIT)
    timeRaw(mujoco, model, data, rec, def.frameSkip);
    const envTimes: number[] = [];
    const rawTimes: number[] = [];
    const batched: number[] = [];
    const policy = randomPolicy(env.spec.actionSpace, new Rng(2));
    // Batched: enough episodes for about `steps` steps (hopper/walker2d random episodes are ~20 steps).
    const episodes = task === "halfcheetah" ? Math.max(10, Math.round(steps / 1000)) : Math.round(steps / 20);
    for (let r = 0; r < repeats; r++) {
      envTimes.push(timeEnv(env, rec));
      rawTimes.push(timeRaw(mujoco, model, data, rec, def.frameSkip));
      const t0 = performance.now();
      const result = evaluator.run(policy, { episodes, seed: r });
      const total = result.lengths.reduce((a, b) => a + b, 0);
      batched.push(total / ((performance.now() - t0) / 1000));
    }
    const envRate = steps / median(envTimes);
    const rawRate = steps / median(rawTimes);
    const mjStepUs = (median(rawTimes) / (steps * def.frameSkip)) * 1e6;
    const batchedRate = median(batched);
    const pct = (rate: number): string => `${((rawRate / rate - 1) * 100).toFixed(1).padStart(6)} %`;
    console.log(
      `${task.padEnd(12)} ${String(def.frameSkip).padStart(10)}  ${mjStepUs.toFixed(2).padStart(10)}  ${rawRate.toFixed(0).padStart(15)}  ${envRate.toFixed(0).padStart(11)}  ${pct(envRate)}  ${batchedRate.toFixed(0).padStart(20)}  ${pct(batchedRate)}`,
    );
  } finally {
    evaluator.close();
    data.delete();
    model.delete();
    env.close();
  }
}
console.log(
  "\noverhead = time per env step / (frame skip × mj_step time) − 1 (goal ≤ 10 %). Batched runs its own random episodes (policy included).",
);
