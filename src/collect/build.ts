/**
 * `adept data build <env>-<kind>`: D4RL-protocol datasets made by our own code.
 *
 * - random: uniform random actions (D4RL: 1M transitions), log-probs of the uniform density.
 * - medium / medium-replay / expert: from the behaviour policies under `policies/` (trained
 *   by online SAC; see src/collect/behaviour.ts).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { datasetCachePath } from "../data/cache.js";
import type { Dataset } from "../data/dataset.js";
import { writeD4rl } from "../data/d4rl.js";
import { isLocomotionTask, type LocomotionTask } from "../envs/scores.js";
import { Rng } from "../util/rng.js";
import { collectTransitions, uniformPolicy } from "./collect.js";

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
    throw new Error(`unknown dataset "${id}": expected <halfcheetah|hopper|walker2d>-<${DATASET_KINDS.join("|")}>`);
  return { task: m[1] as LocomotionTask, kind: m[2] as DatasetKind };
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
  if (!(Number.isInteger(size) && size > 0)) throw new Error(`--size must be a positive integer, got ${size}`);
  let dataset: Dataset;
  let metadata: Record<string, string | number>;
  switch (kind) {
    case "random": {
      dataset = await collectTransitions(task, size, uniformPolicy(task === "hopper" ? 3 : 6, new Rng(seed).fork()), {
        seed,
        onProgress: (n) => options.onProgress?.(n, size),
      });
      metadata = { policy: "uniform random in [-1, 1]^A", algorithm: "random" };
      break;
    }
    default:
      throw new Error(`adept data build ${kind}: needs the behaviour policies under policies/ (not built yet)`);
  }
  mkdirSync(dirname(path), { recursive: true });
  await writeD4rl(path, dataset, {
    metadata: { ...metadata, env: task, dataset_id: `${task}-${kind}`, size, seed, builder: "adept data build", command: `adept data build ${task}-${kind} --size ${size} --seed ${seed}` },
  });
  return { path, dataset };
}
