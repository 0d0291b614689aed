/**
 * Agent checkpoints: one safetensors file holding the networks and optimizer moments, with
 * metadata naming the algorithm, its resolved config, counters and RNG state, and the
 * normalization statistics the agent was trained with — everything needed to act on raw
 * observations or to resume training.
 */
import { type DatasetStats, statsFromJson, statsToJson } from "../data/normalizer.js";
import { loadTensors, saveTensors } from "../nn/serialize.js";
import type { Agent, AgentState } from "./agent.js";
import { makeAgent, migrateConfig } from "./registry.js";

/** Bumped when the layout of checkpoints changes incompatibly. */
export const CHECKPOINT_VERSION = "1";

/** What a checkpoint carries besides the agent. */
export interface CheckpointInfo {
  /** Normalization statistics of the training data (observations z-scored, rewards scaled). */
  stats: DatasetStats;
  /** The D4RL task the agent acts in, when known. */
  task?: string;
  /** Anything else the trainer wants back on resume (counters, best score…), JSON-safe. */
  extra?: Record<string, unknown>;
}

/** Writes `agent` and `info` to `path` atomically. */
export function saveAgentCheckpoint(path: string, agent: Agent, info: CheckpointInfo): void {
  const state = agent.state();
  saveTensors(path, state.tensors, {
    format: "adept-agent",
    version: CHECKPOINT_VERSION,
    algo: agent.algo,
    observationDim: String(agent.observationDim),
    actionDim: String(agent.actionDim),
    config: JSON.stringify(agent.config),
    meta: JSON.stringify(state.meta),
    stats: statsToJson(info.stats),
    task: info.task ?? "",
    extra: JSON.stringify(info.extra ?? {}),
  });
}

/** Reads a checkpoint written by {@link saveAgentCheckpoint}: the agent (state restored) and its info. */
export function loadAgentCheckpoint(path: string): { agent: Agent; info: CheckpointInfo } {
  const { tensors, metadata } = readCheckpoint(path);
  const parse = metadataParser(metadata, path);
  const agent = makeAgent(
    metadata.algo ?? "",
    Number(metadata.observationDim),
    Number(metadata.actionDim),
    migrateConfig(metadata.algo ?? "", parse("config") as Record<string, unknown>, path),
  );
  agent.loadState({ tensors, meta: parse("meta") as AgentState["meta"] }, path);
  return { agent, info: infoOf(metadata, parse) };
}

/** Restores a checkpoint into an existing agent of the same algorithm and shape (resuming a run); returns its info. */
export function restoreAgentCheckpoint(path: string, agent: Agent): CheckpointInfo {
  const { tensors, metadata } = readCheckpoint(path);
  if (metadata.algo !== agent.algo) throw new Error(`${path}: a ${metadata.algo} checkpoint cannot restore a ${agent.algo} agent`);
  const parse = metadataParser(metadata, path);
  agent.loadState({ tensors, meta: parse("meta") as AgentState["meta"] }, path);
  return infoOf(metadata, parse);
}

function readCheckpoint(path: string): ReturnType<typeof loadTensors> {
  const loaded = loadTensors(path);
  const { metadata } = loaded;
  if (metadata.format !== "adept-agent") throw new Error(`${path}: not an adept agent checkpoint (format "${metadata.format ?? "none"}")`);
  if (metadata.version !== CHECKPOINT_VERSION)
    throw new Error(`${path}: checkpoint version ${metadata.version}, this adept reads version ${CHECKPOINT_VERSION}`);
  return loaded;
}

function metadataParser(metadata: Record<string, string>, path: string): (key: string) => unknown {
  return (key) => {
    try {
      return JSON.parse(metadata[key] ?? "");
    } catch {
      throw new Error(`${path}: metadata "${key}" is missing or not JSON`);
    }
  };
}

function infoOf(metadata: Record<string, string>, parse: (key: string) => unknown): CheckpointInfo {
  return { stats: statsFromJson(metadata.stats ?? ""), task: metadata.task || undefined, extra: parse("extra") as Record<string, unknown> };
}
