// A MuJoCo task as data: the MJCF model, how the observation is read from the simulator
// state, the reward, when an episode terminates, the frame skip, the reset noise and,
// optionally, reference scores. `MujocoEnv` steps any such task; the three built-in tasks
// (tasks.ts) are instances, and a user's task is one more (`defineTask`, docs/envs.md).
import { UserError } from "../util/errors.js";
import type { StepInfo } from "./types.js";

/**
 * A termination rule on observations (MBPO/MOPO's "static" termination functions): whether
 * row `i` of `observations` [n, S] is a terminal state. Model rollouts use it to end where
 * the real system would have ended, instead of trusting a learned terminal head.
 */
export type TerminationRule = (observations: Float32Array, i: number, S: number) => boolean;

/** How the initial state is perturbed on reset (Gym's `reset_noise_scale` and its distribution). */
export interface ResetNoise {
  /** qpos = qpos0 + U(−scale, scale). */
  qposUniform: number;
  /** qvel = 0 + U(−scale, scale) (`"uniform"`) or scale · N(0, 1) (`"normal"`). */
  qvelScale: number;
  qvelDistribution: "uniform" | "normal";
}

/**
 * What a task's reward sees after a step. The views are live wasm memory and the object is
 * reused: read, never keep. `info` has `xPosition`/`xVelocity` filled and the reward parts
 * zeroed; a reward may fill the parts (the locomotion tasks do).
 */
export interface StepContext {
  /** Generalized positions and velocities after the step. */
  qpos: Float64Array; // [nq]
  qvel: Float64Array; // [nv]
  /** The action as given (MuJoCo clamps ctrl to ctrlrange; Gym's costs use the action as given). */
  action: ArrayLike<number>; // [actionDim]
  /** qpos[0] before the step. */
  xBefore: number;
  /** Seconds per environment step (frameSkip × timestep). */
  dt: number;
  info: StepInfo;
}

/** Where the MJCF model comes from. */
export type MjcfSource =
  /** A file path (read when an environment is made). */
  | { file: string }
  /** The MJCF text itself. */
  | { xml: string }
  /** One of the project's own models under src/envs/assets/. */
  | { asset: string };

/** Everything that defines a MuJoCo task on top of its MJCF model. */
export interface MujocoTask {
  /** The name environments are made and datasets are tagged with (e.g. `inverted-pendulum`). */
  name: string;
  /** The Gym/Gymnasium id whose semantics the task reproduces, when there is one; it resolves to the task too. */
  gymId?: string;
  mjcf: MjcfSource;
  /** MuJoCo steps per environment step. */
  frameSkip: number;
  observationDim: number;
  /** Must equal the model's number of actuators. */
  actionDim: number;
  /** The action box (default [−1, 1] in every dimension). */
  actionSpace?: { low: readonly number[]; high: readonly number[] };
  /** Writes the observation of (qpos, qvel) into `out[offset … offset + observationDim)`. Must not allocate. */
  observe(qpos: Float64Array, qvel: Float64Array, out: Float32Array, offset: number): void;
  /** The reward of the step just taken (see {@link StepContext}). Must not allocate. */
  reward(step: StepContext): number;
  /**
   * Whether the state after a step is terminal (Gym's `not is_healthy`). Absent: the env
   * applies {@link terminationRule} to the new observation, and with neither the task never terminates.
   */
  terminated?(qpos: Float64Array, qvel: Float64Array): boolean;
  /**
   * The termination rule on observations, for model rollouts (and for the env when
   * `terminated` is absent). Absent while `terminated` is given: model rollouts cannot know
   * the rule and fall back to the world model's terminal head.
   */
  terminationRule?: TerminationRule;
  resetNoise: ResetNoise;
  /** Time limit in steps (default 1000, as D4RL). */
  maxEpisodeSteps?: number;
  /** Returns of a random and an expert policy: normalized score = 100 (return − random) / (expert − random). */
  referenceScores?: { random: number; expert: number };
}

/** The default time limit (D4RL's, for all three locomotion tasks). */
export const MAX_EPISODE_STEPS = 1000;

