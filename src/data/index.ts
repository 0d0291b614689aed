// The public API of the data layer: datasets (D4RL, Minari, JSON Lines), normalization and
// replay buffers. Modules starting with `_` are internal.

export { D4RL_KEYS, type ReadOptions, readD4rl, type WriteOptions, writeD4rl } from "./d4rl.js";
export {
  type Dataset,
  type DatasetSource,
  type EpisodeRanges,
  episodeRanges,
  episodeReturns,
  type MetadataValue,
  type NumericMetadata,
} from "./dataset.js";
export { DataError, type DataErrorLocation } from "./errors.js";
export { type ArrayInfo, type DatasetInfo, describeDataset, type FileInfo, inspectFile } from "./inspect.js";
export { importJsonl, readJsonl } from "./jsonl.js";
export { loadDataset, resolveDatasetPath } from "./load.js";
export { isMinariFile, readMinari } from "./minari.js";
export { deriveNextObservations, type StepColumns, type TransitionColumns } from "./next-observations.js";
export {
  corlRewardScale,
  type DatasetStats,
  DEFAULT_EPS,
  datasetStats,
  type FeatureStats,
  featureStats,
  Normalizer,
  type StatsOptions,
  statsFromJson,
  statsToJson,
} from "./normalizer.js";
export {
  allocateBatch,
  loadReplayBuffer,
  MixedSampler,
  ReplayBuffer,
  type ReplayBufferState,
  RowSampler,
  type Sampler,
  saveReplayBuffer,
  type TransitionBatch,
  type TransitionSpec,
} from "./replay.js";
export { type Column, drawRows, gatherRowsInto, gatherRowsOf, gatherTransitionsInto, type TransitionSource } from "./rows.js";
export { type DatasetSummary, type Distribution, distribution, summarize } from "./stats.js";
export { checkTaskSpaces, inferTask, parseTask, TASK_SPACES, type TaskGuess, taskFromName } from "./tasks.js";
