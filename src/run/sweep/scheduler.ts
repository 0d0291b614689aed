/**
 * Running a sweep: the runs not done yet, a bounded number at a time, as `adept train`
 * worker processes, resumable:
 *
 *   summary.json            → done, skipped
 *   latest.safetensors      → resumed (`adept train … --resume`)
 *   otherwise               → started fresh
 *
 * Workers are child processes of the real CLI (not the trainer imported here), so any
 * algorithm `adept train --algo` accepts works in a sweep, and a crash stays in its run.
 * Each worker's stdout and stderr go to `<run>/log.txt`. Stopping (SIGINT) sends SIGTERM to
 * the workers, which checkpoint and exit.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveDataset } from "../../data/cache.js";
import { threadsPerWorker } from "../../tensor/native.js";
import { UserError } from "../../util/errors.js";
import { describeOwner, lockHolder } from "../lock.js";
import { PARENT_ENV } from "../parent-watch.js";
import { type SweepRun, type SweepSpec, sweepRuns } from "./spec.js";
import {
  formatStatus,
  inspectAny,
  processAlive,
  type RunStatus,
  readStatusFile,
  type StatusFile,
  statusPath,
  sweepStatus,
  writeStatusFile,
} from "./status.js";

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
  /** Runs not started because another process holds their run directory (see run/lock.ts), with the holder. */
  locked: string[];
  /** True when the sweep was stopped before every run finished. */
  stopped: boolean;
}

/** The CLI entry point next to this module in the build (dist/src/cli/main.js). */
export function defaultCli(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "cli", "main.js");
}

/** Training artifacts a fresh start removes (left by an attempt that failed before its first checkpoint). */
export const STALE = ["config.json", "metrics.jsonl", "metrics.jsonl.tmp", "best.safetensors"];

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
    if (!existsSync(cli)) throw new UserError(`the adept CLI was not found at ${cli} (build with \`npx tsc -p .\`)`);
    // Datasets must exist before any worker starts: one clear error instead of N failed runs.
    for (const d of this.spec.datasets) resolveDataset(d);
    mkdirSync(this.spec.out, { recursive: true });
    const other = readStatusFile(this.spec);
    if (other && other.pid !== process.pid && processAlive(other.pid))
      throw new UserError(
        `another sweep (pid ${other.pid}) is running ${this.spec.out}: see \`adept sweep --status\` (if that process is not a sweep, delete ${statusPath(this.spec)})`,
      );

    const initial = sweepStatus(this.spec, this.runs);
    const skipped = initial.filter((r) => r.state === "done").map((r) => r.name);
    // A run directory another process writes (a worker of an earlier sweep, a hand-started
    // trainer) is left alone: starting a second writer there would interleave their files.
    const locked: string[] = [];
    const queue = this.runs.filter((run, i) => {
      if (initial[i]!.state === "done") return false;
      const holder = lockHolder(run.dir);
      if (holder) locked.push(`${run.name} (in use by ${describeOwner(holder)})`);
      return holder === undefined;
    });
    const finished: string[] = [];
    const failed: string[] = [];
    this.writeStatusFile();
    this.print(`sweep ${this.spec.out}: ${this.runs.length} runs, ${skipped.length} done, ${queue.length} to run, ${jobs} at a time\n`);
    for (const line of locked) this.print(`not starting ${line}\n`);
    this.drawTable(true);

    const refresh = setInterval(() => this.drawTable(false), this.options.refreshMs ?? (this.stream.isTTY ? 2000 : 300_000));
    try {
      await new Promise<void>((done) => {
        // A run that starts from a world-model stage waits until the stage is done; if the stage
        // failed, the run fails too (rerunning the sweep retries both).
        const ready = new Set(skipped);
        const broken = new Set<string>();
        const next = (): void => {
          for (let i = 0; i < queue.length && !this.stopping; i++) {
            const run = queue[i]!;
            if (run.needs && broken.has(run.needs)) {
              queue.splice(i--, 1);
              failed.push(run.name);
              broken.add(run.name);
              this.recorded[run.name] = { state: "failed", note: `its world-model stage ${run.needs} failed` };
              this.writeStatusFile();
              continue;
            }
            if (this.workers.size >= jobs) break;
            if (run.needs && !ready.has(run.needs)) continue;
            queue.splice(i--, 1);
            this.start(run, cli, onExit);
          }
          if (this.workers.size === 0 && (this.stopping || queue.length === 0)) done();
        };
        const onExit = (run: SweepRun, outcome: "done" | "stopped" | "failed", note?: string): void => {
          if (outcome === "done") {
            finished.push(run.name);
            ready.add(run.name);
          }
          if (outcome === "failed") {
            failed.push(run.name);
            broken.add(run.name);
          }
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
    return { rows, finished, skipped, failed, locked, stopped: this.stopping && rows.some((r) => r.state !== "done") };
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
    const holder = lockHolder(run.dir); // taken since the sweep began: leave it to its holder
    if (holder) {
      this.recorded[run.name] = { state: "failed", note: `in use by ${describeOwner(holder)}` };
      queueMicrotask(() => onExit(run, "failed", `in use by ${describeOwner(holder)}`));
      return;
    }
    const stage = run.command[0] === "wm";
    const resuming = existsSync(join(run.dir, stage ? "world-model.safetensors" : "latest.safetensors"));
    if (!resuming && !stage) for (const f of STALE) rmSync(join(run.dir, f), { force: true });
    // NOTE: `--resume` on a fresh start too: `adept train` and `adept wm train` refuse a
    // non-empty directory without it, and log.txt is already there; with nothing saved, --resume starts fresh.
    const args = [cli, ...run.command, ...run.trainArgs, "--resume", ...(stage ? [] : ["--no-progress"])];
    const log = openSync(join(run.dir, "log.txt"), "a");
    writeSync(
      log,
      `# adept sweep ${new Date().toISOString()}: ${resuming ? "resume from latest.safetensors" : "fresh start"}\n# ${["adept", ...args.slice(1)].join(" ")}\n`,
    );
    // The worker watches this process and stops (checkpoint, exit) if the sweep dies without telling it;
    // each worker gets its share of the cores for its matrix products (unless ADEPT_THREADS is set).
    const env = {
      ADEPT_THREADS: String(threadsPerWorker(this.options.jobs ?? this.spec.jobs)),
      ...process.env,
      ...this.options.env,
      [PARENT_ENV]: String(process.pid),
    };
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
      const done = inspectAny(run, this.spec).state === "done";
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
    writeStatusFile(this.spec, this.recorded);
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
