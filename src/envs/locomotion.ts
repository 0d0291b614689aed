// One MuJoCo locomotion environment with D4RL (Gym "-v3") semantics.
import type { MainModule, MjData, MjModel } from "mujoco-js";
import { Rng } from "../util/rng.js";
import { compileModel, loadMujoco, wasmMemoryBytes } from "./mujoco.js";
import type { LocomotionTask } from "./scores.js";
import { LOCOMOTION_TASKS, type LocomotionTaskDef, MAX_EPISODE_STEPS } from "./tasks.js";
import type { BoxSpace, Env, EnvSpec, SimState, StepInfo, StepResult } from "./types.js";

/** Options for {@link LocomotionEnv.create}. */
export interface LocomotionEnvOptions {
  /** Time limit in steps (default 1000, as D4RL). */
  maxEpisodeSteps?: number;
  /** Seed of the reset-noise generator used by `reset()` without a seed (default 0). */
  seed?: number;
  /** MJCF text to use instead of the project's asset (tests compare against reference models). */
  xml?: string;
}

/**
 * halfcheetah / hopper / walker2d on MuJoCo wasm. Owns one `MjModel` and one `MjData`,
 * freed by `close()`. `step` allocates nothing: it writes into reused buffers.
 */
export class LocomotionEnv implements Env {
  readonly spec: EnvSpec;
  private readonly def: LocomotionTaskDef;
  private readonly mujoco: MainModule;
  private model: MjModel | null;
  private data: MjData | null;
  private readonly rng: Rng;
  /** Gym's `init_qpos` (the model's qpos0) and `init_qvel` (zeros). */
  private readonly initQpos: Float64Array; // [nq]
  private readonly nq: number;
  private readonly nv: number;
  private readonly nu: number;
  // Live views into wasm memory. They go stale (length 0) if the wasm heap grows, so
  // every entry point calls `views()` first, which re-acquires them when needed.
  private readonly live: LiveViews;
  private readonly obs: Float32Array; // [obsDim], reused
  private readonly result: StepResult;
  private steps = 0;
  /** -1 before the first reset, 1 after an episode ended, 0 while one runs. */
  private phase: -1 | 0 | 1 = -1;

  private constructor(mujoco: MainModule, model: MjModel, def: LocomotionTaskDef, options: LocomotionEnvOptions) {
    this.mujoco = mujoco;
    this.def = def;
    this.model = model;
    this.data = null;
    try {
      this.data = new mujoco.MjData(model);
    } catch (error) {
      model.delete();
      throw error;
    }
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    const obsDim = this.nq - 1 + this.nv;
    if (obsDim !== def.obsDim || this.nu !== def.actDim) {
      this.close();
      throw new Error(`${def.task}: model has obs ${obsDim}/act ${this.nu}, expected ${def.obsDim}/${def.actDim}`);
    }
    this.live = { qpos: this.data.qpos, qvel: this.data.qvel, ctrl: this.data.ctrl };
    this.initQpos = Float64Array.from(this.live.qpos);
    this.rng = new Rng(options.seed ?? 0);
    this.obs = new Float32Array(obsDim);
    const info: StepInfo = { xPosition: 0, xVelocity: 0, rewardForward: 0, rewardCtrl: 0, rewardHealthy: 0 };
    this.result = { observation: this.obs, reward: 0, terminated: false, truncated: false, info };
    this.spec = {
      task: def.task,
      gymId: def.gymId,
      observationSpace: box(obsDim, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
      actionSpace: box(this.nu, -1, 1),
      frameSkip: def.frameSkip,
      dt: model.opt.timestep * def.frameSkip,
      maxEpisodeSteps: options.maxEpisodeSteps ?? MAX_EPISODE_STEPS,
    };
  }

  /** Loads the wasm module (once per process) and compiles the task's model. */
  static async create(task: LocomotionTask, options: LocomotionEnvOptions = {}): Promise<LocomotionEnv> {
    const def = LOCOMOTION_TASKS[task];
    if (!def) throw new Error(`unknown locomotion task ${task}`);
    const maxSteps = options.maxEpisodeSteps ?? MAX_EPISODE_STEPS;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`maxEpisodeSteps must be a positive integer, got ${maxSteps}`);
    // The asset reader (node:fs) loads only when no XML is given, so a web page can pass the
    // model's text and run this class unchanged (adept view: docs/viewer.md).
    const readXml = async (): Promise<string> => (await import("./assets.js")).readAsset(def.asset);
    const [mujoco, xml] = await Promise.all([loadMujoco(), options.xml ?? readXml()]);
    const model = compileModel(mujoco, xml, task);
    return new LocomotionEnv(mujoco, model, def, options);
  }

