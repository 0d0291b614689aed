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
export { EnvModuleError, loadEnvModule } from "./module-env.js";
export { loadMujoco } from "./mujoco.js";
export { type LocomotionEnvOptions, MujocoEnv, MujocoEnv as LocomotionEnv, type MujocoEnvOptions } from "./mujoco-env.js";
export { type BatchPolicy, randomPolicy } from "./policy.js";
export {
  D4RL_DATASET_KINDS,
  type D4rlDatasetKind,
  type EnvEntry,
  findTask,
  listRegisteredTasks,
  listTasks,
  makeEnv,
  registerTask,
  resolveEnv,
  scoreOf,
  terminationRuleOf,
  UnknownEnvError,
  unregisterTask,
} from "./registry.js";
export { D4RL_REFERENCE_SCORES, isLocomotionTask, type LocomotionTask, normalizedScore } from "./scores.js";
export { type EnvSource, type EpisodicEnv, isEnvModulePath, openEnv } from "./source.js";
export {
  actionBounds,
  defineTask,
  type MjcfSource,
  type MujocoTask,
  type ResetNoise,
  type StepContext,
  TaskDefinitionError,
  type TerminationRule,
} from "./task.js";
export { LOCOMOTION_TASKS, type LocomotionParams, type LocomotionTaskDef, MAX_EPISODE_STEPS } from "./tasks.js";
export type { BoxSpace, Env, EnvSpec, SimState, StepInfo, StepResult } from "./types.js";
