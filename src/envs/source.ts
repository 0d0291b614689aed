// Where an environment comes from, behind one name: a registered MuJoCo task (`hopper`, a
// D4RL id, a Gym id, a user's `registerTask`ed task) or a JavaScript module given by path
// (`./my-env.js`, see module-env.ts). Evaluation, training-time evaluation and the width
// checks before a run all open environments through `openEnv`.
import { loadEnvModule } from "./module-env.js";
import { type EnvEntry, findTask, makeEnv, resolveEnv } from "./registry.js";
import { actionBounds, MAX_EPISODE_STEPS } from "./task.js";
import type { BoxSpace } from "./types.js";

/**
 * What evaluation needs of one environment: Gymnasium's `reset(seed)` and `step(action)`,
 * the spaces and a time limit. `MujocoEnv` has it, and so does a module's env once wrapped.
 * Returned observations may be buffers the env reuses: read them before the next call.
 */
export interface EpisodicEnv {
  readonly spec: { readonly observationSpace: BoxSpace; readonly actionSpace: BoxSpace; readonly maxEpisodeSteps: number };
  reset(seed?: number): ArrayLike<number>;
  step(action: Float64Array): { observation: ArrayLike<number>; reward: number; terminated: boolean; truncated: boolean };
  close(): void;
}

/** An environment name opened: what it is, its spaces (known without building an env), and a factory. */
export interface EnvSource {
  entry: EnvEntry;
  observationSpace: BoxSpace;
  actionSpace: BoxSpace;
  /** Time limit of the environments `create` makes without a `maxEpisodeSteps` option. */
  maxEpisodeSteps: number;
  /** Makes one environment; the caller must `close()` it. */
  create(options?: { maxEpisodeSteps?: number; seed?: number }): Promise<EpisodicEnv>;
}

/** Whether an `--env` value names a JavaScript module rather than a task: a path ending in .js, .mjs or .cjs. */
export function isEnvModulePath(name: string): boolean {
  return /\.(m|c)?js$/i.test(name);
}

/**
 * Opens an environment name: a module path (loaded and checked, see module-env.ts), else any
 * name {@link resolveEnv} accepts. Throws a `UserError` naming what is wrong.
 */
export async function openEnv(name: string): Promise<EnvSource> {
  if (isEnvModulePath(name)) return loadEnvModule(name);
  const entry = resolveEnv(name);
  const task = findTask(name)!;
  const bounds = actionBounds(task);
  const dim = task.observationDim;
  return {
    entry,
    observationSpace: {
      dim,
      low: new Float64Array(dim).fill(Number.NEGATIVE_INFINITY),
      high: new Float64Array(dim).fill(Number.POSITIVE_INFINITY),
    },
    actionSpace: { dim: task.actionDim, low: Float64Array.from(bounds.low), high: Float64Array.from(bounds.high) },
    maxEpisodeSteps: task.maxEpisodeSteps ?? MAX_EPISODE_STEPS,
    create: (options = {}) => makeEnv(name, options),
  };
}
