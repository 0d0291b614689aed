/**
 * Agent checkpoints: one safetensors file holding the networks and optimizer moments, with
 * metadata naming the algorithm, its resolved config, counters and RNG state, and the
 * normalization statistics the agent was trained with — everything needed to act on raw
 * observations or to resume training.
 */
import { type DatasetStats, statsFromJson, statsToJson } from "../data/normalizer.js";
import { loadTensors, saveTensors } from "../nn/serialize.js";
import { FileError } from "../util/errors.js";
import type { Agent, AgentState } from "./agent.js";
import { ALGORITHMS, makeAgent, migrateConfig } from "./registry.js";

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

/**
 * Reads a checkpoint written by {@link saveAgentCheckpoint}: the agent (state restored) and its
 * info. A file that is missing, truncated, not an agent checkpoint, or whose tensors do not fit
 * the agent its metadata describes is a one-line {@link FileError} naming it.
 */
export function loadAgentCheckpoint(path: string): { agent: Agent; info: CheckpointInfo } {
  const { tensors, metadata } = readCheckpoint(path);
  const parse = metadataParser(metadata, path);
  const algo = metadata.algo ?? "";
  if (!Object.hasOwn(ALGORITHMS, algo))
    throw new FileError(
      path,
      `a checkpoint of algorithm "${algo}", which this adept does not have (${Object.keys(ALGORITHMS).join(", ")})`,
    );
  const dim = (key: "observationDim" | "actionDim"): number => {
    const n = Number(metadata[key]);
    if (!(Number.isInteger(n) && n >= 1)) throw new FileError(path, `metadata "${key}" is ${JSON.stringify(metadata[key])}, not a width`);
    return n;
  };
  const agent = makeAgent(
    algo,
    dim("observationDim"),
    dim("actionDim"),
    migrateConfig(algo, parse("config") as Record<string, unknown>, path),
  );
  agent.loadState({ tensors, meta: metaOf(parse, path) }, { file: path });
  return { agent, info: infoOf(metadata, parse, path) };
}

/** Restores a checkpoint into an existing agent of the same algorithm and shape (resuming a run); returns its info. */
export function restoreAgentCheckpoint(path: string, agent: Agent): CheckpointInfo {
  const { tensors, metadata } = readCheckpoint(path);
  if (metadata.algo !== agent.algo) throw new FileError(path, `a ${metadata.algo} checkpoint cannot restore a ${agent.algo} agent`);
  const parse = metadataParser(metadata, path);
  agent.loadState({ tensors, meta: metaOf(parse, path) }, { file: path });
  return infoOf(metadata, parse, path);
}

function readCheckpoint(path: string): ReturnType<typeof loadTensors> {
  const loaded = loadTensors(path);
  const { metadata } = loaded;
  if (metadata.format !== "adept-agent") throw new FileError(path, `not an adept agent checkpoint (format "${metadata.format ?? "none"}")`);
  if (metadata.version !== CHECKPOINT_VERSION)
    throw new FileError(path, `checkpoint version ${metadata.version}, this adept reads version ${CHECKPOINT_VERSION}`);
  return loaded;
}

function metadataParser(metadata: Record<string, string>, path: string): (key: string) => unknown {
  return (key) => {
    try {
      return JSON.parse(metadata[key] ?? "");
    } catch {
      throw new FileError(path, `metadata "${key}" is missing or not JSON`);
    }
  };
}

/** The agent's counters and RNG state, checked for the fields `loadState` reads. */
function metaOf(parse: (key: string) => unknown, path: string): AgentState["meta"] {
  const meta = parse("meta") as AgentState["meta"] | null;
  const rng = meta?.rng as { s?: unknown } | undefined;
  if (typeof meta?.updates !== "number" || !Array.isArray(rng?.s) || rng.s.length !== 4)
    throw new FileError(path, `metadata "meta" lacks the update counter or the RNG state`);
  return meta;
}

function infoOf(metadata: Record<string, string>, parse: (key: string) => unknown, path: string): CheckpointInfo {
  return {
    stats: statsFromJson(metadata.stats ?? "", path),
    task: metadata.task || undefined,
    extra: parse("extra") as Record<string, unknown>,
  };
}