/** A task definition that is malformed; the message names the task and the field. */
export class TaskDefinitionError extends UserError {
  override name = "TaskDefinitionError";
}

/**
 * Checks a task definition and returns it (frozen). Every field is checked here, once, so
 * that a bad definition fails with its name and field rather than deep inside a step.
 */
export function defineTask(task: MujocoTask): Readonly<MujocoTask> {
  const where = `task "${String(task?.name)}"`;
  const fail = (message: string): never => {
    throw new TaskDefinitionError(`${where}: ${message}`);
  };
  if (typeof task !== "object" || task === null) throw new TaskDefinitionError("a task definition must be an object");
  if (typeof task.name !== "string" || !/^[A-Za-z0-9][\w.-]*$/.test(task.name)) fail("name must be letters, digits, '.', '_' or '-'");
  const mjcf = task.mjcf as Partial<Record<"file" | "xml" | "asset", unknown>> | undefined;
  const sources = mjcf ? (["file", "xml", "asset"] as const).filter((k) => typeof mjcf[k] === "string") : [];
  if (sources.length !== 1) fail("mjcf must be { file: path } or { xml: text }");
  const positiveInteger = (key: "frameSkip" | "observationDim" | "actionDim" | "maxEpisodeSteps", value: unknown): void => {
    if (!Number.isInteger(value) || (value as number) < 1) fail(`${key} must be a positive integer, got ${String(value)}`);
  };
  positiveInteger("frameSkip", task.frameSkip);
  positiveInteger("observationDim", task.observationDim);
  positiveInteger("actionDim", task.actionDim);
  if (task.maxEpisodeSteps !== undefined) positiveInteger("maxEpisodeSteps", task.maxEpisodeSteps);
  if (typeof task.observe !== "function") fail("observe(qpos, qvel, out, offset) must be a function");
  if (typeof task.reward !== "function") fail("reward(step) must be a function");
  if (task.terminated !== undefined && typeof task.terminated !== "function") fail("terminated(qpos, qvel) must be a function");
  if (task.terminationRule !== undefined && typeof task.terminationRule !== "function")
    fail("terminationRule(observations, i, S) must be a function");
  const noise = task.resetNoise;
  if (
    !noise ||
    !(noise.qposUniform >= 0) ||
    !(noise.qvelScale >= 0) ||
    (noise.qvelDistribution !== "uniform" && noise.qvelDistribution !== "normal")
  )
    fail('resetNoise must be { qposUniform ≥ 0, qvelScale ≥ 0, qvelDistribution: "uniform" | "normal" }');
  if (task.actionSpace !== undefined) {
    const { low, high } = task.actionSpace;
    if (!Array.isArray(low) || !Array.isArray(high) || low.length !== task.actionDim || high.length !== task.actionDim)
      fail(`actionSpace must be { low, high }, arrays of actionDim (${task.actionDim}) numbers`);
    for (let i = 0; i < task.actionDim; i++)
      if (!(Number.isFinite(low[i]) && Number.isFinite(high[i]) && (low[i] as number) < (high[i] as number)))
        fail(`actionSpace: need finite low[${i}] < high[${i}], got ${low[i]} and ${high[i]}`);
  }
  if (task.referenceScores !== undefined) {
    const { random, expert } = task.referenceScores;
    if (!(Number.isFinite(random) && Number.isFinite(expert) && random !== expert))
      fail(`referenceScores must be two different finite numbers { random, expert }, got ${random} and ${expert}`);
  }
  return Object.freeze({ ...task });
}

/** The action box of a task as [low, high] arrays. */
export function actionBounds(task: MujocoTask): { low: readonly number[]; high: readonly number[] } {
  return task.actionSpace ?? { low: new Array<number>(task.actionDim).fill(-1), high: new Array<number>(task.actionDim).fill(1) };
}

/** Whether a task can end an episode before its time limit. */
export function taskTerminates(task: MujocoTask): boolean {
  return task.terminated !== undefined || task.terminationRule !== undefined;
}
