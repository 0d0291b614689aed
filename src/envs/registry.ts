// Names → tasks: the registered MuJoCo tasks (the three built-in locomotion tasks and any
// `registerTask`ed by a user), by name or Gym id, and D4RL dataset ids for the built-ins.
import { UserError } from "../util/errors.js";
import { MujocoEnv, type MujocoEnvOptions } from "./mujoco-env.js";
import type { LocomotionTask } from "./scores.js";
import { defineTask, type MujocoTask, type TerminationRule, taskTerminates } from "./task.js";
import { LOCOMOTION_TASKS } from "./tasks.js";

/** D4RL's locomotion dataset kinds (the middle of `hopper-medium-replay-v2`). */
export const D4RL_DATASET_KINDS = ["random", "medium", "expert", "medium-replay", "medium-expert", "full-replay"] as const;

/** One of {@link D4RL_DATASET_KINDS}. */
export type D4rlDatasetKind = (typeof D4RL_DATASET_KINDS)[number];

/** What a name resolves to. */
export interface EnvEntry {
  /** The name as given (e.g. `hopper-medium-replay-v2`). */
  name: string;
  /** The task's name (`hopper`, or a registered task's). */
  task: string;
  /** The Gym id whose semantics the environment reproduces ("" when none). */
  gymId: string;
  /** Set when the name is a D4RL dataset id. */
  dataset?: { kind: D4rlDatasetKind; version: string };
  /** Reference returns for the normalized score (D4RL's for the built-ins); absent: no normalized score. */
  referenceScores?: { random: number; expert: number };
}

/** An environment name that resolves to nothing; the message lists what is accepted. */
export class UnknownEnvError extends UserError {
  override name = "UnknownEnvError";
}

const D4RL_ID = /^(halfcheetah|hopper|walker2d)-(random|medium|expert|medium-replay|medium-expert|full-replay)-(v[0-2])$/;

/** Every registered task by name, the built-ins first. */
const TASKS = new Map<string, Readonly<MujocoTask>>(Object.values(LOCOMOTION_TASKS).map((t) => [t.name, t]));

/**
 * Registers a MuJoCo task (checked by `defineTask`) so that every name-taking API —
 * `makeEnv`, `evaluate`, `Evaluator`, dataset collection, `adept eval --env`, model rollouts'
 * termination rule — knows it. Registering a task again under the same name replaces it,
 * except for the built-ins, which cannot be replaced. Returns the checked task.
 */
export function registerTask(task: MujocoTask): Readonly<MujocoTask> {
  const checked = defineTask(task);
  if (Object.hasOwn(LOCOMOTION_TASKS, checked.name) || isBuiltinAlias(checked.name))
    throw new UserError(`task "${checked.name}": that name is a built-in task's; choose another`);
  TASKS.set(checked.name, checked);
  return checked;
}

/** Removes a registered (non-built-in) task; true when there was one. */
export function unregisterTask(name: string): boolean {
  if (Object.hasOwn(LOCOMOTION_TASKS, name)) return false;
  return TASKS.delete(name);
}

function isBuiltinAlias(name: string): boolean {
  return D4RL_ID.test(name) || Object.values(LOCOMOTION_TASKS).some((t) => t.gymId === name);
}

/** The D4RL task names, in a stable order. */
export function listTasks(): LocomotionTask[] {
  return Object.keys(LOCOMOTION_TASKS) as LocomotionTask[];
}

/** Every registered task's name: the built-ins, then the user's in registration order. */
export function listRegisteredTasks(): string[] {
  return [...TASKS.keys()];
}

/** The registered task a name resolves to (see {@link resolveEnv}), or undefined. */
export function findTask(name: string): Readonly<MujocoTask> | undefined {
  const direct = TASKS.get(name);
  if (direct) return direct;
  const d4rl = D4RL_ID.exec(name);
  if (d4rl) return TASKS.get(d4rl[1] as string);
  for (const task of TASKS.values()) if (task.gymId !== undefined && task.gymId === name) return task;
  return undefined;
}

/**
 * The termination rule a task gives model rollouts: `{ rule }` with `rule` null for a task that
 * never terminates; undefined when the task is unknown or gives no rule on observations (then
 * rollouts must rely on a learned terminal head).
 */
export function terminationRuleOf(name: string): { rule: TerminationRule | null } | undefined {
  const task = findTask(name);
  if (!task) return undefined;
  if (task.terminationRule) return { rule: task.terminationRule };
  return taskTerminates(task) ? undefined : { rule: null };
}

/**
 * Resolves a registered task's name (`halfcheetah`, `hopper`, `walker2d` or a user's), a D4RL
 * id such as `hopper-medium-replay-v2`, or a Gym id (`Hopper-v3`). Throws {@link UnknownEnvError}.
 */
export function resolveEnv(name: string): EnvEntry {
  const task = findTask(name);
  if (!task) {
    const users = [...TASKS.keys()].filter((t) => !Object.hasOwn(LOCOMOTION_TASKS, t));
    throw new UnknownEnvError(
      `unknown environment "${name}": expected one of ${[...listTasks(), ...users].join(", ")}, a D4RL id like hopper-medium-replay-v2, a Gym id like Hopper-v3, or a JS module path like ./my-env.js`,
    );
  }
  const d4rl = D4RL_ID.exec(name);
  const dataset = d4rl ? { kind: d4rl[2] as D4rlDatasetKind, version: d4rl[3] as string } : undefined;
  const refs = task.referenceScores;
  return {
    name,
    task: task.name,
    gymId: task.gymId ?? "",
    ...(dataset ? { dataset } : {}),
    ...(refs ? { referenceScores: { random: refs.random, expert: refs.expert } } : {}),
  };
}

/** Normalized score of an undiscounted return: 100 (return − random) / (expert − random); NaN without references. */
export function scoreOf(entry: Pick<EnvEntry, "referenceScores">, episodeReturn: number): number {
  const refs = entry.referenceScores;
  return refs ? (100 * (episodeReturn - refs.random)) / (refs.expert - refs.random) : Number.NaN;
}

/** Creates an environment of the task a name resolves to (see {@link resolveEnv}); the caller must `close()` it. */
export function makeEnv(name: string, options: MujocoEnvOptions = {}): Promise<MujocoEnv> {
  const task = findTask(name);
  if (!task) resolveEnv(name); // throws the error listing what is accepted
  return MujocoEnv.create(task as Readonly<MujocoTask>, options);
}
