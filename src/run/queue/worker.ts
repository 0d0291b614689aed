/**
 * `adept worker`: takes jobs off the queue and runs each as a child process — a run as
 * `adept train`, a world-model stage as `adept wm train` (stage.ts) — so that CPU-heavy work
 * stays off the worker's event loop, as BullMQ's docs advise, and the job locks are renewed
 * on time; a few at once, each with its share of the machine's threads.
 *
 * What can go wrong, and what happens:
 *
 *   the job's data is not a valid run       failed at once, nothing runs (job.ts)
 *   the run fails on its own input (exit 1)  failed at once with the trainer's one-line error:
 *                                            bad data, a busy directory, divergence (NaN)
 *   the trainer crashes otherwise            tried again, {@link ATTEMPTS} times in all
 *   this worker is stopped (SIGINT/SIGTERM)  the trainers checkpoint; their jobs go back to
 *                                            the queue, and a worker resumes them
 *   this worker dies (kill -9, machine lost) its locks expire; BullMQ's stalled-job check puts
 *                                            the jobs back ({@link MAX_STALLED} times at most);
 *                                            a worker resumes each from its latest checkpoint,
 *                                            so at most one checkpoint interval is lost
 *   this worker loses a job's lock, or       the trainer is stopped: another worker may have
 *   cannot renew it for a lock lifetime      the job by now (so a worker cut off from Redis
 *                                            does not write beside the one that took over)
 *   a run's world-model stage is not done    the run waits as a delayed job (gate.ts)
 *   the run directory is locked              taken over, waited for or refused (takeover.ts)
 *
 * Run directories are `<runs-dir>/<sweep>/<dataset>/<algo>/seed<k>` and must be on storage
 * every worker shares (docs/experiments.md), so that a run resumes wherever it lands.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { availableParallelism, hostname } from "node:os";
import { join } from "node:path";
import { DelayedError, type Job, Queue, UnrecoverableError, WaitingError, Worker } from "bullmq";
import { resolveDataset } from "../../data/cache.js";
import { UserError } from "../../util/errors.js";
import { describeOwner, LOCK_JOB_ENV, TAKE_OVER_ENV } from "../lock.js";
import { defaultCli, STALE } from "../sweep/scheduler.js";
import { inspectStage, stageSteps } from "../sweep/stages.js";
import { WORLD_MODEL_FILES } from "../world-model-file.js";
import { connect, type QueueUrl } from "./connection.js";
import { awaitStage, wakeDependents } from "./gate.js";
import { fileFingerprint, JobError, QUEUE_NAME, type RunJob, runDir, runName, trainArgs, validateJob } from "./job.js";
import { isStageData, type StageJob, stageArgs, stageDir, stageJobId, stageJobName, validateStageJob } from "./stage.js";
import type { RunProgress, RunResult } from "./sweep.js";
import { judgeLock, lockTag } from "./takeover.js";

/** A job's data: a run, or a world-model stage (`kind: "stage"`). */
type QueueJob = RunJob | StageJob;

/**
 * How often a job may be recovered from a dead worker before it is failed ("stalled more
 * than allowable limit"). BullMQ's default is 1; a run of hours on preemptible machines may
 * well lose two workers, so a few.
 */
export const MAX_STALLED = 5;

export interface WorkerOptions {
  /** Where the run directories go (shared by every worker). */
  runsDir: string;
  /** Runs at once (default 1). */
  concurrency?: number;
  /** Threads per run (default: the machine's cores divided among the concurrent runs). */
  threads?: number;
  /**
   * How long a job's lock lasts without renewal (ms, default 30 000; renewed every half of
   * it). A dead worker's runs are picked up within about this long plus the stalled-check
   * interval (the same).
   */
  lockMs?: number;
  /** How often a running job's step is reported to the queue (ms, default 5000). */
  progressMs?: number;
  /** After a stop request, trainers still running this long later are killed (ms, default 30 000). */
  stopGraceMs?: number;
  /** The `adept` CLI entry point the trainers run (default: this package's). */
  cli?: string;
  /** Where the worker's event lines go (default: stdout). */
  log?: (line: string) => void;
  /**
   * A run whose world-model stage is not done goes back to the queue for this long before it
   * is looked at again (ms, default twice the lock lifetime); the stage's end wakes it sooner (gate.ts).
   */
  stageWaitMs?: number;
}

