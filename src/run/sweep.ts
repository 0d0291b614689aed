/**
 * Sweeps: a grid of offline training runs (dataset × algorithm × seed), run a bounded number
 * at a time as `adept train` worker processes, resumable, with one status view.
 *
 *   spec.json → runs `<out>/<dataset>/<algo>/seed<k>` → for each run, by what is on disk:
 *     summary.json            → done, skipped
 *     latest.safetensors      → resumed (`adept train … --resume`)
 *     otherwise               → started fresh
 *
 * Workers are child processes of the real CLI (not the trainer imported here), so any
 * algorithm `adept train --algo` accepts works in a sweep, and a crash stays in its run.
 * Each worker's stdout and stderr go to `<run>/log.txt`; the sweep's own view of the runs is
 * kept in `<out>/sweep-status.json` so that `adept sweep --status` can show it from another
 * shell. Stopping (SIGINT) sends SIGTERM to the workers, which checkpoint and exit.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveDataset } from "../data/cache.js";
import { threadsPerWorker } from "../tensor/native.js";
import { type ConfigSchema, kebab, resolveConfig } from "../util/config.js";
import { datasetName } from "./report.js";
import { algorithmNames, schemaOf } from "./train.js";

/** A config override value, as in `adept train --<field> <value>`. */
export type OverrideValue = number | boolean | string;

/** A sweep specification (the JSON file), with defaults filled in by {@link parseSweepSpec}. */
export interface SweepSpec {
  /** Root folder of the runs (relative paths: to the working directory). */
  out: string;
  /** Dataset ids (`hopper-random`) or files; a file's run name is its base name. */
  datasets: string[];
  /** Algorithm names (`adept train --algo`). */
  algos: string[];
  /** Seeds; one run per seed. */
  seeds: number[];
  /** Gradient updates per run (paper: 1M). */
  steps: number;
  /** Evaluate every this many updates (CORL: 5000). */
  evalEvery: number;
  /** Episodes per evaluation (CORL: 10). */
  evalEpisodes: number;
  /** Batch size (default: `adept train`'s, 256). */
  batchSize?: number;
  /** Save `latest.safetensors` every this many updates (default: `adept train`'s, 5000). */
  checkpointEvery?: number;
  /** A metrics line every this many updates (default: `adept train`'s, 1000). */
  logEvery?: number;
  /** Config overrides per algorithm; `"*"` applies to every algorithm whose config has the field. */
  overrides: Record<string, Record<string, OverrideValue>>;
  /** Runs at once (default 1; `--jobs` overrides). */
  jobs: number;
}

type FieldKind = "string" | "strings" | "integers" | "posint" | "nonneg" | "overrides";
/** The spec's keys: their kind, whether required, and the default. */
const SPEC_FIELDS: Record<keyof SweepSpec, { kind: FieldKind; required?: boolean; default?: unknown }> = {
  out: { kind: "string", required: true },
  datasets: { kind: "strings", required: true },
  algos: { kind: "strings", required: true },
  seeds: { kind: "integers", required: true },
  steps: { kind: "posint", required: true },
  evalEvery: { kind: "nonneg", default: 5000 },
  evalEpisodes: { kind: "nonneg", default: 10 },
  batchSize: { kind: "posint" },
  checkpointEvery: { kind: "posint" },
  logEvery: { kind: "posint" },
  overrides: { kind: "overrides", default: {} },
  jobs: { kind: "posint", default: 1 },
};

/** The algorithms a sweep may name and their config schemas: by default what `adept train --algo` accepts, read at run time. */
export interface AlgorithmCatalog {
  names: string[];
  schemaOf(algo: string): ConfigSchema;
}

/** `adept train`'s algorithms (the offline agents and the ADEPT variants), as they are now. */
export function trainAlgorithms(): AlgorithmCatalog {
  return { names: algorithmNames(), schemaOf };
}

/** An error in a sweep spec; the message names the field. */
export class SpecError extends Error {
  override name = "SpecError";
}