  get elapsedSteps(): number {
    return this.steps;
  }

  /**
   * The live MuJoCo model and data, for renderers that draw the bodies (adept view); they stay
   * owned by this environment: read them, never step, reset or free them.
   */
  get simulation(): { model: MjModel; data: MjData } {
    return this.handles();
  }

  /** The (nq, nv, nu) sizes of the compiled model. */
  get sizes(): { nq: number; nv: number; nu: number } {
    return { nq: this.nq, nv: this.nv, nu: this.nu };
  }

  reset(seed?: number): Float32Array {
    const { model, data } = this.handles();
    if (seed !== undefined) this.rng.reseed(seed);
    this.mujoco.mj_resetData(model, data);
    const { qpos, qvel } = this.views();
    // Gym's reset_model: draw all qpos noise, then all qvel noise, from one stream.
    const noise = this.def.resetNoise;
    for (let i = 0; i < this.nq; i++) qpos[i] = (this.initQpos[i] as number) + noise.qposUniform * (2 * this.rng.uniform() - 1);
    for (let i = 0; i < this.nv; i++) {
      qvel[i] = noise.qvelDistribution === "normal" ? noise.qvelScale * this.rng.normal() : noise.qvelScale * (2 * this.rng.uniform() - 1);
    }
    this.mujoco.mj_forward(model, data);
    this.steps = 0;
    this.phase = 0;
    return this.observe();
  }

  step(action: ArrayLike<number>): StepResult {
    // No destructured helper here: step() must not allocate.
    const model = this.model;
    const data = this.data;
    if (model === null || data === null) throw this.closedError();
    if (this.phase !== 0) throw new Error(this.phase < 0 ? "step() before reset()" : "step() after the episode ended: call reset()");
    if (action.length !== this.nu) throw new RangeError(`step: action has length ${action.length}, expected ${this.nu}`);
    const { qpos, qvel, ctrl } = this.views();
    const def = this.def;
    // 1. Controls. MuJoCo clamps ctrl to ctrlrange; the cost uses the action as given (Gym).
    let sumSquares = 0;
    for (let i = 0; i < this.nu; i++) {
      const a = action[i] as number;
      if (!Number.isFinite(a)) throw new RangeError(`step: action[${i}] is ${a}`);
      ctrl[i] = a;
      sumSquares += a * a;
    }
    // 2. Physics: frameSkip MuJoCo steps (Gym's do_simulation).
    const xBefore = qpos[0] as number;
    for (let k = 0; k < def.frameSkip; k++) this.mujoco.mj_step(model, data);
    const xAfter = qpos[0] as number;
    // 3. Reward parts, on the state after the step.
    const result = this.result;
    const info = result.info;
    info.xPosition = xAfter;
    info.xVelocity = (xAfter - xBefore) / this.spec.dt;
    info.rewardForward = def.forwardRewardWeight * info.xVelocity;
    info.rewardCtrl = -def.ctrlCostWeight * sumSquares;
    info.rewardHealthy = def.healthyReward;
    result.reward = info.rewardForward + info.rewardCtrl + info.rewardHealthy;
    // 4. Episode end: unhealthy → terminated; the time limit → truncated (both may hold).
    this.steps++;
    result.terminated = def.isHealthy ? !def.isHealthy(qpos, qvel) : false;
    result.truncated = this.steps >= this.spec.maxEpisodeSteps;
    if (result.terminated || result.truncated) this.phase = 1;
    this.observe();
    return result;
  }

