import { basename } from "node:path";
import { findTask, listRegisteredTasks } from "../envs/registry.js";
import type { LocomotionTask } from "../envs/scores.js";
import { LOCOMOTION_TASKS } from "../envs/tasks.js";
import type { MetadataValue } from "./dataset.js";
import { DataError } from "./errors.js";

/**
 * Observation and action widths of the D4RL locomotion tasks (gym -v3 semantics, see
 * docs/envs.md, "The tasks"), used to check that a file matches the environment it claims to be from.
 */
export const TASK_SPACES: Record<LocomotionTask, { observationDim: number; actionDim: number }> = {
  halfcheetah: { observationDim: LOCOMOTION_TASKS.halfcheetah.observationDim, actionDim: LOCOMOTION_TASKS.halfcheetah.actionDim },
  hopper: { observationDim: LOCOMOTION_TASKS.hopper.observationDim, actionDim: LOCOMOTION_TASKS.hopper.actionDim },
  walker2d: { observationDim: LOCOMOTION_TASKS.walker2d.observationDim, actionDim: LOCOMOTION_TASKS.walker2d.actionDim },
};

/** The widths of any registered task (built-in or a user's), or undefined for an unknown name. */
export function taskSpaces(task: string): { observationDim: number; actionDim: number } | undefined {
  const def = findTask(task);
  return def ? { observationDim: def.observationDim, actionDim: def.actionDim } : undefined;
}

/** How a task was determined, for messages ("from metadata/env", "from the file name"). */
export interface TaskGuess {
  task: string;
  from: string;
}

/**
 * The task named in a string such as "hopper-medium-replay-v2", "HalfCheetah-v3" or
 * "mujoco/walker2d/expert-v0": a locomotion task, else a registered task whose name the string
 * contains (the longest such name, so "pendulum" does not shadow "inverted-pendulum").
 */
export function taskFromName(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (/half_?cheetah/.test(lower)) return "halfcheetah";
  if (/hopper/.test(lower)) return "hopper";
  if (/walker(_?2d)?/.test(lower)) return "walker2d";
  let best: string | undefined;
  for (const task of listRegisteredTasks()) if (lower.includes(task.toLowerCase()) && (!best || task.length > best.length)) best = task;
  return best;
}

/** Metadata keys that name the environment, in the order they are trusted. */
const TASK_KEYS = ["env", "env_name", "env_id", "task", "dataset_id", "dataset_name", "name", "env_spec"];

/** Infers the task from metadata (keys such as `env`, `dataset_id`, `env_spec`), then from the file name. */
export function inferTask(metadata: Record<string, MetadataValue>, file?: string): TaskGuess | undefined {
  for (const key of TASK_KEYS) {
    const value = metadata[key];
    if (typeof value !== "string") continue;
    const task = taskFromName(value);
    if (task) return { task, from: `metadata "${key}"` };
  }
  if (file !== undefined) {
    const task = taskFromName(basename(file));
    if (task) return { task, from: "the file name" };
  }
  return undefined;
}

/** Parses a user-given task name (CLI `--env`), accepting aliases like "HalfCheetah-v3" and registered tasks. */
export function parseTask(name: string): string {
  const known = findTask(name);
  if (known) return known.name;
  const task = taskFromName(name);
  if (task) return task;
  throw new DataError({}, `unknown environment "${name}" (expected ${listRegisteredTasks().join(", ")})`);
}

/**
 * Throws when observation/action widths do not match `task` — typically a file from another
 * environment, or a name that misled the inference (pass the task explicitly to override).
 */
export function checkTaskSpaces(
  file: string | undefined,
  guess: TaskGuess,
  dims: { observationDim: number; actionDim: number },
  keys = { observations: "observations", actions: "actions" },
): void {
  const want = taskSpaces(guess.task);
  if (!want) return; // not a registered task: nothing to check against
  const hint =
    guess.from === "the caller"
      ? ""
      : `; ${guess.task} was inferred from ${guess.from} (name the environment explicitly, or none, to override)`;
  if (dims.observationDim !== want.observationDim) {
    throw new DataError(
      { file, key: keys.observations },
      `has width ${dims.observationDim} but ${guess.task} observations have ${want.observationDim}${hint}`,
    );
  }
  if (dims.actionDim !== want.actionDim) {
    throw new DataError({ file, key: keys.actions }, `has width ${dims.actionDim} but ${guess.task} actions have ${want.actionDim}${hint}`);
  }
}
