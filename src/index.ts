/**
 * adept's public API. Everything a program that embeds adept needs: datasets, environments,
 * agents (train, act, save, load), the training loop, and the tensor core beneath.
 * Modules whose names start with `_` are internal.
 */
export * as data from "./data/index.js";
export * as envs from "./envs/index.js";
export * as tensor from "./tensor/index.js";

export type { Agent, AgentState, Metrics } from "./agents/agent.js";
export { ALGORITHMS, makeAgent, type AlgorithmEntry } from "./agents/registry.js";
export { BC, BC_CONFIG, type BCConfig } from "./agents/bc.js";
export { CQL, CQL_CONFIG, type CQLConfig } from "./agents/cql.js";
export { IQL, IQL_CONFIG, type IQLConfig } from "./agents/iql.js";
export { SAC, SAC_CONFIG, type SACConfig } from "./agents/sac.js";
export { TD3BC, TD3BC_CONFIG, type TD3BCConfig } from "./agents/td3bc.js";
export { trainOnlineSAC, type OnlineEnv, type OnlineSACOptions } from "./agents/online-sac.js";
export { loadAgentCheckpoint, saveAgentCheckpoint, type CheckpointInfo } from "./agents/checkpoint.js";
export { agentPolicy } from "./agents/policy.js";
export { loadDataset } from "./data/load.js";
export { datasetStats, Normalizer, type DatasetStats } from "./data/normalizer.js";
export { allocateBatch, MixedSampler, ReplayBuffer, type TransitionBatch } from "./data/replay.js";
export { evaluate, Evaluator, type EvalResult } from "./envs/evaluate.js";
export { makeEnv } from "./envs/registry.js";
export { normalizedScore } from "./envs/scores.js";
export { buildDataset } from "./collect/build.js";
export { prepareData, trainOffline, type RunSummary, type TrainOptions } from "./run/train.js";
export { Rng } from "./util/rng.js";
