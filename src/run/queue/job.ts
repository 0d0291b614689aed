/**
 * A queued run: the job's data, its id, and how a worker turns it into an `adept train`
 * command.
 *
 * A job is data, never code or a command line: a worker validates every field (the dataset
 * an id or a plain absolute path, the algorithm a known name, the run options and config
 * overrides by their schemas, the sweep a plain folder name), derives the run's name and
 * directory itself (contained under its `--runs-dir`), and builds the argument list from
 * the validated values, passed to `spawn` without a shell. A job that fails validation is
 * failed before anything runs.
 *
 * The job id is a hash of what determines the run's result and where it goes: the sweep,
 * the run name, the algorithm and its resolved config, the run options, the dataset's
 * content fingerprint and the seed. Enqueuing the same spec twice adds nothing (BullMQ
 * ignores a job whose id exists); changing any of these is a new job.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { isAbsolute, join, normalize, resolve, sep } from "node:path";
import { datasetId, datasetName } from "../../data/cache.js";
import { datasetSha256 } from "../../data/fingerprint.js";
import { loadDataset } from "../../data/load.js";
import { ConfigError, kebab, resolveConfig, type Scalar } from "../../util/config.js";
import { UserError } from "../../util/errors.js";
import { type OverrideValue, SWEEP_RUN_OPTIONS } from "../sweep/spec.js";
import { algorithmNames, schemaOf } from "../train.js";
import { worldModelKindOf } from "../world-model-file.js";

/** The one queue every adept sweep and worker on a Redis share. */
export const QUEUE_NAME = "adept-runs";

/** The version of {@link RunJob}'s shape: a worker refuses jobs of another. */
export const JOB_VERSION = 1;

/** A run, as it travels through Redis. */
export interface RunJob {
  version: number;
  /** The sweep's folder under a worker's `--runs-dir` (the base name of the spec's `out`). */
  sweep: string;
  algo: string;
  /** The spec's name for this configuration of `algo` (its `variants`), passed as `--variant`; the run is named by it. */
  variant?: string;
  /** A dataset id (`hopper-random`) resolved in the worker's cache, or an absolute file path on the shared storage. */
  dataset: string;
  /** `sha256:<hex>` of the dataset file the sweep was enqueued with; a worker checks its copy against it. */
  fingerprint: string;
  seed: number;
  /** The run options of the spec (src/run/options.ts fields but the seed). */
  options: Record<string, Scalar>;
  /** The algorithm config overrides the run gets. */
  overrides: Record<string, OverrideValue>;
  /** The id of the world-model stage the run starts from (stage.ts), for the ADEPT variants and mopo of a spec with one. */
  needs?: string;
}

/** A job that fails validation: it is failed without running anything. */
export class JobError extends UserError {
  override name = "JobError";
}

/** A sweep folder name: letters, digits, `.`, `_`, `-`, not starting with `.`. */
export const SWEEP_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
/** What an absolute dataset path may hold: no shell metacharacters, quotes or control characters. */
const SAFE_PATH = /^[A-Za-z0-9._\-+@=,/ ]+$/;

/** Fingerprints already taken in this process, by path, size and modification time. */
const fingerprints = new Map<string, string>();

/**
 * `sha256:<hex>` of a dataset's arrays (data/fingerprint.ts: the one identity of a dataset's
 * contents, the same whatever the file's layout), remembered while the file is unchanged.
 */
export async function fileFingerprint(path: string): Promise<string> {
  const { size, mtimeMs } = statSync(path);
  const key = `${resolve(path)}\0${size}\0${mtimeMs}`;
  let fingerprint = fingerprints.get(key);
  if (fingerprint === undefined) {
    fingerprint = `sha256:${datasetSha256(await loadDataset(path))}`;
    fingerprints.set(key, fingerprint);
  }
  return fingerprint;
}

/** The run name a job stands for: `<dataset>/<algo>/seed<k>`, as in a local sweep. */
export function runName(job: Pick<RunJob, "dataset" | "algo" | "seed" | "variant">): string {
  return `${datasetName(job.dataset)}/${job.variant ?? job.algo}/seed${job.seed}`;
}