/** The name a worker goes by in `--status`: `host:pid`. */
export function workerName(): string {
  return `${hostname()}:${process.pid}`;
}

/** A worker on a queue; {@link RunWorker.close} stops it (trainers checkpoint, jobs go back). */
export class RunWorker {
  readonly name = workerName();
  private readonly worker: Worker<QueueJob, RunResult>;
  private readonly connection: ReturnType<typeof connect>;
  /** The same queue, for what a worker does not do: read another job's state, promote delayed jobs. */
  private readonly queueHandle: Queue;
  private readonly lockMs: number;
  private readonly stageWaitMs: number;
  private readonly children = new Set<ChildProcess>();
  private readonly threads: number;
  private readonly cli: string;
  private readonly write: (line: string) => void;
  private closing = false;
  private lastError = "";
  /** When each running job's lock was last known to be held (taken or renewed). */
  private readonly held = new Map<string, number>();
  /** The trainer exit of each run directory this worker is writing: a job back on this worker waits for its old trainer. */
  private readonly writing = new Map<string, Promise<unknown>>();
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: QueueUrl,
    private readonly options: WorkerOptions,
  ) {
    const concurrency = options.concurrency ?? 1;
    this.threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / concurrency));
    this.cli = options.cli ?? defaultCli();
    if (!existsSync(this.cli)) throw new UserError(`the adept CLI was not found at ${this.cli} (build with \`npx tsc -p .\`)`);
    mkdirSync(options.runsDir, { recursive: true });
    const out = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
    this.write = (line) => out(`[${new Date().toISOString().slice(0, 19)}Z] ${queue.scrub(line)}`);
    const lockDuration = options.lockMs ?? 30_000;
    this.lockMs = lockDuration;
    this.stageWaitMs = options.stageWaitMs ?? 2 * lockDuration;
    this.connection = connect(queue);
    this.queueHandle = new Queue(QUEUE_NAME, { connection: this.connection });
    this.worker = new Worker<QueueJob, RunResult>(QUEUE_NAME, (job, token, signal) => this.process(job, token, signal), {
      connection: this.connection,
      concurrency,
      name: this.name,
      lockDuration,
      stalledInterval: lockDuration,
      maxStalledCount: MAX_STALLED,
      autorun: false,
    });
    // Redis going away (a restart, the network) is reported once per distinct message; the client reconnects.
    this.worker.on("error", (error) => {
      const text = error.message;
      if (text !== this.lastError) this.write(`queue: ${text} (retrying)`);
      this.lastError = text;
    });
    this.worker.on("locksRenewed", ({ jobIds }) => {
      for (const id of jobIds) if (this.held.has(id)) this.held.set(id, Date.now());
    });
    // Renewals that fail for want of Redis raise no lockRenewalFailed: after a lock lifetime
    // without one, the lock is gone and the stalled check may give the job to another worker.
    this.watchdog = setInterval(() => {
      for (const [id, since] of this.held)
        if (Date.now() - since > lockDuration) {
          this.write(`no lock renewal of job ${id} for ${lockDuration / 1000}s (Redis unreachable?): stopping its trainer`);
          this.held.delete(id);
          this.worker.cancelJob(id, "lock not renewed");
        }
    }, lockDuration / 4);
    this.watchdog.unref();
    this.worker.on("lockRenewalFailed", (ids) => {
      for (const id of ids) {
        this.write(`lost the lock of job ${id}: another worker may have it; stopping its trainer`);
        this.worker.cancelJob(id, "lock lost");
      }
    });
    this.worker.on("failed", (job, error) => {
      // By the job's id and name, not its data: the data may be what failed validation.
      if (job && error.name !== "WaitingError")
        this.write(
          `failed job ${job.id} ${JSON.stringify(job.name)} (attempt ${job.attemptsMade} of ${job.opts.attempts ?? 1}): ${error.message}`,
        );
      if (job) this.wake(job);
    });
    this.worker.on("completed", (job) => this.wake(job));
  }

  /** A stage that ended (completed, or failed): its waiting runs look at it now (gate.ts). */
  private wake(job: Job<QueueJob, RunResult>): void {
    if (!isStageData(job.data) || job.id === undefined) return;
    void wakeDependents(this.queueHandle, job.id).then(
      (n) => n > 0 && this.write(`stage ${job.name} ended: ${n} waiting run(s) go on`),
      () => {}, // Redis away: the runs look again after their delay
    );
  }

  /** Starts taking jobs; resolves when the worker is connected. */
  async start(): Promise<void> {
    void this.worker.run().catch((error: Error) => this.write(`worker stopped: ${error.message}`));
    await this.worker.waitUntilReady();
    this.write(
      `worker ${this.name} on ${this.queue.display}: runs in ${this.options.runsDir}, ${this.worker.concurrency} at once, ${this.threads} thread(s) each`,
    );
  }

  /** Stops: no new jobs; each trainer checkpoints and exits; its job goes back to the queue. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.write(`stopping: ${this.children.size} trainer(s) checkpoint and exit; their runs go back to the queue`);
    clearInterval(this.watchdog);
    this.worker.cancelAllJobs("worker stopping");
    await this.worker.close();
    await this.queueHandle.close();
    this.connection.disconnect(); // ours, not BullMQ's to close
  }

  /** Kills every trainer at once (a second Ctrl-C); their runs resume from the last checkpoint. */
  kill(): void {
    for (const child of this.children) child.kill("SIGKILL");
  }

  private async process(job: Job<QueueJob, RunResult>, token: string | undefined, signal: AbortSignal | undefined): Promise<RunResult> {
    let task: Task;
    try {
      task = isStageData(job.data) ? await this.stageTask(job) : await this.runTask(job, token);
    } catch (error) {
      if (error instanceof UserError) throw new UnrecoverableError(error.message);
      throw error; // a DelayedError (the run waits for its stage) among them
    }
    const { name, dir } = task;
    await this.writing.get(dir); // this job's earlier trainer here (stopped on a lost lock) exits first
    if (signal?.aborted) throw new Error(String(signal.reason));
    mkdirSync(dir, { recursive: true });
    const takeOver = await this.lockEnv(job, token, dir);
    this.held.set(String(job.id), Date.now());
    const resuming = existsSync(join(dir, task.resumeFile));
    if (!resuming) task.clearStale?.();
    const log = openSync(join(dir, "log.txt"), "a");
    writeSync(
      log,
      `# adept worker ${this.name} ${new Date().toISOString()}: ${resuming ? `resume from ${task.resumeFile}` : "fresh start"} (job ${job.id}, attempt ${job.attemptsMade + 1})\n# adept ${task.args.join(" ")}\n`,
    );
    const { [TAKE_OVER_ENV]: _notOurs, ...inherited } = process.env; // only this worker's verdict names a lock to take over
    const child = spawn(process.execPath, [this.cli, ...task.args], {
      stdio: ["ignore", log, log],
      // ADEPT_WATCH_PARENT: the trainer stops (checkpoint, exit) if this worker dies without telling it.
      // The lock's job tag and the one foreign lock it may take over: takeover.ts.
      env: {
        ...inherited,
        ADEPT_THREADS: String(this.threads),
        ADEPT_WATCH_PARENT: String(process.pid),
        [LOCK_JOB_ENV]: lockTag(String(job.id), token ?? ""),
        ...takeOver,
      },
    });
    closeSync(log);
    this.children.add(child);
    this.write(`started ${name} (${resuming ? `resume from step ${task.step()}` : "fresh"}, job ${job.id})`);

    const report = async (): Promise<void> => {
      const progress: RunProgress = { worker: this.name, host: hostname(), pid: child.pid ?? 0, step: task.step(), steps: task.steps };
      await job.updateProgress(progress as unknown as object).catch(() => {}); // Redis away for a moment: the next report
    };
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((done) => {
      child.on("error", (e) => done({ code: null, signal: null, error: e }));
      child.on("exit", (c, s) => done({ code: c, signal: s }));
    });
    this.writing.set(dir, exited);
    await report();
    const timer = setInterval(() => void report(), this.options.progressMs ?? 5000);
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), this.options.stopGraceMs ?? 30_000).unref();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const { code, signal: killed, error } = await exited;
    clearInterval(timer);
    signal?.removeEventListener("abort", onAbort);
    this.children.delete(child);
    this.held.delete(String(job.id)); // no trainer to stop any more
    if (this.writing.get(dir) === exited) this.writing.delete(dir);

    const result = code === 0 ? task.finished() : undefined;
    if (result) {
      this.write(`finished ${name}`);
      return result;
    }
    if (aborted) {
      this.write(`stopped ${name} at step ${task.step()} (${String(signal?.reason ?? "stop")}); back to the queue`);
      // Our lock may be gone (lost, or the worker closing after Redis went away): then the
      // stalled-job check puts the job back instead.
      await job.moveToWait(token).catch(() => {});
      throw new WaitingError();
    }
    const why = error ? error.message : killed ? `killed by ${killed}` : `exit status ${code}`;
    const last = lastLine(join(dir, "log.txt"));
    // Exit status 1 is the trainer's own verdict on its input (or divergence): another try fails the same way.
    if (code === 1) throw new UnrecoverableError(last ?? why);
    throw new Error(`${why}${last ? `: ${last}` : ""}`);
  }

  /** A run job as a task: `adept train` in its run directory, from its stage's models once the stage is done (gate.ts). */
  private async runTask(job: Job<QueueJob, RunResult>, token: string | undefined): Promise<Task> {
    const data = validateJob(job.data);
    const dir = runDir(this.options.runsDir, data);
    let worldModel: string | undefined;
    if (data.needs !== undefined) {
      await awaitStage(this.queueHandle, job, token, data.needs, this.stageWaitMs);
      worldModel = stageDir(this.options.runsDir, data.dataset, data.seed, data.needs);
    }
    const dataset = await this.checkDataset(data);
    return {
      name: `${data.sweep}/${runName(data)}`,
      dir,
      args: trainArgs(data, dataset, dir, worldModel),
      resumeFile: "latest.safetensors",
      steps: Number(data.options.steps),
      step: () => stepOf(dir),
      finished: () => {
        const summary = readSummary(dir);
        if (!summary || summary.status === "stopped" || summary.status === "diverged") return undefined;
        return {
          worker: this.name,
          steps: summary.steps,
          last: summary.last?.normalized.mean,
          best: summary.best?.normalized.mean,
          wallSeconds: summary.wallSeconds,
        };
      },
      clearStale: () => {
        for (const f of STALE) rmSync(join(dir, f), { force: true });
      },
    };
  }

  /** A world-model stage job as a task: `adept wm train --resume` in the stage's directory (stage.ts). */
  private async stageTask(job: Job<QueueJob, RunResult>): Promise<Task> {
    const data = validateStageJob(job.data);
    const id = String(job.id);
    // Runs find the stage's directory by this id: it must be the one its data makes.
    if (stageJobId(data) !== id) throw new JobError(`job ${id}: not the id of its stage's data (${stageJobId(data)})`);
    const dir = stageDir(this.options.runsDir, data.dataset, data.seed, id);
    const dataset = await this.checkDataset(data);
    const view = { name: stageJobName(data), dir };
    return {
      name: view.name,
      dir,
      args: stageArgs(data, dataset, dir),
      resumeFile: WORLD_MODEL_FILES.diffusion,
      steps: stageSteps(data.stage),
      step: () => inspectStage(view, data.stage).step,
      finished: () => {
        const status = inspectStage(view, data.stage);
        return status.state === "done" ? { worker: this.name, steps: status.step, wallSeconds: status.seconds } : undefined;
      },
    };
  }

  /**
   * The environment that lets the trainer take over the run directory's lock, when the queue
   * shows that its holder is a lost trainer (takeover.ts); a lost trainer still running here
   * makes the job wait; any other holder fails it.
   */
  private async lockEnv(job: Job, token: string | undefined, dir: string): Promise<Record<string, string>> {
    const last = typeof job.progress === "object" ? (job.progress as Partial<RunProgress>) : undefined;
    const verdict = await judgeLock(dir, last, (id) => this.connection.get(this.worker.toKey(`${id}:lock`)));
    if (verdict.kind === "free") return {};
    if (verdict.kind === "refuse") throw new UnrecoverableError(verdict.why);
    if (verdict.kind === "wait") {
      this.write(`job ${job.id} waits: ${verdict.why}`);
      await job.moveToDelayed(Date.now() + this.lockMs, token);
      throw new DelayedError();
    }
    this.write(`job ${job.id}: the lock of ${dir} is ${describeOwner(verdict.owner)}'s, ${verdict.why}: its trainer takes it over`);
    return { [TAKE_OVER_ENV]: JSON.stringify(verdict.owner) };
  }

  /** The dataset the trainer gets: the worker's copy, checked against the fingerprint the job was enqueued with. */
  private async checkDataset(job: { dataset: string; fingerprint: string }): Promise<string> {
    const path = resolveDataset(job.dataset); // a DataError (one line) when this worker lacks it
    const fingerprint = await fileFingerprint(path);
    if (fingerprint !== job.fingerprint)
      throw new JobError(
        `dataset ${path} on ${hostname()} is not the file the sweep was enqueued with (${fingerprint} ≠ ${job.fingerprint})`,
      );
    return job.dataset;
  }
}

