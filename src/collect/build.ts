/**
 * `adept data build <env>-<kind>`: D4RL-protocol datasets made by our own code.
 *
 * - random: uniform random actions (D4RL: 1M transitions), log-probs of the uniform density.
 * - medium / medium-replay / expert: from the behaviour policies under `policies/` (trained
 *   by online SAC; see src/collect/behaviour.ts).
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { datasetCachePath } from "../data/cache.js";
import { writeD4rl } from "../data/d4rl.js";
import type { Dataset } from "../data/dataset.js";
import { TASK_SPACES } from "../data/tasks.js";
import { isLocomotionTask, type LocomotionTask } from "../envs/scores.js";
import { UserError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { BehaviourPolicy, readJson } from "./behaviour.js";
import { type CollectPolicy, collectTransitions, uniformPolicy } from "./collect.js";
import { type ManifestEntry, policiesDir } from "./publish.js";

export const DATASET_KINDS = ["random", "medium", "medium-replay", "expert", "medium-expert"] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

/** D4RL's sizes: 1M for random/medium/expert; medium-replay is the replay buffer (202k–402k). */
export const D4RL_SIZES: Record<LocomotionTask, Record<DatasetKind, number>> = {
  halfcheetah: { random: 1_000_000, medium: 1_000_000, "medium-replay": 202_000, expert: 1_000_000, "medium-expert": 2_000_000 },
  hopper: { random: 1_000_000, medium: 1_000_000, "medium-replay": 402_000, expert: 1_000_000, "medium-expert": 2_000_000 },
  walker2d: { random: 1_000_000, medium: 1_000_000, "medium-replay": 302_000, expert: 1_000_000, "medium-expert": 2_000_000 },
};

/**
 * Where online SAC stops for the "medium" policy: the normalized level of D4RL's medium
 * datasets (about a third of expert; D4RL's own medium data scores ≈ 42 / 45–55 / 60–75).
 */
export const MEDIUM_TARGETS: Record<LocomotionTask, number> = { halfcheetah: 40, hopper: 50, walker2d: 65 };

/** Splits "hopper-medium-replay" into its task and kind, or throws naming what is accepted. */
export function parseDatasetId(id: string): { task: LocomotionTask; kind: DatasetKind } {
  const m = /^(halfcheetah|hopper|walker2d)-(.+?)(?:-v\d)?$/.exec(id);
  if (!m || !isLocomotionTask(m[1]!) || !(DATASET_KINDS as readonly string[]).includes(m[2]!))
    throw new UserError(`unknown dataset "${id}": expected <halfcheetah|hopper|walker2d>-<${DATASET_KINDS.join("|")}>`);
  return { task: m[1] as LocomotionTask, kind: m[2] as DatasetKind };
}

/** The manifest entry of a task's behaviour policies, or an error saying how to make it. */
export function manifestEntry(task: LocomotionTask): ManifestEntry {
  const entry = readJson(join(policiesDir(), "manifest.json"))[task] as ManifestEntry | undefined;
  if (!entry)
    throw new UserError(`no behaviour policy for ${task} under ${policiesDir()}: train one with \`adept data train-policy ${task}\``);
  return entry;
}

/** A contiguous run of rows of medium-replay and the policy that took them. */
export interface ReplaySegment {
  /** Rows of the dataset in this segment. */
  rows: number;
  /** The snapshot that acted (path under policies/), or undefined for the uniform warm-up. */
  snapshot?: string;
}

/**
 * medium-replay, rebuilt: the online SAC run's replay buffer up to the medium policy was
 * `warmupSteps` uniform random steps, then steps taken by a policy that kept improving. We
 * replay it segment by segment: steps [s_k, s_k+1) are taken by snapshot s_k (the first
 * learned segment by the first snapshot), stochastically, as SAC acted while training.
 * Segment lengths are scaled to `size` rows (the full replay when size = entry.steps).
 */
export function replaySegments(entry: ManifestEntry, size: number): ReplaySegment[] {
  const snapshotSteps = entry.snapshots.map((f) => Number(/step-(\d+)/.exec(f)![1]));
  const spans: { steps: number; snapshot?: string }[] = [{ steps: Math.min(entry.warmupSteps, size) }];
  let start = entry.warmupSteps;
  snapshotSteps.forEach((step, k) => {
    const end = k + 1 < snapshotSteps.length ? snapshotSteps[k + 1]! : entry.steps;
    const from = k === 0 ? start : step;
    spans.push({ steps: Math.max(0, end - from), snapshot: entry.snapshots[k]! }); // 0: the medium step is a snapshot
    start = end;
  });
  const total = spans.reduce((n, s) => n + s.steps, 0);
  const last = spans.findLastIndex((s) => s.steps > 0); // takes the rounding remainder
  let done = 0;
  return spans.map((span, i) => {
    const rows = span.steps === 0 ? 0 : i === last ? size - done : Math.round((span.steps * size) / total);
    done += rows;
    return { rows, snapshot: span.snapshot };
  });
}

