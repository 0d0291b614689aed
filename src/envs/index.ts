// The public API of the environments module.
export {
  type EvalResult,
  type EvaluateEnvOptions,
  type EvaluateOptions,
  Evaluator,
  evaluate,
  type MeanStd,
  meanPopulationStd,
} from "./evaluate.js";
export { LocomotionEnv, type LocomotionEnvOptions } from "./locomotion.js";
export { loadMujoco } from "./mujoco.js";
export { type BatchPolicy, randomPolicy } from "./policy.js";
export {
  D4RL_DATASET_KINDS,
  type D4rlDatasetKind,
  type EnvEntry,
  listTasks,
  makeEnv,
  resolveEnv,
  UnknownEnvError,
} from "./registry.js";
export { D4RL_REFERENCE_SCORES, isLocomotionTask, type LocomotionTask, normalizedScore } from "./scores.js";
export { LOCOMOTION_TASKS, type LocomotionTaskDef, MAX_EPISODE_STEPS, type ResetNoise } from "./tasks.js";
export type { BoxSpace, Env, EnvSpec, SimState, StepInfo, StepResult } from "./types.js";
