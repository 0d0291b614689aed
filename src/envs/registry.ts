// Names → environments: D4RL task names, D4RL dataset ids and Gym ids all resolve to one
// of the three locomotion tasks and its D4RL reference scores.
import { UserError } from "../util/errors.js";
import { LocomotionEnv, type LocomotionEnvOptions } from "./locomotion.js";
import { D4RL_REFERENCE_SCORES, isLocomotionTask, type LocomotionTask } from "./scores.js";
import { LOCOMOTION_TASKS } from "./tasks.js";

/** D4RL's locomotion dataset kinds (the middle of `hopper-medium-replay-v2`). */
export const D4RL_DATASET_KINDS = ["random", "medium", "expert", "medium-replay", "medium-expert", "full-replay"] as const;

/** One of {@link D4RL_DATASET_KINDS}. */
export type D4rlDatasetKind = (typeof D4RL_DATASET_KINDS)[number];

/** What a name resolves to. */
export interface EnvEntry {
  /** The name as given (e.g. `hopper-medium-replay-v2`). */
  name: string;
  task: LocomotionTask;
  /** The Gym id whose semantics the environment reproduces. */
  gymId: string;
  /** Set when the name is a D4RL dataset id. */
  dataset?: { kind: D4rlDatasetKind; version: string };
  /** D4RL reference returns for the normalized score (the same for every dataset of a task). */
  referenceScores: { random: number; expert: number };
}

/** An environment name that resolves to nothing; the message lists what is accepted. */
export class UnknownEnvError extends UserError {
  override name = "UnknownEnvError";
}

const D4RL_ID = /^(halfcheetah|hopper|walker2d)-(random|medium|expert|medium-replay|medium-expert|full-replay)-(v[0-2])$/;

/** The D4RL task names, in a stable order. */
export function listTasks(): LocomotionTask[] {
  return Object.keys(LOCOMOTION_TASKS) as LocomotionTask[];
}

/**
 * Resolves `halfcheetah` | `hopper` | `walker2d`, a D4RL id such as `hopper-medium-replay-v2`,
 * or a Gym id (`HalfCheetah-v3`, `Hopper-v3`, `Walker2d-v3`). Throws {@link UnknownEnvError}.
 */
export function resolveEnv(name: string): EnvEntry {
  let task: LocomotionTask | undefined;
  let dataset: EnvEntry["dataset"];
  const d4rl = D4RL_ID.exec(name);
  if (isLocomotionTask(name)) task = name;
  else if (d4rl) {
    task = d4rl[1] as LocomotionTask;
    dataset = { kind: d4rl[2] as D4rlDatasetKind, version: d4rl[3] as string };
  } else task = listTasks().find((t) => LOCOMOTION_TASKS[t].gymId === name);
  if (!task) {
    throw new UnknownEnvError(
      `unknown environment "${name}": expected one of ${listTasks().join(", ")}, a D4RL id like hopper-medium-replay-v2, or a Gym id like Hopper-v3`,
    );
  }
  const { random, expert } = D4RL_REFERENCE_SCORES[task];
  return { name, task, gymId: LOCOMOTION_TASKS[task].gymId, ...(dataset ? { dataset } : {}), referenceScores: { random, expert } };
}

/** Creates the environment a name resolves to (see {@link resolveEnv}); the caller must `close()` it. */
export function makeEnv(name: string, options: LocomotionEnvOptions = {}): Promise<LocomotionEnv> {
  return LocomotionEnv.create(resolveEnv(name).task, options);
}
