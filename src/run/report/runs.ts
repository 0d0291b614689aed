/**
 * Run directories, read: every folder with a config.json under the roots given, with its
 * config, summary.json (when finished) and metrics.jsonl.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { datasetName } from "../../data/cache.js";
import { type CodeRecord, codeLabel } from "../../util/code-version.js";
import { UserError } from "../../util/errors.js";
import { decodeMetricsLine } from "../../util/metrics.js";

/** One evaluation of a run: its step and D4RL normalized score over the episodes. */
export interface Evaluation {
  step: number;
  normalized: { mean: number; std: number };
}

/** One run directory, read. */
export interface RunRecord {
  dir: string;
  algo: string;
  /** Row label: `hopper-random` (a dataset id, or a file's base name). */
  dataset: string;
  task: string;
  /** Dataset kind: `random`, `medium`, `medium-replay`, … (the label without the task). */
  kind: string;
  seed: number;
  /** The run's step budget (config.json). */
  steps: number;
  evalEvery?: number;
  evalEpisodes?: number;
  /** The kernels it ran on, short ("openblas 2T", "onednn/bf16 1T"; "a → b" when a resume changed them); absent in older runs. */
  kernels?: string;
  /** The code it ran, short ("0.1.0 at 2ebbafc"; "a → b" when a resume changed it); absent in older runs. */
  code?: string;
  /** Present when the run finished. */
  summary?: {
    steps: number;
    last?: Evaluation;
    best?: Evaluation;
    /** The last offline estimate of a run without a simulator (`--ope-every`). */
    ope?: { step: number; fqe: number; low: number; high: number; actionRmse: number };
    wallSeconds?: number;
    /** wallSeconds counts from this step (the run resumed from a checkpoint that kept no time). */
    wallSecondsFrom?: number;
    updatesPerSecond?: number;
  };
  metrics: Array<Record<string, number>>;
}

/** Every run directory (a folder with config.json) under `roots`, sorted by path. */
export function findRuns(roots: string[]): RunRecord[] {
  const dirs: string[] = [];
  const walk = (dir: string): void => {
    if (existsSync(join(dir, "config.json"))) {
      dirs.push(dir);
      return;
    }
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules") walk(join(dir, entry.name));
  };
  for (const root of roots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new UserError(`no such directory: ${root}`);
    walk(root);
  }
  return [...new Set(dirs)].sort().map(readRun);
}

/** Reads one run directory. */
export function readRun(dir: string): RunRecord {
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as {
    algo: string;
    variant?: string;
    dataset: string;
    task?: string;
    seed: number;
    steps: number;
    evalEvery?: number;
    evalEpisodes?: number;
    backend?: { kernels: string; threads: number };
    resumedOn?: { backend: { kernels: string; threads: number }; code?: CodeRecord }[];
    code?: CodeRecord;
  };
  const dataset = datasetName(config.dataset);
  const task = config.task ?? dataset.split("-")[0]!;
  const kind = dataset.startsWith(`${task}-`) ? dataset.slice(task.length + 1) : dataset;
  const summaryFile = join(dir, "summary.json");
  const written = existsSync(summaryFile)
    ? (JSON.parse(readFileSync(summaryFile, "utf8")) as RunRecord["summary"] & { status?: string })
    : undefined;
  // Only a finished run counts (a stopped or diverged one also writes summary.json, with its status).
  const summary = written && (written.status ?? "finished") === "finished" ? written : undefined;
  const metricsFile = join(dir, "metrics.jsonl");
  const metrics = existsSync(metricsFile)
    ? readFileSync(metricsFile, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map(decodeMetricsLine)
    : [];
  return {
    dir,
    algo: config.variant ?? config.algo, // a sweep's named variant is a column of its own
    dataset,
    task,
    kind,
    seed: config.seed,
    steps: config.steps,
    evalEvery: config.evalEvery,
    evalEpisodes: config.evalEpisodes,
    ...(config.backend ? { kernels: kernelsLabel(config.backend, config.resumedOn ?? []) } : {}),
    ...codeHistory(config.code, config.resumedOn ?? []),
    summary,
    metrics,
  };
}

/** "openblas 2T", and every other set of kernels a resume continued on: "openblas 2T → portable-avx512 1T". */
function kernelsLabel(start: { kernels: string; threads: number }, resumes: { backend: { kernels: string; threads: number } }[]): string {
  return changesLabel([start, ...resumes.map((r) => r.backend)].map((b) => `${b.kernels.replace(/^native\//, "")} ${b.threads}T`));
}

/**
 * `{ code: "0.1.0 at 2ebbafc" }`, with every other code a resume continued with ("a → b"; "?" for
 * a part by an adept that recorded none), or nothing when no part of the run recorded its code.
 */
function codeHistory(start: CodeRecord | undefined, resumes: { code?: CodeRecord }[]): { code?: string } {
  const parts = [start, ...resumes.map((r) => r.code)];
  if (parts.every((c) => c === undefined)) return {};
  return { code: changesLabel(parts.map((c) => (c ? codeLabel(c) : "?"))) };
}

/** Labels in order, each kept only where it differs from the one before: "a → b". */
function changesLabel(labels: string[]): string {
  return labels.filter((l, i) => i === 0 || l !== labels[i - 1]).join(" → ");
}