/**
 * Validates a parsed spec: unknown keys, wrong types, unknown algorithms (checked against
 * `algorithms`, by default the registry at run time) and overrides that no algorithm of the
 * sweep accepts all throw a {@link SpecError} naming the field.
 */
export function parseSweepSpec(raw: unknown, algorithms: AlgorithmCatalog = trainAlgorithms()): SweepSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new SpecError("a sweep spec must be a JSON object");
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input))
    if (!(key in SPEC_FIELDS)) throw new SpecError(`unknown key "${key}" (known: ${Object.keys(SPEC_FIELDS).join(", ")})`);
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(SPEC_FIELDS)) {
    const value = input[key];
    if (value === undefined) {
      if (field.required) throw new SpecError(`missing "${key}"`);
      if (field.default !== undefined) out[key] = field.default;
      continue;
    }
    out[key] = checkKind(key, field.kind, value);
  }
  const spec = out as unknown as SweepSpec;

  for (const algo of spec.algos)
    if (!algorithms.names.includes(algo)) throw new SpecError(`algos: unknown algorithm "${algo}" (known: ${algorithms.names.join(", ")})`);
  const names = new Map<string, string>();
  for (const d of spec.datasets) {
    const name = datasetName(d);
    const other = names.get(name);
    if (other !== undefined) throw new SpecError(`datasets: "${other}" and "${d}" would share the run name "${name}"`);
    names.set(name, d);
  }
  for (const [name, list] of [
    ["algos", spec.algos],
    ["seeds", spec.seeds],
  ] as const)
    if (new Set<unknown>(list).size !== list.length) throw new SpecError(`${name}: duplicate entries`);

  // Overrides: per-algorithm fields must exist in that algorithm's config and parse; "*" fields
  // must exist in at least one of the sweep's algorithms.
  for (const [target, fields] of Object.entries(spec.overrides)) {
    if (target === "*") {
      for (const field of Object.keys(fields))
        if (!spec.algos.some((a) => field in algorithms.schemaOf(a)))
          throw new SpecError(`overrides["*"].${field}: no algorithm of the sweep has this config field`);
      continue;
    }
    if (!spec.algos.includes(target))
      throw new SpecError(`overrides: "${target}" is not one of the sweep's algos (${spec.algos.join(", ")})`);
    try {
      resolveConfig(algorithms.schemaOf(target), fields, `overrides.${target}`);
    } catch (error) {
      throw new SpecError((error as Error).message);
    }
  }
  for (const algo of spec.algos) {
    try {
      resolveConfig(algorithms.schemaOf(algo), overridesFor(spec, algo, algorithms), `overrides["*"] for ${algo}`);
    } catch (error) {
      throw new SpecError((error as Error).message);
    }
  }
  return spec;
}

function checkKind(key: string, kind: FieldKind, value: unknown): unknown {
  const fail = (what: string): never => {
    throw new SpecError(`${key}: expected ${what}, got ${JSON.stringify(value)}`);
  };
  switch (kind) {
    case "string":
      if (typeof value !== "string" || value === "") fail("a non-empty string");
      return value;
    case "strings":
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string" && v !== ""))
        fail("a non-empty array of strings");
      return value;
    case "integers":
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => Number.isInteger(v) && v >= 0))
        fail("a non-empty array of integers ≥ 0");
      return value;
    case "posint":
      if (!(Number.isInteger(value) && (value as number) >= 1)) fail("an integer ≥ 1");
      return value;
    case "nonneg":
      if (!(Number.isInteger(value) && (value as number) >= 0)) fail("an integer ≥ 0");
      return value;
    case "overrides": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) fail('an object {"<algo>" | "*": {field: value}}');
      for (const [target, fields] of Object.entries(value as Record<string, unknown>)) {
        if (typeof fields !== "object" || fields === null || Array.isArray(fields))
          throw new SpecError(`overrides.${target}: expected an object of config fields, got ${JSON.stringify(fields)}`);
        for (const [f, v] of Object.entries(fields as Record<string, unknown>))
          if (!["number", "boolean", "string"].includes(typeof v))
            throw new SpecError(`overrides.${target}.${f}: expected a number, boolean or string, got ${JSON.stringify(v)}`);
      }
      return value;
    }
  }
}

