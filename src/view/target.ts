/**
 * What `adept view` plays: a checkpoint file, a run directory (its best checkpoint, else its
 * latest) or `random`, on an environment, with the policy as the dependency-free JSON of
 * `adept export --format json` that the page runs with the exported forward.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadAgentCheckpoint } from "../agents/checkpoint.js";
import { LOCOMOTION_TASKS } from "../envs/index.js";
import { resolveEnv } from "../envs/registry.js";
import { isLocomotionTask, type LocomotionTask } from "../envs/scores.js";
import { policyToJson } from "../export/json.js";
import { policySpec } from "../export/policy.js";
import { UserError } from "../util/errors.js";

/** The checkpoints of a run directory, in the order `adept view` prefers them. */
export const RUN_DIR_CHECKPOINTS = ["best.safetensors", "latest.safetensors"];

export interface ViewTarget {
  /** What the page shows as the policy's name (the checkpoint path, or "random"). */
  label: string;
  task: LocomotionTask;
  /** The policy document (format "adept-policy"), absent for the random policy. */
  policy?: Record<string, unknown>;
}

/** The checkpoint file `what` names: itself, or the best (else latest) checkpoint of a run directory. */
export function checkpointPath(what: string): string {
  if (!existsSync(what)) throw new UserError(`${what}: no such checkpoint or run directory (or use "random")`);
  if (!statSync(what).isDirectory()) return what;
  for (const name of RUN_DIR_CHECKPOINTS) {
    const path = join(what, name);
    if (existsSync(path)) return path;
  }
  throw new UserError(`${what}: a directory without ${RUN_DIR_CHECKPOINTS.join(" or ")} (is it an adept train run directory?)`);
}

/** Resolves `adept view`'s argument and `--env` (needed for random; a checkpoint knows its task). */
export function resolveTarget(what: string, env?: string): ViewTarget {
  if (what === "random") {
    if (!env) throw new UserError("the random policy needs an environment: adept view random --env hopper");
    return { label: "random", task: builtInTask(env) };
  }
  const path = checkpointPath(what);
  const { agent, info } = loadAgentCheckpoint(path);
  const name = env ?? info.task;
  if (!name) throw new UserError(`${path}: the checkpoint does not record its task; pass --env`);
  const task = builtInTask(name);
  const def = LOCOMOTION_TASKS[task];
  if (agent.observationDim !== def.obsDim || agent.actionDim !== def.actDim)
    throw new UserError(
      `${path}: the agent acts on ${agent.observationDim} observations / ${agent.actionDim} actions, ${task} has ${def.obsDim} / ${def.actDim}`,
    );
  return { label: path, task, policy: policyToJson(policySpec(agent, info.stats)) };
}

/** The built-in task an environment name resolves to: the page has their task code, not a user module's. */
function builtInTask(name: string): LocomotionTask {
  const task = resolveEnv(name).task;
  if (!isLocomotionTask(task))
    throw new UserError(`adept view plays the built-in tasks (${Object.keys(LOCOMOTION_TASKS).join(", ")}); "${name}" is not one of them`);
  return task;
}
