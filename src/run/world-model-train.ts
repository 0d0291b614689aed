/**
 * Pretraining world models into a directory, resumably — what `adept wm train` and a sweep's
 * world-model stage run:
 *
 *   world-model.safetensors   the diffusion world model, saved every `checkpointEvery` steps
 *   ensemble.safetensors      with `baseline`: MOPO's Gaussian ensemble, then its elites chosen
 *   train.json                the record, rewritten at every save: data, split, config, each
 *                             model's updates and training seconds over every session, the
 *                             kernels, and `complete` once every model reached its steps
 *
 * A resume checks each saved model against the data (fingerprint) and the config, and goes on
 * from its last save. Each model draws its batches and noise from its own RNG, which its file
 * keeps, so training in slices, saving at any step and resuming gives the very model of one
 * uninterrupted call. SIGINT and SIGTERM save the model in training at the step it reached.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Dataset } from "../data/index.js";
import type { FitOptions } from "../diffusion/batches.js";
import { GaussianEnsembleWorldModel } from "../diffusion/ensemble.js";
import type { WorldModelProvenance } from "../diffusion/persist.js";
import type { WorldModel, WorldModelMetrics } from "../diffusion/types.js";
import { DiffusionWorldModel, type WorldModelConfig } from "../diffusion/world-model.js";
import { backendRecord } from "../tensor/backend.js";
import { type CodeRecord, codeRecord, noteCodeChange } from "../util/code-version.js";
import { UserError } from "../util/errors.js";
import { RunLock } from "./lock.js";
import { WORLD_MODEL_FILES } from "./world-model-file.js";

/** The record's file name in a world-model directory. */
export const TRAIN_RECORD_FILE = "train.json";

/** What training records next to the weights (`wm eval` reuses the held-out split). */
export interface TrainRecord {
  dataset: string;
  datasetSize: number;
  steps: number;
  seed: number;
  holdout: number;
  config: object;
  ensembleConfig?: object;
  /** Written once the ensemble's elites are chosen. */
  ensembleSteps?: number;
  metrics: Record<string, Record<string, number>>;
  /** Training seconds of each model over every session (from `secondsFrom[name]` where that is set). */
  seconds: Record<string, number>;
  /** Where a model's seconds count from: the step it was resumed at from a save that kept no time. */
  secondsFrom?: Record<string, number>;
  /** Updates of each model when this record was written (the time above is of these updates). */
  updates?: Record<string, number>;
  /** false while the models train, true once all reached their steps. */
  complete?: boolean;
  /** The kernels of the last session that trained (src/tensor/backend.ts). */
  backend?: object;
  /** Each session that trained a model, in order: the model, the step it began at, its code (src/util/code-version.ts). */
  sessions?: { model: string; from: number; code: CodeRecord }[];
}

export interface WorldModelTrainOptions {
  dataset: Dataset;
  /** The dataset's file, recorded as the models' provenance. */
  datasetPath: string;
  /** Training rows (the held-out episodes are not among them), and the held-out ones for the elites. */
  rows: Int32Array;
  heldOut: Int32Array;
  holdout: number;
  seed: number;
  out: string;
  steps: number;
  config: WorldModelConfig;
  /** Also train MOPO's Gaussian ensemble, for `ensembleSteps` steps. */
  baseline: boolean;
  ensembleSteps: number;
  checkpointEvery: number;
  resume: boolean;
  /** Called after each step with the model's name, the step and its metrics (for logging). */
  onStep?: (name: "diffusion" | "ensemble", step: number, total: number, metrics: WorldModelMetrics) => void;
}

export interface WorldModelTrainResult {
  record: TrainRecord;
  /** The signal that stopped training (every model is saved where it was). */
  stopped?: NodeJS.Signals;
}

/** What training needs of a model: fitting, its config, and where its data came from. */
type TrainableWorldModel = WorldModel & {
  fit(dataset: Dataset, steps: number, options?: FitOptions): WorldModelMetrics;
  provenance?: WorldModelProvenance;
  readonly config: object;
  save(path: string): void;
};

/** Steps between two looks at the event loop (a signal is seen within one slice). */
const SLICE = 100;

