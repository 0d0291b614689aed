// The public API of the diffusion world model: schedule, denoiser, guided DDPM, reward/terminal
// model, the world model itself, the Gaussian-ensemble baseline, and their evaluation.
import { DataError } from "../data/errors.js";
import { GaussianEnsembleWorldModel } from "./ensemble.js";
import { readWorldModelHeader } from "./persist.js";
import type { WorldModel } from "./types.js";
import { DiffusionWorldModel } from "./world-model.js";

export { type FitOptions, splitByEpisodes } from "./batches.js";
export { ConditionalDDPM, type DDPMOptions, type SampleOptions } from "./ddpm.js";
export { Denoiser, type DenoiserOptions } from "./denoiser.js";
export { sinusoidalEmbedding } from "./embedding.js";
export { ENSEMBLE_CONFIG, type EnsembleConfig, GaussianEnsemble, GaussianEnsembleWorldModel } from "./ensemble.js";
export {
  type OneStepReport,
  oneStepErrors,
  type PhysicsOneStepReport,
  physicsOneStep,
  physicsRollouts,
  type RewardError,
  type RolloutReport,
  type RolloutStepError,
  rewardError,
  type StateError,
  stateError,
  stateVariance,
  type TerminalScores,
  terminalScores,
} from "./evaluate.js";
export { rowsWithNextObservation, Standardizer, type WorldModelStats, worldModelStats } from "./normalization.js";
export { clipColumnsInPlace, guidedEpsilon, posteriorStep, predictX0, weightedMean } from "./ops.js";
export {
  readWorldModel,
  readWorldModelHeader,
  WORLD_MODEL_FORMAT,
  WORLD_MODEL_FORMAT_VERSION,
  type WorldModelHeader,
  type WorldModelProvenance,
  writeWorldModel,
} from "./persist.js";
export { type RewardTerminalLosses, RewardTerminalModel, type RewardTerminalOptions } from "./reward.js";
export { cosineSchedule, MAX_BETA, type NoiseSchedule, scheduleFromBetas } from "./schedule.js";
export type { WorldModel, WorldModelMetrics, WorldModelStep } from "./types.js";
export {
  DiffusionWorldModel,
  effectiveSampleSize,
  WORLD_MODEL_CONFIG,
  type WorldModelConfig,
} from "./world-model.js";

/**
 * Loads any saved world model (diffusion or Gaussian ensemble) by the kind recorded in its
 * file. A missing, truncated or foreign file, or one whose tensors do not fit the model its
 * header describes, is a one-line `DataError`/`FileError` naming it.
 */
export function loadWorldModel(path: string): WorldModel {
  const { kind } = readWorldModelHeader(path);
  if (kind === "diffusion") return DiffusionWorldModel.load(path);
  if (kind === "gaussian-ensemble") return GaussianEnsembleWorldModel.load(path);
  throw new DataError({ file: path }, `unknown world model kind "${kind}" (this adept reads "diffusion" and "gaussian-ensemble")`);
}