/** Reads and validates a spec file; relative paths in it stay relative to the working directory. */
export function readSweepSpec(path: string, algorithms: AlgorithmCatalog = trainAlgorithms()): SweepSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new SpecError(`${path}: ${(error as Error).message}`);
  }
  try {
    return parseSweepSpec(raw, algorithms);
  } catch (error) {
    throw new SpecError(`${path}: ${(error as Error).message}`);
  }
}

/** The config overrides one algorithm gets: the `"*"` fields its config has, then its own. */
export function overridesFor(
  spec: SweepSpec,
  algo: string,
  algorithms: AlgorithmCatalog = trainAlgorithms(),
): Record<string, OverrideValue> {
  const schema = algorithms.names.includes(algo) ? algorithms.schemaOf(algo) : {};
  const shared = Object.entries(spec.overrides["*"] ?? {}).filter(([field]) => field in schema);
  return { ...Object.fromEntries(shared), ...(spec.overrides[algo] ?? {}) };
}

/** One run of the grid. */
export interface SweepRun {
  /** `<dataset>/<algo>/seed<k>`. */
  name: string;
  dataset: string;
  algo: string;
  seed: number;
  /** The run directory. */
  dir: string;
  /** `adept train` arguments (without `--resume`). */
  trainArgs: string[];
}

/**
 * The runs of a spec, seed-major (every dataset × algo for seed 0, then seed 1, …) so that a
 * sweep cut short still covers the whole table with its first seeds.
 */
export function sweepRuns(spec: SweepSpec, algorithms: AlgorithmCatalog = trainAlgorithms()): SweepRun[] {
  const runs: SweepRun[] = [];
  for (const seed of spec.seeds)
    for (const dataset of spec.datasets)
      for (const algo of spec.algos) {
        const name = `${datasetName(dataset)}/${algo}/seed${seed}`;
        const dir = join(spec.out, name);
        // A dataset given as an existing file is passed by absolute path; ids resolve in the worker.
        const data = existsSync(dataset) ? resolve(dataset) : dataset;
        const args = ["--algo", algo, "--dataset", data, "--seed", String(seed), "--steps", String(spec.steps), "--out", dir];
        args.push("--eval-every", String(spec.evalEvery), "--eval-episodes", String(spec.evalEpisodes));
        if (spec.batchSize !== undefined) args.push("--batch-size", String(spec.batchSize));
        if (spec.checkpointEvery !== undefined) args.push("--checkpoint-every", String(spec.checkpointEvery));
        if (spec.logEvery !== undefined) args.push("--log-every", String(spec.logEvery));
        for (const [field, value] of Object.entries(overridesFor(spec, algo, algorithms))) args.push(`--${kebab(field)}`, String(value));
        runs.push({ name, dataset, algo, seed, dir, trainArgs: args });
      }
  return runs;
}

/** Where a run stands. `stopped`: it has a checkpoint but no summary (it will be resumed). */
export type RunState = "done" | "running" | "pending" | "stopped" | "failed";

/** A row of the status view. */
export interface RunStatus {
  name: string;
  state: RunState;
  /** The last step logged (metrics.jsonl) or finished (summary.json). */
  step: number;
  steps: number;
  /** Last and best D4RL normalized evaluation score. */
  last?: number;
  best?: number;
  /** Wall seconds (finished runs: the last session's; running: since the worker started). */
  seconds?: number;
  /** Why a run failed (exit code or signal). */
  note?: string;
}

interface StatusFile {
  pid: number;
  updated: string;
  runs: Record<string, { state: RunState; note?: string; started?: number }>;
}

/** The status file of a sweep. */
export function statusPath(spec: SweepSpec): string {
  return join(spec.out, "sweep-status.json");
}

