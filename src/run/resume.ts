/**
 * What a resume may and may not change. A run directory's config.json records the settings
 * the run was started with; `--resume` continues that run, so a command that says otherwise
 * about anything that shapes the run (seed, data, algorithm, its config, batch size,
 * evaluation schedule, reward scaling, environment, variant name) is refused with the field named, instead
 * of silently training something config.json does not describe. The settings in
 * {@link CHANGEABLE_ON_RESUME} only decide how long the run goes on or how it is recorded.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { BackendRecord } from "../tensor/backend.js";
import type { CodeRecord } from "../util/code-version.js";
import { type ConfigSchema, kebab, resolveConfig } from "../util/config.js";
import { UserError } from "../util/errors.js";
import type { WorldModelRecord } from "./world-model-file.js";

/** A run's config.json. */
export interface RunConfig {
  algo: string;
  /** The name of this configuration of `algo` (a sweep's variant), when given. */
  variant?: string;
  /** The dataset as given (file or id). */
  dataset: string;
  datasetPath: string;
  /** SHA-256 of the dataset file (absent in runs written before it was recorded). */
  datasetSha256?: string;
  task?: string;
  seed: number;
  steps: number;
  batchSize: number;
  evalEvery: number;
  evalEpisodes: number;
  checkpointEvery?: number;
  logEvery?: number;
  opeEvery?: number;
  opeSteps?: number;
  rewardScaling: string;
  rewardScale: number;
  /** The pretrained world model the run started from (`--world-model`); a resume restores its own copy. */
  worldModel?: WorldModelRecord;
  config: Record<string, unknown>;
  /** The kernels the run started on (absent in runs written before it was recorded). */
  backend?: BackendRecord;
  /** The code the run started with (src/util/code-version.ts; absent in runs written before it was recorded). */
  code?: CodeRecord;
  /** Each resume's step, kernels and code, in order: a resumed run may continue on another machine, backend or commit. */
  resumedOn?: { step: number; backend: BackendRecord; code?: CodeRecord }[];
}

/** Run settings a resume may change, with their flags (documented in docs/training.md). */
export const CHANGEABLE_ON_RESUME = {
  steps: "--steps (extend or shorten the run; schedules keep the config they were resolved with)",
  checkpointEvery: "--checkpoint-every",
  logEvery: "--log-every",
  progress: "--no-progress",
  log: "--log (which logs besides metrics.jsonl)",
  opeEvery: "--ope-every, --ope-steps (offline estimates without a simulator; they do not touch training)",
} as const;

/** Run settings a resume compares with config.json; a difference is refused. */
const FIXED = ["seed", "batchSize", "evalEvery", "evalEpisodes", "rewardScaling"] as const;

/** The settings of a resuming command, and which of them the user gave explicitly. */
export interface ResumeRequest {
  algo: string;
  /** SHA-256 of the dataset file the command names. */
  datasetSha256: string;
  datasetPath: string;
  /** The task the command resolves (its `--env`), when it gives one. */
  task?: string;
  /** The `--variant` the command gives, when it gives one. */
  variant?: string;
  seed: number;
  batchSize: number;
  evalEvery: number;
  evalEpisodes: number;
  rewardScaling: string;
  /** Config overrides as given (strings from the CLI). */
  config: Record<string, unknown>;
  /** The option names the command set explicitly; only those are compared. */
  explicit: ReadonlySet<string>;
}

/**
 * Throws a {@link UserError} naming the first setting of `request` that differs from the
 * run's `saved` config. `schemaOf` gives the config schema of the (saved) algorithm.
 */
export function checkResume(dir: string, saved: RunConfig, request: ResumeRequest, schemaOf: (algo: string) => ConfigSchema): void {
  const refuse = (flag: string, now: unknown, was: unknown): never => {
    throw new UserError(
      `--resume: ${flag} ${JSON.stringify(now)} differs from the run's ${JSON.stringify(was)} (${dir}/config.json); a resumed run keeps its settings — start a new run (another --out) to change it. A resume may change: ${Object.values(CHANGEABLE_ON_RESUME).join(", ")}`,
    );
  };
  if (request.algo !== saved.algo)
    throw new UserError(
      `--resume: ${dir} holds a run of --algo ${saved.algo}; --algo ${request.algo} cannot continue it (pass --algo ${saved.algo})`,
    );
  if (saved.datasetSha256 !== undefined && request.datasetSha256 !== saved.datasetSha256)
    throw new UserError(
      `--resume: --dataset ${request.datasetPath} is not the data the run was started on (${saved.datasetPath}; its SHA-256 differs) — start a new run (another --out) to train on other data`,
    );
  for (const field of FIXED)
    if (request.explicit.has(field) && request[field] !== saved[field]) refuse(`--${kebab(field)}`, request[field], saved[field]);
  if (request.explicit.has("env") && request.task !== undefined && saved.task !== undefined && request.task !== saved.task)
    refuse("--env", request.task, saved.task);
  if (request.variant !== undefined && request.variant !== saved.variant) refuse("--variant", request.variant, saved.variant);
  const given = Object.fromEntries(Object.entries(request.config).filter(([, v]) => v !== undefined));
  if (Object.keys(given).length === 0) return;
  const resolved = resolveConfig(schemaOf(saved.algo), given, saved.algo) as Record<string, unknown>;
  for (const field of Object.keys(given))
    if (resolved[field] !== saved.config[field]) refuse(`--${kebab(field)}`, resolved[field], saved.config[field]);
}

/** SHA-256 of a file, streamed (datasets can be larger than one wants in memory twice). */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
