/**
 * A sweep's world-model stage: one `adept wm train` per dataset × seed, trained once
 * (resumable, like a run) before the runs that start from it. Every run of an algorithm that
 * takes a world model (the ADEPT variants: the diffusion model; mopo: the ensemble, trained
 * with `baseline`) then gets `--world-model <stage dir>`, so that all variants of a dataset
 * and seed share one pretrained model and differ only in what they do after.
 *
 *   "worldModel": { "steps": 200000, "baseline": true, "ensembleSteps": 50000, "config": { "width": 256 } }
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { datasetName } from "../../data/cache.js";
import { readWorldModelHeader } from "../../diffusion/persist.js";
import { WORLD_MODEL_CONFIG } from "../../diffusion/world-model.js";
import { ConfigError, type ConfigOf, defineConfig, kebab, resolveConfig } from "../../util/config.js";
import { UserError } from "../../util/errors.js";
import { WORLD_MODEL_FILES, worldModelKindOf } from "../world-model-file.js";
import { TRAIN_RECORD_FILE } from "../world-model-train.js";
import type { RunStatus } from "./status.js";

/** The fields of a spec's `worldModel` object (its `config` holds world-model config fields). */
export const STAGE_FIELDS = defineConfig({
  steps: { default: 0, integer: true, min: 1, required: true, doc: "diffusion-model gradient steps (`wm train --steps`)" },
  baseline: { default: false, doc: "also train the Gaussian ensemble (needed by mopo)" },
  ensembleSteps: { default: 0, integer: true, min: 0, doc: "the ensemble's steps; 0: as many as the diffusion model's" },
  holdout: {
    default: 0.05,
    doc: "fraction of episodes held out (ADEPT's heldOutFraction default, so runs hold out what they would have themselves)",
  },
  checkpointEvery: { default: 10_000, integer: true, min: 1, doc: "save the models every n steps" },
  out: { default: "", doc: "where the stage's models live (default: <out>/world-models); another spec's folder shares them" },
});

/** A spec's world-model stage, validated. */
export type StageSpec = ConfigOf<typeof STAGE_FIELDS> & { config: Record<string, string | number | boolean> };

/** One stage of a sweep: the world models of one dataset and seed. */
export interface StageRun {
  /** `world-models/<dataset>/seed<k>`. */
  name: string;
  dataset: string;
  seed: number;
  dir: string;
  /** `adept wm train` arguments (without `--resume`). */
  args: string[];
}

/** Validates `raw` (the spec's `worldModel` value); errors name `worldModel.<field>`. */
export function parseStage(raw: unknown): StageSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new UserError(
      `worldModel: expected an object {"steps", "baseline", "ensembleSteps", "holdout", "checkpointEvery", "out", "config"}`,
    );
  const { config = {}, ...fields } = raw as Record<string, unknown>;
  const stage = resolveConfig(STAGE_FIELDS, fields, "worldModel", false);
  if (!(stage.holdout >= 0 && stage.holdout < 1)) throw new ConfigError(`worldModel.holdout: must be in [0, 1), got ${stage.holdout}`);
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw new ConfigError(`worldModel.config: expected an object of world-model config fields, got ${JSON.stringify(config)}`);
  resolveConfig(WORLD_MODEL_CONFIG, config as Record<string, unknown>, "worldModel.config");
  return { ...stage, config: config as StageSpec["config"] };
}

/** Whether a run of `algo` starts from the stage's models (and checks the stage has what it needs). */
export function usesStage(algo: string, stage: StageSpec | undefined): boolean {
  const kind = worldModelKindOf(algo);
  if (!stage || !kind) return false;
  if (kind === "gaussian-ensemble" && !stage.baseline)
    throw new UserError(`worldModel.baseline: ${algo} starts from the Gaussian ensemble; set "baseline": true`);
  return true;
}

/** The name of the stage of one dataset and seed: `world-models/<dataset>/seed<k>`. */
export function stageName(dataset: string, seed: number): string {
  return `world-models/${datasetName(dataset)}/seed${seed}`;
}

/** The stage of one dataset and seed under `root` (the spec's `out`). */
export function stageRun(stage: StageSpec, root: string, dataset: string, seed: number): StageRun {
  const name = stageName(dataset, seed);
  const dir = stage.out ? join(stage.out, datasetName(dataset), `seed${seed}`) : join(root, name);
  const data = existsSync(dataset) ? resolve(dataset) : dataset;
  const args = stageFlags(stage, data, seed, dir).flatMap(([flag, value]) => (value === undefined ? [flag] : [flag, value]));
  return { name, dataset, seed, dir, args };
}

/**
 * The `adept wm train` flags of a stage (without `--resume`), as `[flag, value]` pairs (a
 * switch has no value): one list for the local sweep and the queue's workers, so both train
 * the same models.
 */
export function stageFlags(stage: StageSpec, dataset: string, seed: number, dir: string): Array<[string, string | undefined]> {
  const flags: Array<[string, string | undefined]> = [
    ["--dataset", dataset],
    ["--seed", String(seed)],
    ["--steps", String(stage.steps)],
    ["--out", dir],
    ["--holdout", String(stage.holdout)],
    ["--checkpoint-every", String(stage.checkpointEvery)],
    ["--log-every", "10000"],
  ];
  if (stage.baseline) flags.push(["--baseline", undefined], ["--ensemble-steps", String(stage.ensembleSteps || stage.steps)]);
  for (const [field, value] of Object.entries(stage.config)) flags.push([`--${kebab(field)}`, String(value)]);
  return flags;
}

/** The gradient steps of a stage: the diffusion model's, plus the ensemble's when it has one. */
export function stageSteps(stage: StageSpec): number {
  return stage.steps + (stage.baseline ? stage.ensembleSteps || stage.steps : 0);
}

/** Where a stage stands: done (a complete train.json, every model at its steps), stopped (models saved part-way) or pending. */
export function inspectStage(run: Pick<StageRun, "name" | "dir">, stage: StageSpec): RunStatus {
  const total = stageSteps(stage);
  const status: RunStatus = { name: run.name, state: "pending", step: 0, steps: total };
  for (const file of [WORLD_MODEL_FILES.diffusion, ...(stage.baseline ? [WORLD_MODEL_FILES["gaussian-ensemble"]] : [])]) {
    const path = join(run.dir, file);
    if (!existsSync(path)) continue;
    try {
      status.step += readWorldModelHeader(path).updates;
      status.state = "stopped";
    } catch {
      // A file being replaced: counted at the next look.
    }
  }
  const record = join(run.dir, TRAIN_RECORD_FILE);
  if (existsSync(record)) {
    try {
      const r = JSON.parse(readFileSync(record, "utf8")) as {
        steps: number;
        seconds?: Record<string, number>;
        complete?: boolean;
        ensembleSteps?: number;
      };
      // `complete` is false while wm train runs (it rewrites the record at every save); the
      // ensemble is done only once its elites are chosen (ensembleSteps is recorded then).
      const finished = r.complete !== false && (!stage.baseline || r.ensembleSteps !== undefined);
      if (finished && r.steps >= stage.steps && status.step >= total)
        return { ...status, state: "done", seconds: Object.values(r.seconds ?? {}).reduce((a, b) => a + b, 0) };
    } catch {
      // Being written.
    }
  }
  return status;
}
