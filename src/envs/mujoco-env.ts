// One MuJoCo environment of a task definition (task.ts): the built-in locomotion tasks with
// D4RL (Gym "-v3") semantics, or a user's task.
import { readFile } from "node:fs/promises";
import type { MainModule, MjData, MjModel } from "mujoco-js";
import { UserError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { readAsset } from "./assets.js";
import { compileModel, loadMujoco, wasmMemoryBytes } from "./mujoco.js";
import { actionBounds, MAX_EPISODE_STEPS, type MjcfSource, type MujocoTask, type StepContext } from "./task.js";
import type { BoxSpace, Env, EnvSpec, SimState, StepInfo, StepResult } from "./types.js";

/** Options for {@link MujocoEnv.create}. */
export interface MujocoEnvOptions {
  /** Time limit in steps (default: the task's, else 1000 as D4RL). */
  maxEpisodeSteps?: number;
  /** Seed of the reset-noise generator used by `reset()` without a seed (default 0). */
  seed?: number;
  /** MJCF text to use instead of the project's asset (tests compare against reference models). */
  xml?: string;
}

/** The former name of {@link MujocoEnvOptions}. */
export type LocomotionEnvOptions = MujocoEnvOptions;

/**
 * One environment of a MuJoCo task on MuJoCo wasm. Owns one `MjModel` and one `MjData`,
 * freed by `close()`. `step` allocates nothing: it writes into reused buffers.
 */
export class MujocoEnv implements Env {
  readonly spec: EnvSpec;
  readonly task: Readonly<MujocoTask>;
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
  private readonly context: StepContext;
  private steps = 0;
  /** -1 before the first reset, 1 after an episode ended, 0 while one runs. */
  private phase: -1 | 0 | 1 = -1;

  private constructor(mujoco: MainModule, model: MjModel, task: Readonly<MujocoTask>, options: MujocoEnvOptions) {
    this.mujoco = mujoco;
    this.task = task;
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
    const obsDim = task.observationDim;
    if (this.nu !== task.actionDim) {
      this.close();
      throw new UserError(`task "${task.name}": its MJCF model has ${this.nu} actuators, but actionDim is ${task.actionDim}`);
    }
    this.live = { qpos: this.data.qpos, qvel: this.data.qvel, ctrl: this.data.ctrl };
    this.initQpos = Float64Array.from(this.live.qpos);
    this.rng = new Rng(options.seed ?? 0);
    this.obs = new Float32Array(obsDim);
    const info: StepInfo = { xPosition: 0, xVelocity: 0, rewardForward: 0, rewardCtrl: 0, rewardHealthy: 0 };
    this.result = { observation: this.obs, reward: 0, terminated: false, truncated: false, info };
    const dt = model.opt.timestep * task.frameSkip;
    this.context = { qpos: this.live.qpos, qvel: this.live.qvel, action: this.obs, xBefore: 0, dt, info };
    const bounds = actionBounds(task);
    this.spec = {
      task: task.name,
      gymId: task.gymId ?? "",
      observationSpace: box(obsDim, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
      actionSpace: { dim: this.nu, low: Float64Array.from(bounds.low), high: Float64Array.from(bounds.high) },
      frameSkip: task.frameSkip,
      dt,
      maxEpisodeSteps: options.maxEpisodeSteps ?? task.maxEpisodeSteps ?? MAX_EPISODE_STEPS,
    };
    this.checkObserveWidth();
  }

  /** Loads the wasm module (once per process) and compiles the task's model. */
  static async create(task: Readonly<MujocoTask>, options: MujocoEnvOptions = {}): Promise<MujocoEnv> {
    const maxSteps = options.maxEpisodeSteps ?? task.maxEpisodeSteps ?? MAX_EPISODE_STEPS;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`maxEpisodeSteps must be a positive integer, got ${maxSteps}`);
    const [mujoco, xml] = await Promise.all([loadMujoco(), options.xml ?? readMjcf(task.name, task.mjcf)]);
    let model: MjModel;
    try {
      model = compileModel(mujoco, xml, task.name);
    } catch (error) {
      throw new UserError(`task "${task.name}": MuJoCo could not compile its MJCF model (${(error as Error).message})`);
    }
    return new MujocoEnv(mujoco, model, task, options);
  }

  get elapsedSteps(): number {
    return this.steps;
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
    const noise = this.task.resetNoise;
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
    const task = this.task;
    // 1. Controls. MuJoCo clamps ctrl to ctrlrange; costs use the action as given (Gym).
    for (let i = 0; i < this.nu; i++) {
      const a = action[i] as number;
      if (!Number.isFinite(a)) throw new RangeError(`step: action[${i}] is ${a}`);
      ctrl[i] = a;
    }
    // 2. Physics: frameSkip MuJoCo steps (Gym's do_simulation).
    const xBefore = qpos[0] as number;
    for (let k = 0; k < task.frameSkip; k++) this.mujoco.mj_step(model, data);
    const xAfter = qpos[0] as number;
    // 3. The reward, on the state after the step.
    const result = this.result;
    const info = result.info;
    info.xPosition = xAfter;
    info.xVelocity = (xAfter - xBefore) / this.spec.dt;
    info.rewardForward = 0;
    info.rewardCtrl = 0;
    info.rewardHealthy = 0;
    const context = this.context;
    context.qpos = qpos;
    context.qvel = qvel;
    context.action = action;
    context.xBefore = xBefore;
    result.reward = task.reward(context);
    // 4. Episode end: a terminal state → terminated; the time limit → truncated (both may hold).
    this.steps++;
    this.observe();
    if (task.terminated) result.terminated = task.terminated(qpos, qvel);
    else result.terminated = task.terminationRule ? task.terminationRule(this.obs, 0, this.obs.length) : false;
    result.truncated = this.steps >= this.spec.maxEpisodeSteps;
    if (result.terminated || result.truncated) this.phase = 1;
    return result;
  }

  observe(out: Float32Array = this.obs, offset = 0): Float32Array {
    const { qpos, qvel } = this.views();
    this.task.observe(qpos, qvel, out, offset);
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
    return new Error(`${this.task.name}: environment is closed`);
  }

  /**
   * Observes into a buffer wider than the observation and fails if `observe` wrote past its
   * width (it would otherwise overwrite the next row of a batch without a sound).
   */
  private checkObserveWidth(): void {
    const { qpos, qvel } = this.views();
    const width = this.task.observationDim;
    const probe = new Float32Array(width + qpos.length + qvel.length + 1).fill(Number.NaN);
    this.task.observe(qpos, qvel, probe, 0);
    if (probe.subarray(width).some((v) => !Number.isNaN(v))) {
      this.close();
      throw new UserError(`task "${this.task.name}": observe() wrote more than observationDim (${width}) values`);
    }
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

/** The MJCF text of a task. */
async function readMjcf(name: string, source: MjcfSource): Promise<string> {
  if ("xml" in source) return source.xml;
  if ("asset" in source) return readAsset(source.asset);
  try {
    return await readFile(source.file, "utf8");
  } catch (error) {
    throw new UserError(
      `task "${name}": cannot read its MJCF file ${source.file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

function box(dim: number, low: number, high: number): BoxSpace {
  return { dim, low: new Float64Array(dim).fill(low), high: new Float64Array(dim).fill(high) };
}
