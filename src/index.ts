/**
 * adept's public API, as flat named exports (`import { trainOffline, loadDataset } from "adept-rl"`):
 * datasets, environments, the tensor core and the diffusion world model (the public API of
 * each of those folders, its index.ts), the agents, the ADEPT learner and its config, the
 * training loop, and the dataset builder. Modules whose names start with `_` are internal.
 */

export { hasLoggedLogProbs } from "./adept/behaviour.js";
// ADEPT: its config (variants, sections), the learner (Algorithm 1), importance weights.
export {
  ADEPT_CONFIG,
  ADEPT_VARIANTS,
  type AdeptConfig,
  type AdeptLoopConfig,
  type AdeptVariant,
  isAdeptVariant,
  resolveAdeptConfig,
  variantSchema,
} from "./adept/config.js";
export { anchorWeights, importanceWeights } from "./adept/importance.js";
export { AdeptLearner } from "./adept/learner.js";
// Agents: the contract, one class and config per algorithm, the registry, checkpoints.
export type { Agent, AgentState, Metrics } from "./agents/agent.js";
export { BC, BC_CONFIG, type BCConfig } from "./agents/bc.js";
export { type CheckpointInfo, loadAgentCheckpoint, saveAgentCheckpoint } from "./agents/checkpoint.js";
export { CQL, CQL_CONFIG, type CQLConfig } from "./agents/cql.js";
export { IQL, IQL_CONFIG, type IQLConfig } from "./agents/iql.js";
export { agentPolicy } from "./agents/policy.js";
export { ALGORITHMS, type AlgorithmEntry, makeAgent } from "./agents/registry.js";
export { SAC, SAC_CONFIG, type SACConfig } from "./agents/sac.js";
export { TD3BC, TD3BC_CONFIG, type TD3BCConfig } from "./agents/td3bc.js";
// Dataset building (the D4RL protocol) and the online SAC that trains its behaviour policies.
export { buildDataset } from "./collect/build.js";
export { type CollectOptions, type CollectPolicy, collectTransitions, uniformBoxPolicy, uniformPolicy } from "./collect/collect.js";
export { type OnlineEnv, type OnlineSACOptions, trainOnlineSAC } from "./collect/online-sac.js";
export { type ActionScaler, fitActionScaler, scaleActions, unscaleActions } from "./data/action-scaler.js";
export { datasetFingerprint, datasetSha256 } from "./data/fingerprint.js";
export * from "./data/index.js";
export * from "./diffusion/index.js";
export * from "./envs/index.js";
// What the training loop drives, and the data it is given.
export { type Learner, PlainLearner } from "./learner/learner.js";
export { type OfflineData, prepareData, type RewardScaling } from "./learner/offline-data.js";
// MOPO, the model-based baseline.
export { MOPO_CONFIG, MOPO_TASK_SETTINGS, mopoTaskSettings } from "./mopo/config.js";
export { MOPO_SCHEMA, MopoLearner, type MopoOptions } from "./mopo/learner.js";
// Offline policy evaluation.
export {
  evaluateOffline,
  FQE_CONFIG,
  type FqeResult,
  fqe,
  type ModelOpeResult,
  type OpeReport,
  prepareOpeData,
  regretAt1,
  spearman,
} from "./ope/index.js";
// The training loop.
export { type RunSummary, type TrainOptions, trainOffline } from "./run/train.js";
export { type ReusedWorldModel, reuseWorldModel, WORLD_MODEL_FILES, type WorldModelRecord } from "./run/world-model-file.js";
export * from "./tensor/index.js";
export { type ConfigOf, type ConfigSchema, defineConfig, type FieldSpec, resolveConfig } from "./util/config.js";
// Randomness and config schemas.
export { Rng, type RngState } from "./util/rng.js";