  observe(out: Float32Array = this.obs, offset = 0): Float32Array {
    const { qpos, qvel } = this.views();
    const clip = this.def.velocityClip;
    // [qpos[1:] (nq−1) | clip(qvel) (nv)]: x is left out so the policy is translation-invariant.
    let j = offset;
    for (let i = 1; i < this.nq; i++) out[j++] = qpos[i] as number;
    for (let i = 0; i < this.nv; i++) {
      out[j++] = Math.min(Math.max(qvel[i] as number, -clip), clip);
    }
    return out;
  }

  getState(): { qpos: Float64Array; qvel: Float64Array } {
    this.handles();
    const { qpos, qvel } = this.views();
    return { qpos: Float64Array.from(qpos), qvel: Float64Array.from(qvel) };
  }

  /**
   * Sets qpos/qvel (e.g. a logged D4RL `infos/qpos`, `infos/qvel` row) and runs `mj_forward`.
   * The rest of MuJoCo's state (the solver's warm start, time, ctrl) is reset first, so the
   * next step is a pure function of (qpos, qvel, action), whatever ran before.
   * NOTE(deviation): Gym's set_state keeps the warm start, so continuing a logged episode
   * from its (qpos, qvel) matches the original to ~1e-13, not bitwise. The episode clock is
   * not touched; stepping needs a prior `reset()`.
   */
  setState(state: SimState): Float32Array {
    const { model, data } = this.handles();
    if (state.qpos.length !== this.nq || state.qvel.length !== this.nv) {
      throw new RangeError(`setState: got qpos ${state.qpos.length}/qvel ${state.qvel.length}, expected ${this.nq}/${this.nv}`);
    }
    this.mujoco.mj_resetData(model, data);
    const { qpos, qvel } = this.views();
    for (let i = 0; i < this.nq; i++) qpos[i] = state.qpos[i] as number;
    for (let i = 0; i < this.nv; i++) qvel[i] = state.qvel[i] as number;
    this.mujoco.mj_forward(model, data);
    return this.observe();
  }

  /**
   * Bytes of wasm linear memory now reserved (shared by every env in the process; it only
   * grows). For leak checks: it stays flat over any number of resets, steps and create/close cycles.
   */
  memoryBytes(): number {
    this.handles();
    return wasmMemoryBytes(this.views().qpos);
  }

  close(): void {
    // Each handle is freed once, data before the model it was built from.
    this.data?.delete();
    this.data = null;
    this.model?.delete();
    this.model = null;
  }

  private handles(): { model: MjModel; data: MjData } {
    if (!this.model || !this.data) throw this.closedError();
    return { model: this.model, data: this.data };
  }

  private closedError(): Error {
    return new Error(`${this.def.task}: environment is closed`);
  }

  /** The live wasm views, re-acquired when a heap growth has detached the old buffer. */
  private views(): LiveViews {
    const live = this.live;
    if (live.qpos.length === 0 && this.data) {
      live.qpos = this.data.qpos;
      live.qvel = this.data.qvel;
      live.ctrl = this.data.ctrl;
    }
    return live;
  }
}

/** Views into the `MjData` arrays (wasm memory): never kept beyond one call by callers. */
interface LiveViews {
  qpos: Float64Array; // [nq]
  qvel: Float64Array; // [nv]
  ctrl: Float64Array; // [nu]
}

function box(dim: number, low: number, high: number): BoxSpace {
  return { dim, low: new Float64Array(dim).fill(low), high: new Float64Array(dim).fill(high) };
}