async function collectReplay(
  task: LocomotionTask,
  entry: ManifestEntry,
  size: number,
  seed: number,
  onProgress: (n: number) => void,
): Promise<Dataset> {
  const rng = new Rng(seed);
  const parts: Dataset[] = [];
  let done = 0;
  for (const [i, segment] of replaySegments(entry, size).entries()) {
    // The RNG is forked for every segment, collected or not, so that a given seed always
    // gives each snapshot the same random stream.
    const streams = segment.snapshot ? [rng.fork(), rng.fork()] : [rng.fork()];
    if (segment.rows === 0) continue;
    const policy: CollectPolicy = segment.snapshot
      ? BehaviourPolicy.load(join(policiesDir(), segment.snapshot), streams[0]!).collectPolicy(streams[1]!)
      : uniformPolicy(TASK_SPACES[task].actionDim, streams[0]!);
    parts.push(await collectTransitions(task, segment.rows, policy, { seed: seed + i, onProgress: (k) => onProgress(done + k) }));
    done += segment.rows;
  }
  return concatDatasets(parts);
}

/** Rows of several datasets of one task, in order. */
function concatDatasets(parts: Dataset[]): Dataset {
  const first = parts[0]!;
  const cat = <T extends Float32Array | Uint8Array>(pick: (d: Dataset) => T | undefined, make: (n: number) => T): T => {
    const arrays = parts.map((p) => pick(p)!);
    const out = make(arrays.reduce((n, a) => n + a.length, 0));
    let offset = 0;
    for (const a of arrays) {
      out.set(a, offset);
      offset += a.length;
    }
    return out;
  };
  const f32 = (n: number) => new Float32Array(n),
    u8 = (n: number) => new Uint8Array(n);
  return {
    ...first,
    size: parts.reduce((n, p) => n + p.size, 0),
    observations: cat((d) => d.observations, f32),
    actions: cat((d) => d.actions, f32),
    rewards: cat((d) => d.rewards, f32),
    nextObservations: cat((d) => d.nextObservations, f32),
    terminals: cat((d) => d.terminals, u8),
    timeouts: cat((d) => d.timeouts, u8),
    actionLogProbs: cat((d) => d.actionLogProbs, f32),
    qpos: cat((d) => d.qpos, f32),
    qvel: cat((d) => d.qvel, f32),
  };
}

export interface BuildOptions {
  /** Transitions (default: D4RL's size for the kind). */
  size?: number;
  seed?: number;
  /** Output file (default: the dataset cache, see src/data/cache.ts). */
  out?: string;
  onProgress?: (written: number, total: number) => void;
}

/** Builds a dataset and writes it as a D4RL HDF5 file; returns the path and the dataset. */
export async function buildDataset(id: string, options: BuildOptions = {}): Promise<{ path: string; dataset: Dataset }> {
  const { task, kind } = parseDatasetId(id);
  const size = options.size ?? D4RL_SIZES[task][kind];
  const seed = options.seed ?? 0;
  const path = options.out ?? datasetCachePath(`${task}-${kind}`);
  if (!(Number.isInteger(size) && size > 0)) throw new UserError(`--size must be a positive integer, got ${size}`);
  let dataset: Dataset;
  let metadata: Record<string, string | number>;
  switch (kind) {
    case "random": {
      dataset = await collectTransitions(task, size, uniformPolicy(TASK_SPACES[task].actionDim, new Rng(seed).fork()), {
        seed,
        onProgress: (n) => options.onProgress?.(n, size),
      });
      metadata = { policy: "uniform random in [-1, 1]^A", algorithm: "random" };
      break;
    }
    case "medium": {
      const entry = manifestEntry(task);
      const policy = BehaviourPolicy.load(join(policiesDir(), entry.medium), new Rng(seed));
      dataset = await collectTransitions(task, size, policy.collectPolicy(new Rng(seed).fork()), {
        seed,
        onProgress: (n) => options.onProgress?.(n, size),
      });
      metadata = {
        policy: entry.medium,
        algorithm: "online SAC (stochastic actions)",
        policy_steps: entry.steps,
        policy_score: entry.score,
      };
      break;
    }
    case "medium-replay": {
      const entry = manifestEntry(task);
      const replaySize = options.size ?? entry.steps;
      dataset = await collectReplay(task, entry, replaySize, seed, (n) => options.onProgress?.(n, replaySize));
      metadata = {
        policy: `${entry.snapshots.length} snapshots of ${entry.task}, see DATASETS.md`,
        algorithm: "online SAC replay (rebuilt from snapshots)",
        policy_steps: entry.steps,
        policy_score: entry.score,
      };
      break;
    }
    default:
      throw new UserError(`adept data build ${task}-${kind}: no ${kind} policy was reached for ${task} (see policies/manifest.json)`);
  }
  mkdirSync(dirname(path), { recursive: true });
  await writeD4rl(path, dataset, {
    metadata: {
      ...metadata,
      env: task,
      dataset_id: `${task}-${kind}`,
      size: dataset.size,
      seed,
      builder: "adept data build",
      command: `adept data build ${task}-${kind} --size ${dataset.size} --seed ${seed}`,
    },
  });
  return { path, dataset };
}