/** Trains (or resumes) the models of `o.out`; see the module comment. */
export async function trainWorldModels(o: WorldModelTrainOptions): Promise<WorldModelTrainResult> {
  mkdirSync(o.out, { recursive: true });
  RunLock.acquire(o.out); // one writer per directory, as for runs; released at exit
  const { datasetFingerprint } = await import("../data/fingerprint.js");
  const provenance = { fingerprint: datasetFingerprint(o.dataset), heldOutFraction: o.holdout, splitSeed: o.seed, file: o.datasetPath };
  const recordPath = join(o.out, TRAIN_RECORD_FILE);
  const before = o.resume ? readTrainRecord(recordPath) : undefined;
  // What earlier sessions recorded of a model this one does not train stays as it was.
  const record: TrainRecord = {
    ...before,
    dataset: o.datasetPath,
    datasetSize: o.dataset.size,
    steps: o.steps,
    seed: o.seed,
    holdout: o.holdout,
    config: o.config,
    metrics: { ...before?.metrics },
    seconds: { ...before?.seconds },
    updates: { ...before?.updates },
    complete: false,
  };
  const writeRecord = (): void => {
    writeFileSync(`${recordPath}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(`${recordPath}.tmp`, recordPath); // a stage's status reads it: never half of it
  };
  let stopped: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stopped = signal;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const trainModel = async <M extends TrainableWorldModel>(
    name: "diffusion" | "ensemble",
    path: string,
    total: number,
    fresh: () => M,
    load: (p: string) => M,
  ): Promise<M> => {
    const model =
      o.resume && existsSync(path) ? resumable(load(path), path, provenance, name === "diffusion" ? o.config : undefined) : fresh();
    model.provenance = provenance;
    // Earlier sessions' time, from the record of the last save (a kill between saving the model
    // and its record leaves at most one save interval uncounted); none in a record of an older
    // adept, which kept no updates: the time then counts from here.
    const recorded = before?.updates?.[name];
    const known = recorded !== undefined && recorded <= model.updates;
    const priorSeconds = known ? (before?.seconds[name] ?? 0) : 0;
    const from = known ? (before?.secondsFrom?.[name] ?? 0) : model.updates;
    if (from > 0) record.secondsFrom = { ...record.secondsFrom, [name]: from };
    else if (record.secondsFrom) delete record.secondsFrom[name];
    record.seconds[name] = priorSeconds;
    record.updates![name] = model.updates;
    if (model.updates < total) {
      record.backend = backendRecord(); // the kernels of the session that trains
      const code = codeRecord();
      const earlier = model.updates > 0 ? record.sessions?.findLast((s) => s.model === name)?.code : undefined;
      noteCodeChange(`${o.out}: the ${name} model`, earlier, code, model.updates, "its weights");
      record.sessions = [...(record.sessions ?? []), { model: name, from: model.updates, code }];
    }
    const t0 = performance.now();
    const save = (): void => {
      model.save(path);
      record.seconds[name] = priorSeconds + (performance.now() - t0) / 1000;
      record.updates![name] = model.updates;
      writeRecord();
    };
    let metrics: Record<string, number> = before?.metrics[name] ?? {};
    while (model.updates < total && stopped === undefined) {
      const offset = model.updates;
      const n = Math.min(SLICE, total - offset, o.checkpointEvery - (offset % o.checkpointEvery));
      metrics = model.fit(o.dataset, n, { rows: o.rows, onStep: (t, m) => o.onStep?.(name, offset + t + 1, total, m) });
      if (model.updates % o.checkpointEvery === 0 || model.updates === total) save();
      await new Promise((resolve) => setImmediate(resolve)); // let a signal in
    }
    if (stopped !== undefined || !existsSync(path)) save();
    record.metrics[name] = metrics;
    return model;
  };

  try {
    await trainModel(
      "diffusion",
      join(o.out, WORLD_MODEL_FILES.diffusion),
      o.steps,
      () => DiffusionWorldModel.fromDataset(o.dataset, o.config, o.seed, o.rows),
      (p) => DiffusionWorldModel.load(p),
    );
    if (stopped) return { record, stopped };
    if (o.baseline) {
      const path = join(o.out, WORLD_MODEL_FILES["gaussian-ensemble"]);
      const ensemble = await trainModel(
        "ensemble",
        path,
        o.ensembleSteps,
        () => GaussianEnsembleWorldModel.fromDataset(o.dataset, { batchSize: o.config.batchSize, clip: o.config.clip }, o.seed, o.rows),
        (p) => GaussianEnsembleWorldModel.load(p),
      );
      if (stopped) return { record, stopped };
      // MOPO's elites, by held-out error (the training rows when nothing is held out).
      record.metrics.ensembleHeldOutMse = Object.fromEntries(
        ensemble.selectElites(o.dataset, o.heldOut.length > 0 ? o.heldOut : o.rows).map((v, e) => [`member${e}`, v]),
      );
      record.ensembleConfig = ensemble.config;
      record.ensembleSteps = o.ensembleSteps;
      ensemble.save(path);
    }
    record.complete = true;
    writeRecord();
    return { record };
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The record in a world-model directory's `path`, if it reads as one (none yet, or torn: undefined). */
export function readTrainRecord(path: string): TrainRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, "utf8")) as TrainRecord;
    return typeof record.seconds === "object" && record.seconds !== null ? record : undefined;
  } catch {
    return undefined;
  }
}

/** A saved model to go on with: trained on this very data, with the config the flags ask for. */
function resumable<M extends TrainableWorldModel>(
  model: M,
  path: string,
  provenance: { fingerprint: string; file: string },
  config?: object,
): M {
  if (model.provenance?.fingerprint !== provenance.fingerprint)
    throw new UserError(`${path}: trained on other data than ${provenance.file} (dataset fingerprints differ); it cannot be resumed on it`);
  if (config)
    for (const [key, value] of Object.entries(config)) {
      const saved = (model.config as Record<string, unknown>)[key];
      if (saved !== value)
        throw new UserError(`${path}: trained with ${key} ${JSON.stringify(saved)}, the flags ask for ${JSON.stringify(value)}`);
    }
  return model;
}
