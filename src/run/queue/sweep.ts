/**
 * A sweep on a queue, from the machine that submits it: enqueue its runs, show where each
 * stands, cancel the ones not started. The runs themselves are done by `adept worker`s
 * (worker.ts) on any machine that reaches the same Redis.
 *
 * Every job is kept in Redis when it ends (completed or failed), so that enqueuing the same
 * spec again adds nothing and `--status` can show results without reading the run
 * directories (which may be on storage this machine does not mount).
 */
import { type Job, type JobsOptions, Queue } from "bullmq";
import type { SweepSpec } from "../sweep/spec.js";
import type { RunState, RunStatus } from "../sweep/status.js";
import { checkReachable, connect, type QueueUrl } from "./connection.js";
import { QUEUE_NAME } from "./job.js";
import { type QueuedRun, specQueue } from "./spec-jobs.js";

/**
 * How often a run that fails for a reason outside its own input (a crash, a signal such as
 * the OOM killer's) is tried: 3 times in all, 30 s then 60 s apart. Bad input and divergence
 * (exit status 1) fail at once: trying again would fail the same way.
 */
export const ATTEMPTS = 3;
const JOB_OPTIONS: JobsOptions = {
  attempts: ATTEMPTS,
  backoff: { type: "exponential", delay: 30_000 },
  removeOnComplete: false,
  removeOnFail: false,
};

/** What a worker reports while it runs a job, a run or a stage (BullMQ job progress). */
export interface RunProgress {
  /** `host:pid` of the worker. */
  worker: string;
  /** The `adept train` child: its host and pid (to tell its run-directory lock from another's). */
  host: string;
  pid: number;
  step: number;
  steps: number;
}

/** What a worker returns for a finished run or stage (BullMQ job return value; a stage has no scores). */
export interface RunResult {
  worker: string;
  steps: number;
  last?: number;
  best?: number;
  wallSeconds?: number;
}

/** The jobs a spec stands for: its world-model stages and runs, with their ids. */
export async function queuedRuns(spec: SweepSpec): Promise<QueuedRun[]> {
  return specQueue(spec);
}

/** Runs `body` with a queue on `url`, after checking that Redis answers (one line if not). */
async function withQueue<T>(url: QueueUrl, body: (queue: Queue) => Promise<T>): Promise<T> {
  await checkReachable(url);
  const client = connect(url);
  client.on("error", () => {}); // a dropped connection is retried; the command's own awaits report failures
  const queue = new Queue(QUEUE_NAME, { connection: client });
  try {
    return await body(queue);
  } finally {
    await queue.close();
    client.disconnect();
  }
}

/** What {@link enqueueSweep} did. */
export interface EnqueueResult {
  added: string[];
  /** Runs whose job already existed, by its state (`waiting`, `active`, `completed`, `failed`…). */
  existing: Record<string, string[]>;
}

/** Adds the spec's runs that have no job yet; existing jobs (in any state) are left as they are. */
export async function enqueueSweep(spec: SweepSpec, url: QueueUrl): Promise<EnqueueResult> {
  const runs = await queuedRuns(spec);
  return withQueue(url, async (queue) => {
    const result: EnqueueResult = { added: [], existing: {} };
    const fresh: QueuedRun[] = [];
    for (const run of runs) {
      const job = await queue.getJob(run.id);
      if (!job) {
        fresh.push(run);
        continue;
      }
      const state = await job.getState();
      result.existing[state] = [...(result.existing[state] ?? []), run.name];
    }
    // A job id that exists by now (another submitter raced us) is ignored by BullMQ: still one job per run.
    await queue.addBulk(fresh.map((run) => ({ name: run.name, data: run.job, opts: { ...JOB_OPTIONS, jobId: run.id } })));
    result.added = fresh.map((r) => r.name);
    return result;
  });
}

/** Where every run of the spec stands on the queue, as rows of the sweep status view. */
export async function queueStatus(spec: SweepSpec, url: QueueUrl): Promise<RunStatus[]> {
  const runs = await queuedRuns(spec);
  return withQueue(url, async (queue) => {
    const rows: RunStatus[] = [];
    for (const run of runs) rows.push(await jobRow(queue, run));
    return rows;
  });
}

/** The status row of one job of a spec. */
export async function jobRow(queue: Queue, run: QueuedRun): Promise<RunStatus> {
  // The state first, then the job: a job read first could finish before its state is read,
  // and a "completed" state would then come with the job's earlier, result-less record.
  const state = await queue.getJobState(run.id);
  const job = await queue.getJob(run.id);
  return rowOf(run, job, job ? state : "missing");
}

async function stateOf(job: Job | undefined): Promise<string> {
  return job ? job.getState() : "missing";
}

function rowOf(run: QueuedRun, job: Job | undefined, state: string): RunStatus {
  const row: RunStatus = { name: run.name, state: "pending", step: 0, steps: run.steps };
  if (!job) return { ...row, note: "not enqueued" };
  const progress = (typeof job.progress === "object" ? job.progress : {}) as Partial<RunProgress>;
  if (typeof progress.step === "number") row.step = progress.step;
  if (state === "completed") {
    const r = job.returnvalue as RunResult;
    return { ...row, state: "done", step: r.steps, last: r.last, best: r.best, seconds: r.wallSeconds, note: `by ${r.worker}` };
  }
  if (state === "failed") return { ...row, state: "failed", note: job.failedReason };
  if (state === "active") {
    const since = job.processedOn === undefined ? {} : { seconds: (Date.now() - job.processedOn) / 1000 };
    return { ...row, state: "running", ...since, note: `on ${progress.worker ?? "a worker"}` };
  }
  // Waiting, delayed before another attempt, or waiting for its world-model stage (gate.ts).
  const retry =
    job.attemptsMade > 0
      ? `attempt ${job.attemptsMade + 1} of ${ATTEMPTS}${job.failedReason ? ` after: ${job.failedReason}` : ""}`
      : run.needs !== undefined
        ? `after ${run.needs}`
        : undefined;
  const queued: RunState = "queued";
  return { ...row, state: queued, ...(retry ? { note: retry } : {}) };
}

/** What {@link cancelSweep} did. */
export interface CancelResult {
  removed: string[];
  /** Runs a worker is running now: left to finish (stop that worker to stop them). */
  running: string[];
}

/**
 * Removes the spec's jobs that are queued (waiting, delayed for a retry) or failed, so that
 * enqueuing the spec again starts them afresh; running and finished jobs are left alone.
 */
export async function cancelSweep(spec: SweepSpec, url: QueueUrl): Promise<CancelResult> {
  const runs = await queuedRuns(spec);
  return withQueue(url, async (queue) => {
    const result: CancelResult = { removed: [], running: [] };
    for (const run of runs) {
      const job = await queue.getJob(run.id);
      const state = await stateOf(job);
      if (state === "active") result.running.push(run.name);
      else if (job && ["waiting", "delayed", "prioritized", "waiting-children", "failed"].includes(state)) {
        await job.remove();
        result.removed.push(run.name);
      }
    }
    return result;
  });
}