/** What the run directory says: done (summary), stopped (checkpoint) or pending, with its step and scores. */
export function inspectRun(run: SweepRun, steps: number): RunStatus {
  const status: RunStatus = { name: run.name, state: "pending", step: 0, steps };
  const summaryFile = join(run.dir, "summary.json");
  if (existsSync(summaryFile)) {
    try {
      const s = JSON.parse(readFileSync(summaryFile, "utf8")) as {
        steps: number;
        wallSeconds?: number;
        last?: { normalized: { mean: number } };
        best?: { normalized: { mean: number } };
      };
      return {
        ...status,
        state: "done",
        step: s.steps,
        last: s.last?.normalized.mean,
        best: s.best?.normalized.mean,
        seconds: s.wallSeconds,
      };
    } catch {
      // A summary being written: fall through to the metrics.
    }
  }
  if (existsSync(join(run.dir, "latest.safetensors"))) status.state = "stopped";
  const metricsFile = join(run.dir, "metrics.jsonl");
  if (existsSync(metricsFile)) {
    for (const line of readFileSync(metricsFile, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      let record: Record<string, number>;
      try {
        record = JSON.parse(line) as Record<string, number>;
      } catch {
        continue; // a line being written
      }
      if (typeof record.step === "number") status.step = Math.max(status.step, record.step);
      const score = record["eval/normalized_mean"];
      if (typeof score === "number") {
        status.last = score;
        status.best = status.best === undefined ? score : Math.max(status.best, score);
      }
    }
  }
  return status;
}

/**
 * The status of every run of a sweep, from the run directories and, for runs a live sweep
 * process is working on or saw fail, from its status file.
 */
export function sweepStatus(spec: SweepSpec, runs: SweepRun[] = sweepRuns(spec)): RunStatus[] {
  const file = readStatusFile(spec);
  const live = file !== undefined && processAlive(file.pid);
  return runs.map((run) => {
    const status = inspectRun(run, spec.steps);
    const recorded = file?.runs[run.name];
    if (status.state === "done" || !recorded) return status;
    if (recorded.state === "running" && live) {
      status.state = "running";
      if (recorded.started !== undefined) status.seconds = (Date.now() - recorded.started) / 1000;
    } else if (recorded.state === "failed") {
      status.state = "failed";
      status.note = recorded.note;
    }
    return status;
  });
}

function readStatusFile(spec: SweepSpec): StatusFile | undefined {
  try {
    return JSON.parse(readFileSync(statusPath(spec), "utf8")) as StatusFile;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The status view: one row per run and a count per state. */
export function formatStatus(rows: RunStatus[]): string {
  const score = (v?: number): string => (v === undefined ? "–" : v.toFixed(1));
  const time = (s?: number): string =>
    s === undefined ? "" : s < 120 ? `${s.toFixed(0)}s` : s < 7200 ? `${(s / 60).toFixed(0)}m` : `${(s / 3600).toFixed(1)}h`;
  const table = [
    ["run", "state", "step", "last", "best", "time", ""],
    ...rows.map((r) => [r.name, r.state, `${r.step}/${r.steps}`, score(r.last), score(r.best), time(r.seconds), r.note ?? ""]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const lines = table.map((row) =>
    row
      .map((cell, c) => (c >= 2 && c <= 5 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
  const counts = (["done", "running", "stopped", "pending", "failed"] as const)
    .map((s) => [s, rows.filter((r) => r.state === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return `${lines.join("\n")}\n${rows.length} runs: ${counts.join(", ")}\n`;
}

/** Where the sweep writes its view: a stream (a terminal gets a table redrawn in place). */
export interface StatusStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface SweepOptions {
  /** Runs at once (default: the spec's `jobs`). */
  jobs?: number;
  /** The `adept` CLI entry point the workers run (default: this package's dist/src/cli/main.js). */
  cli?: string;
  /** Where the status view goes (default: stderr). */
  stream?: StatusStream;
  /** A terminal's table is redrawn this often; off a terminal, a full table is printed this often (ms). */
  refreshMs?: number;
  /** Extra environment of the workers. */
  env?: NodeJS.ProcessEnv;
  /** After {@link Sweep.stop}, workers still running this long later are killed (default 30 s). */
  stopGraceMs?: number;
}

/** What a sweep ended with. */
export interface SweepResult {
  rows: RunStatus[];
  /** Runs that finished in this invocation, skipped (done before), failed. */
  finished: string[];
  skipped: string[];
  failed: string[];
  /** True when the sweep was stopped before every run finished. */
  stopped: boolean;
}

/** The CLI entry point next to this module in the build (dist/src/cli/main.js). */
export function defaultCli(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "cli", "main.js");
}

/** Training artifacts a fresh start removes (left by an attempt that failed before its first checkpoint). */
const STALE = ["config.json", "metrics.jsonl", "metrics.jsonl.tmp", "best.safetensors"];

/**
 * A sweep in progress: {@link Sweep.run} runs the grid; {@link Sweep.stop} asks the workers
 * to checkpoint and exit (SIGTERM); {@link Sweep.kill} ends them at once (SIGKILL).
 */
export class Sweep {
  readonly runs: SweepRun[];
  private readonly workers = new Map<string, { child: ChildProcess; started: number }>();
  private readonly recorded: StatusFile["runs"] = {};
  private stopping = false;
  private readonly stream: StatusStream;
  private drawnLines = 0;

  constructor(
    readonly spec: SweepSpec,
    private readonly options: SweepOptions = {},
  ) {
    this.runs = sweepRuns(spec);
    this.stream = options.stream ?? process.stderr;
  }

  /** Runs every run not done yet, at most `jobs` at once; resolves when all ended or the sweep was stopped. */
  async run(): Promise<SweepResult> {
    const jobs = this.options.jobs ?? this.spec.jobs;
    const cli = this.options.cli ?? defaultCli();
    if (!existsSync(cli)) throw new Error(`the adept CLI was not found at ${cli} (build with \`npx tsc -p .\`)`);
    // Datasets must exist before any worker starts: one clear error instead of N failed runs.
    for (const d of this.spec.datasets) resolveDataset(d);
    mkdirSync(this.spec.out, { recursive: true });
    const other = readStatusFile(this.spec);
    if (other && other.pid !== process.pid && processAlive(other.pid))
      throw new Error(
        `another sweep (pid ${other.pid}) is running ${this.spec.out}: see \`adept sweep --status\` (if that process is not a sweep, delete ${statusPath(this.spec)})`,
      );

    const initial = sweepStatus(this.spec, this.runs);
    const skipped = initial.filter((r) => r.state === "done").map((r) => r.name);
    const queue = this.runs.filter((_, i) => initial[i]!.state !== "done");
    const finished: string[] = [];
    const failed: string[] = [];
    this.writeStatusFile();
    this.print(`sweep ${this.spec.out}: ${this.runs.length} runs, ${skipped.length} done, ${queue.length} to run, ${jobs} at a time\n`);
    this.drawTable(true);

    const refresh = setInterval(() => this.drawTable(false), this.options.refreshMs ?? (this.stream.isTTY ? 2000 : 300_000));
    try {
      await new Promise<void>((done) => {
        const next = (): void => {
          while (!this.stopping && this.workers.size < jobs && queue.length > 0) this.start(queue.shift()!, cli, onExit);
          if (this.workers.size === 0 && (this.stopping || queue.length === 0)) done();
        };
        const onExit = (run: SweepRun, outcome: "done" | "stopped" | "failed", note?: string): void => {
          if (outcome === "done") finished.push(run.name);
          if (outcome === "failed") failed.push(run.name);
          this.event(`${outcome === "done" ? "finished" : outcome} ${run.name}${note ? ` (${note})` : ""}`);
          next();
        };
        next();
      });
    } finally {
      clearInterval(refresh);
    }
    const rows = sweepStatus(this.spec, this.runs);
    this.writeStatusFile();
    this.drawnLines = 0;
    this.print(formatStatus(rows));
    return { rows, finished, skipped, failed, stopped: this.stopping && rows.some((r) => r.state !== "done") };
  }

  /** Asks every worker to checkpoint and exit (SIGTERM), and starts no more runs. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.event(`stopping: ${this.workers.size} worker(s) checkpoint and exit`);
    for (const { child } of this.workers.values()) child.kill("SIGTERM");
    // A worker that does not exit in time (busy in a long synchronous stretch, or hung) is
    // killed; its run resumes from its last checkpoint.
    const grace = this.options.stopGraceMs ?? 30_000;
    setTimeout(() => {
      for (const [name, { child }] of this.workers) {
        const run = this.runs.find((r) => r.name === name)!;
        appendFileSync(
          join(run.dir, "log.txt"),
          `# adept sweep: still running ${grace / 1000}s after SIGTERM; killed (the run resumes from its last checkpoint)\n`,
        );
        child.kill("SIGKILL");
      }
    }, grace).unref();
  }

  /** Ends every worker at once (SIGKILL); their runs resume from the last checkpoint. */
  kill(): void {
    this.stopping = true;
    for (const { child } of this.workers.values()) child.kill("SIGKILL");
  }

  private start(run: SweepRun, cli: string, onExit: (run: SweepRun, outcome: "done" | "stopped" | "failed", note?: string) => void): void {
    mkdirSync(run.dir, { recursive: true });
    const resuming = existsSync(join(run.dir, "latest.safetensors"));
    if (!resuming) for (const f of STALE) rmSync(join(run.dir, f), { force: true });
    // NOTE: `--resume` on a fresh start too: `adept train` refuses a non-empty directory
    // without it, and log.txt is already there; with no checkpoint, --resume starts fresh.
    const args = [cli, "train", ...run.trainArgs, "--resume", "--no-progress"];
    const log = openSync(join(run.dir, "log.txt"), "a");
    writeSync(
      log,
      `# adept sweep ${new Date().toISOString()}: ${resuming ? "resume from latest.safetensors" : "fresh start"}\n# ${["adept", ...args.slice(1)].join(" ")}\n`,
    );
    const env = { ADEPT_THREADS: String(threadsPerWorker(this.options.jobs ?? this.spec.jobs)), ...process.env, ...this.options.env };
    const child = spawn(process.execPath, args, { stdio: ["ignore", log, log], env });
    closeSync(log);
    const started = Date.now();
    this.workers.set(run.name, { child, started });
    this.recorded[run.name] = { state: "running", started };
    this.writeStatusFile();
    this.event(`started ${run.name} (${resuming ? "resume" : "fresh"})`);
    let ended = false;
    const end = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      if (ended) return;
      ended = true;
      this.workers.delete(run.name);
      const done = existsSync(join(run.dir, "summary.json"));
      let outcome: "done" | "stopped" | "failed";
      let note: string | undefined;
      if (done && code === 0) outcome = "done";
      else if (this.stopping) outcome = "stopped";
      else {
        outcome = "failed";
        note = `${error ? error.message : signal ? `signal ${signal}` : code === 0 ? "exited without a summary" : `exit ${code}`}, see log.txt`;
      }
      if (outcome === "failed") this.recorded[run.name] = { state: "failed", note };
      else delete this.recorded[run.name];
      this.writeStatusFile();
      onExit(run, outcome, note);
    };
    child.on("error", (error) => end(null, null, error));
    child.on("exit", (code, signal) => end(code, signal));
  }

  private writeStatusFile(): void {
    const file: StatusFile = { pid: process.pid, updated: new Date().toISOString(), runs: this.recorded };
    const path = statusPath(this.spec);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  }

  /** One line about a run; on a terminal the table is redrawn below it. */
  private event(line: string): void {
    const stamp = new Date().toISOString().slice(11, 19);
    this.clearTable();
    this.print(`[${stamp}] ${line}\n`);
    if (this.stream.isTTY) this.drawTable(true);
  }

  private drawTable(force: boolean): void {
    if (!this.stream.isTTY && !force) {
      this.print(formatStatus(sweepStatus(this.spec, this.runs)));
      return;
    }
    this.clearTable();
    const text = formatStatus(sweepStatus(this.spec, this.runs));
    this.print(text);
    if (this.stream.isTTY) this.drawnLines = text.split("\n").length - 1;
  }

  private clearTable(): void {
    // Cursor up over the last table, then clear to the end of the screen.
    if (this.stream.isTTY && this.drawnLines > 0) this.stream.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }

  private print(text: string): void {
    this.stream.write(text);
  }
}
