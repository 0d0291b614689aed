/**
 * The offline data a learner trains on: the dataset in raw units, its statistics, the
 * observation normalizer, and a replay buffer of the transitions in the agent's units
 * (z-scored observations, scaled rewards). The training loop prepares it once per run;
 * every learner (plain offline RL, ADEPT) reads it.
 */
import { withScaledActions } from "../data/action-scaler.js";
import { resolveDataset } from "../data/cache.js";
import type { Dataset } from "../data/dataset.js";
import { bestEpisodes } from "../data/filter.js";
import { loadDataset } from "../data/load.js";
import { type DatasetStats, datasetStats, Normalizer } from "../data/normalizer.js";
import { ReplayBuffer } from "../data/replay.js";

/** The prepared offline data (see {@link prepareData}). */
export interface OfflineData {
  dataset: Dataset; // raw units
  stats: DatasetStats;
  normalizer: Normalizer; // observations
  buffer: ReplayBuffer; // agent units
}

/** Reward scaling: CORL's locomotion scale (`auto`: on locomotion tasks), always, or never. */
export type RewardScaling = "auto" | "corl" | "none";

/**
 * Loads a dataset (a file, or the id of a built dataset) and returns it with its statistics
 * and a replay buffer of normalized transitions. `bestFraction` < 1 keeps only the best
 * episodes by return (CORL's BC-x%) before statistics and buffer.
 */
export async function prepareData(
  spec: string,
  rewardScaling: RewardScaling = "auto",
  bestFraction = 1,
): Promise<OfflineData & { path: string }> {
  const path = resolveDataset(spec);
  // Actions outside [−1, 1] are min–max scaled for training; the scaler travels in the stats.
  const { dataset, scaler } = withScaledActions(bestEpisodes(await loadDataset(path), bestFraction));
  const stats = { ...datasetStats(dataset, { rewardScaling }), ...(scaler ? { actionScaler: scaler } : {}) };
  const normalizer = new Normalizer(stats.observations);
  const observations = normalizer.normalize(dataset.observations.slice());
  const nextObservations = normalizer.normalize(dataset.nextObservations.slice());
  const rewards = dataset.rewards.map((r) => r * stats.rewardScale);
  const buffer = new ReplayBuffer({ observationDim: dataset.observationDim, actionDim: dataset.actionDim, capacity: dataset.size });
  buffer.addDataset({ ...dataset, observations, nextObservations, rewards });
  return { dataset, path, stats, normalizer, buffer };
}
