/**
 * How the ADEPT and MOPO runs of a dataset × seed wait for its world-model stage.
 *
 * A BullMQ flow makes a parent wait for its children, but a child has one parent, and here
 * one stage feeds several runs (every ADEPT variant and MOPO of its cell, and of any other
 * sweep with the same stage). So every job is enqueued at once and a run names its stage
 * (`needs`); a worker that takes a run first asks the queue for the stage's state:
 *
 *   completed                  the run starts, from the stage's directory (`--world-model`)
 *   failed, or not on the      the run fails with the stage's error (enqueuing the spec
 *   queue (cancelled)          again, after `--cancel`, retries both)
 *   anything else              the run goes back as a delayed job (`moveToDelayed` and
 *                              `DelayedError`: BullMQ's own way for a job to wait, which uses
 *                              no attempt) and is looked at again after `waitMs`
 *
 * and the worker that ends a stage promotes the runs waiting for it, so they start at once;
 * the delay is only the fallback for a run that went to wait just as its stage ended.
 * Runs of algorithms that take no world model (iql, sac, …) never wait.
 */
import { DelayedError, type Job, type Queue, UnrecoverableError } from "bullmq";

/** Returns when the stage `stageId` of `job` has completed; otherwise delays the job or fails it (see the module comment). */
export async function awaitStage(queue: Queue, job: Job, token: string | undefined, stageId: string, waitMs: number): Promise<void> {
  const state = await queue.getJobState(stageId);
  if (state === "completed") return;
  if (state === "failed") {
    const stage = await queue.getJob(stageId);
    throw new UnrecoverableError(
      `its world-model stage ${stage?.name ?? stageId} failed: ${stage?.failedReason ?? "see its worker's log"}`,
    );
  }
  if (state === "unknown")
    throw new UnrecoverableError(`its world-model stage ${stageId} is not on the queue (cancelled?): enqueue the sweep again`);
  await job.moveToDelayed(Date.now() + waitMs, token);
  throw new DelayedError();
}

/** Promotes the delayed jobs that wait for stage `stageId`, so that they look at it now (when it has ended). */
export async function wakeDependents(queue: Queue, stageId: string): Promise<number> {
  const waiting: Job[] = [];
  const page = 500;
  for (let start = 0; ; start += page) {
    const delayed = await queue.getDelayed(start, start + page - 1);
    for (const job of delayed) if ((job?.data as { needs?: unknown } | undefined)?.needs === stageId) waiting.push(job);
    if (delayed.length < page) break;
  }
  // All found first, then promoted: promoting shifts the delayed set under the pages.
  let woken = 0;
  for (const job of waiting)
    await job.promote().then(
      () => woken++,
      () => {}, // moved on by its own delay meanwhile: it looks at the stage when it runs
    );
  return woken;
}