/** The job id (see the module comment): `run-` and 40 hex digits. */
export function jobId(job: RunJob): string {
  const config = resolveConfig(schemaOf(job.algo), job.overrides, job.algo);
  const identity = {
    version: job.version,
    sweep: job.sweep,
    run: runName(job),
    algo: job.algo,
    variant: job.variant ?? null,
    config: sorted(config),
    options: sorted(job.options),
    fingerprint: job.fingerprint,
    seed: job.seed,
    ...(job.needs !== undefined ? { needs: job.needs } : {}), // the models it starts from (absent: ids as before stages)
  };
  return `run-${createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 40)}`;
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The fields a run job and a stage job share: which data (id or plain path, with its content hash) and which seed. */
export function checkCellFields(d: Record<string, unknown>): void {
  if (typeof d.dataset !== "string" || !validDataset(d.dataset))
    throw new JobError(`job.dataset: neither a dataset id (hopper-random) nor a plain absolute file path: ${JSON.stringify(d.dataset)}`);
  if (typeof d.fingerprint !== "string" || !/^sha256:[0-9a-f]{64}$/.test(d.fingerprint))
    throw new JobError(`job.fingerprint: expected sha256:<64 hex digits>, got ${JSON.stringify(d.fingerprint)}`);
  if (typeof d.seed !== "number" || !Number.isSafeInteger(d.seed) || d.seed < 0)
    throw new JobError(`job.seed: expected an integer ≥ 0, got ${JSON.stringify(d.seed)}`);
}

/**
 * Checks a job's data field by field (see the module comment); returns it typed. Throws a
 * {@link JobError} naming the field.
 */
export function validateJob(data: unknown): RunJob {
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new JobError("job data must be an object");
  const d = data as Record<string, unknown>;
  const known = ["version", "sweep", "algo", "variant", "dataset", "fingerprint", "seed", "options", "overrides", "needs"];
  for (const key of Object.keys(d)) if (!known.includes(key)) throw new JobError(`job: unknown field "${key}"`);
  if (d.version !== JOB_VERSION) throw new JobError(`job: version ${JSON.stringify(d.version)}, this worker runs version ${JOB_VERSION}`);
  if (typeof d.sweep !== "string" || !SWEEP_NAME.test(d.sweep))
    throw new JobError(`job.sweep: not a plain folder name: ${JSON.stringify(d.sweep)}`);
  if (typeof d.algo !== "string" || !algorithmNames().includes(d.algo))
    throw new JobError(`job.algo: unknown algorithm ${JSON.stringify(d.algo)} (known: ${algorithmNames().join(", ")})`);
  if (d.variant !== undefined && (typeof d.variant !== "string" || !SWEEP_NAME.test(d.variant) || algorithmNames().includes(d.variant)))
    throw new JobError(`job.variant: not a plain name (and not an algorithm's): ${JSON.stringify(d.variant)}`);
  checkCellFields(d);
  if (d.needs !== undefined && (typeof d.needs !== "string" || !/^stage-[0-9a-f]{40}$/.test(d.needs)))
    throw new JobError(`job.needs: expected a stage job id (stage-<40 hex digits>), got ${JSON.stringify(d.needs)}`);
  if (d.needs !== undefined && worldModelKindOf(d.algo) === null) throw new JobError(`job.needs: ${d.algo} starts from no world model`);
  const options = asRecord(d.options, "job.options");
  const overrides = asRecord(d.overrides, "job.overrides");
  let resolved: Record<string, Scalar>;
  try {
    resolved = resolveConfig(SWEEP_RUN_OPTIONS, options, "job.options", false);
    resolveConfig(schemaOf(d.algo), overrides, "job.overrides", true);
  } catch (error) {
    if (error instanceof ConfigError) throw new JobError(error.message);
    throw error;
  }
  for (const [field, value] of Object.entries(overrides))
    if (!["number", "boolean", "string"].includes(typeof value)) throw new JobError(`job.overrides.${field}: not a scalar`);
  return { ...(d as unknown as RunJob), options: resolved };
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new JobError(`${where}: expected an object`);
  return value as Record<string, unknown>;
}

/** A dataset id, or an absolute, normalized path (no `..`) of safe characters (a file, or a Minari dataset folder). */
export function validDataset(dataset: string): boolean {
  if (datasetId(dataset) !== null) return true;
  return isAbsolute(dataset) && normalize(dataset) === dataset && SAFE_PATH.test(dataset) && !dataset.split("/").includes("..");
}

/** The run directory of a job under `runsDir`, checked to stay inside it. */
export function runDir(runsDir: string, job: RunJob): string {
  const root = resolve(runsDir);
  const dir = resolve(join(root, job.sweep, runName(job)));
  if (!dir.startsWith(root + sep)) throw new JobError(`job: run directory ${dir} is not under --runs-dir ${root}`);
  return dir;
}

/**
 * The `adept train` arguments of a validated job (after the CLI's entry point), each value
 * one `--flag=value` element; `worldModel` is its stage's directory when it has one.
 */
export function trainArgs(job: RunJob, dataset: string, dir: string, worldModel?: string): string[] {
  const args = ["train", `--algo=${job.algo}`, `--dataset=${dataset}`, `--seed=${job.seed}`, `--out=${dir}`];
  for (const field of Object.keys(SWEEP_RUN_OPTIONS)) args.push(`--${kebab(field)}=${job.options[field]}`);
  for (const [field, value] of Object.entries(job.overrides)) args.push(`--${kebab(field)}=${value}`);
  if (worldModel !== undefined) args.push(`--world-model=${worldModel}`);
  if (job.variant !== undefined) args.push(`--variant=${job.variant}`);
  // NOTE: `--resume` on a fresh start too, as a local sweep does: with no checkpoint it starts fresh.
  return [...args, "--resume", "--no-progress"];
}