/** What a worker runs for a job: a run (`adept train`) or a world-model stage (`adept wm train`). */
interface Task {
  /** In the worker's log: `<sweep>/<run>`, or `world-models/<dataset>/seed<k>`. */
  name: string;
  dir: string;
  /** The CLI's arguments. */
  args: string[];
  /** The file a resumed task continues from (its presence: a resume). */
  resumeFile: string;
  steps: number;
  /** The step reached, read from its files. */
  step(): number;
  /** Its result, when it has finished (after exit status 0); undefined otherwise. */
  finished(): RunResult | undefined;
  /** Removes what an attempt that failed before its first checkpoint left. */
  clearStale?(): void;
}

/** The last step in a run's metrics.jsonl (0 when there is none). */
function stepOf(dir: string): number {
  let text: string;
  try {
    text = readFileSync(join(dir, "metrics.jsonl"), "utf8");
  } catch {
    return 0;
  }
  const lines = text.trimEnd().split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const step = (JSON.parse(lines[i]!) as { step?: unknown }).step;
      if (typeof step === "number") return step;
    } catch {
      // a line being written
    }
  }
  return 0;
}

interface Summary {
  status?: string;
  steps: number;
  wallSeconds?: number;
  last?: { normalized: { mean: number } };
  best?: { normalized: { mean: number } };
}

function readSummary(dir: string): Summary | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as Summary;
  } catch {
    return undefined;
  }
}

/** The last non-comment, non-empty line of a log (the trainer's one-line error, when it failed on its input). */
function lastLine(path: string): string | undefined {
  try {
    const lines = readFileSync(path, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    return lines.at(-1)?.slice(0, 500);
  } catch {
    return undefined;
  }
}
