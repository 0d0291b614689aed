/**
 * adept's public API. Everything a program that embeds adept needs: datasets, environments,
 * agents (train, act, save, load), the training loop, and the tensor core beneath.
 * Modules whose names start with `_` are internal.
 */

export type { Agent, AgentState, Metrics } from "./agents/agent.js";
export { BC, BC_CONFIG, type BCConfig } from "./agents/bc.js";
export { type CheckpointInfo, loadAgentCheckpoint, saveAgentCheckpoint } from "./agents/checkpoint.js";
export { CQL, CQL_CONFIG, type CQLConfig } from "./agents/cql.js";
export { IQL, IQL_CONFIG, type IQLConfig } from "./agents/iql.js";
export { type OnlineEnv, type OnlineSACOptions, trainOnlineSAC } from "./agents/online-sac.js";
export { agentPolicy } from "./agents/policy.js";
export { ALGORITHMS, type AlgorithmEntry, makeAgent } from "./agents/registry.js";
export { SAC, SAC_CONFIG, type SACConfig } from "./agents/sac.js";
export { TD3BC, TD3BC_CONFIG, type TD3BCConfig } from "./agents/td3bc.js";
export { buildDataset } from "./collect/build.js";
export * as data from "./data/index.js";
export { loadDataset } from "./data/load.js";
export { type DatasetStats, datasetStats, Normalizer } from "./data/normalizer.js";
export { allocateBatch, MixedSampler, ReplayBuffer, type TransitionBatch } from "./data/replay.js";
export * as diffusion from "./diffusion/index.js";
export {
  DiffusionWorldModel,
  GaussianEnsembleWorldModel,
  loadWorldModel,
  splitByEpisodes,
  WORLD_MODEL_CONFIG,
  type WorldModel,
  type WorldModelConfig,
} from "./diffusion/index.js";
export { type EvalResult, Evaluator, evaluate } from "./envs/evaluate.js";
export * as envs from "./envs/index.js";
export { type BatchPolicy, randomPolicy } from "./envs/policy.js";
export { makeEnv } from "./envs/registry.js";
export { normalizedScore } from "./envs/scores.js";
export { prepareData, type RunSummary, type TrainOptions, trainOffline } from "./run/train.js";
export * as tensor from "./tensor/index.js";
export { Rng } from "./util/rng.js";
