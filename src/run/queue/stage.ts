/**
 * A sweep's world-model stage on a queue: one job per dataset × seed that trains the models
 * with `adept wm train` (the local sweep's command, src/run/sweep/stages.ts) in a directory
 * under the workers' `--runs-dir`; every ADEPT and MOPO run of that dataset and seed then
 * starts from it (`--world-model`). Like a run, a stage is resumable: `wm train --resume`
 * continues from the models it saved every `checkpointEvery` steps, so a stage whose worker
 * died goes on where it was on the next worker.
 *
 * The job id is a hash of what makes the models: the stage's resolved fields and world-model
 * config, the dataset's content hash and the seed — not the sweep, so that two sweeps (or a
 * spec enqueued again with more variants) on the same data share one stage. Its directory is
 * named by that id, `<runs-dir>/world-models/<dataset>/seed<k>-<id>`: one directory per
 * distinct stage.
 *
 * How the runs wait for it is in gate.ts.
 */
import { createHash } from "node:crypto";
import { join, resolve, sep } from "node:path";
import { datasetName } from "../../data/cache.js";
import { WORLD_MODEL_CONFIG } from "../../diffusion/world-model.js";
import { resolveConfig } from "../../util/config.js";
import { UserError } from "../../util/errors.js";
import { parseStage, STAGE_FIELDS, type StageSpec, stageFlags, stageName } from "../sweep/stages.js";
import { checkCellFields, JOB_VERSION, JobError } from "./job.js";

/** A world-model stage, as it travels through Redis. */
export interface StageJob {
  version: number;
  kind: "stage";
  /** A dataset id resolved in the worker's cache, or an absolute file path on the shared storage. */
  dataset: string;
  /** `sha256:<hex>` of the dataset the sweep was enqueued with. */
  fingerprint: string;
  seed: number;
  /** The spec's `worldModel` (its `out` unused: a queue's stages live under `--runs-dir`). */
  stage: StageSpec;
}

/** `stage-` and 40 hex digits. */
export const STAGE_ID = /^stage-[0-9a-f]{40}$/;

/** The job id of a stage (see the module comment). */
export function stageJobId(job: StageJob): string {
  const { out: _out, config, ...fields } = job.stage;
  const identity = {
    version: job.version,
    kind: job.kind,
    stage: sortedRecord(resolveConfig(STAGE_FIELDS, fields, "worldModel", false)),
    config: sortedRecord(resolveConfig(WORLD_MODEL_CONFIG, config, "worldModel.config")),
    fingerprint: job.fingerprint,
    seed: job.seed,
  };
  return `stage-${createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 40)}`;
}

function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The stage's name in `--status` and logs: `world-models/<dataset>/seed<k>`, as in a local sweep. */
export function stageJobName(job: Pick<StageJob, "dataset" | "seed">): string {
  return stageName(job.dataset, job.seed);
}

/** The directory of stage `id` (of `dataset` and `seed`) under `runsDir`, checked to stay inside it. */
export function stageDir(runsDir: string, dataset: string, seed: number, id: string): string {
  const root = resolve(runsDir);
  const dir = resolve(join(root, "world-models", datasetName(dataset), `seed${seed}-${id.slice("stage-".length, "stage-".length + 12)}`));
  if (!dir.startsWith(root + sep)) throw new JobError(`job: stage directory ${dir} is not under --runs-dir ${root}`);
  return dir;
}

/** Whether a job's data claims to be a stage (`kind: "stage"`; checked in full by {@link validateStageJob}). */
export function isStageData(data: unknown): boolean {
  return typeof data === "object" && data !== null && (data as { kind?: unknown }).kind === "stage";
}

/** Checks a stage job's data field by field; returns it typed. Throws a {@link JobError} naming the field. */
export function validateStageJob(data: unknown): StageJob {
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new JobError("job data must be an object");
  const d = data as Record<string, unknown>;
  const known = ["version", "kind", "dataset", "fingerprint", "seed", "stage"];
  for (const key of Object.keys(d)) if (!known.includes(key)) throw new JobError(`job: unknown field "${key}"`);
  if (d.version !== JOB_VERSION) throw new JobError(`job: version ${JSON.stringify(d.version)}, this worker runs version ${JOB_VERSION}`);
  if (d.kind !== "stage") throw new JobError(`job.kind: expected "stage", got ${JSON.stringify(d.kind)}`);
  checkCellFields(d);
  let stage: StageSpec;
  try {
    stage = parseStage(d.stage);
  } catch (error) {
    if (error instanceof UserError) throw new JobError(`job.stage: ${error.message}`);
    throw error;
  }
  if (stage.out !== "") throw new JobError(`job.stage.out: a queue's stages live under --runs-dir; got ${JSON.stringify(stage.out)}`);
  for (const [field, value] of Object.entries(stage.config))
    if (!["number", "boolean", "string"].includes(typeof value)) throw new JobError(`job.stage.config.${field}: not a scalar`);
  return { ...(d as unknown as StageJob), stage };
}

/** The `adept wm train` arguments of a validated stage job (after the CLI's entry point), each value one `--flag=value` element. */
export function stageArgs(job: StageJob, dataset: string, dir: string): string[] {
  const flags = stageFlags(job.stage, dataset, job.seed, dir).map(([flag, value]) => (value === undefined ? flag : `${flag}=${value}`));
  // NOTE: `--resume` on a fresh start too: with nothing saved, `wm train --resume` starts fresh.
  return ["wm", "train", ...flags, "--resume"];
}
