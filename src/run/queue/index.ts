/**
 * Sweeps across machines, on BullMQ and Redis: the submitting side enqueues a spec's runs as
 * jobs, `adept worker`s on any machine take them and run each as an `adept train` process
 * in a run directory on shared storage. See docs/experiments.md.
 *
 *   connection.ts  the Redis URL (password never shown), a one-line error when unreachable
 *   job.ts         a run job's data, its id, its validation, and the train command built from it
 *   stage.ts       a world-model stage job (`adept wm train`): its data, id, directory, command
 *   spec-jobs.ts   a spec as jobs: its stages and runs
 *   gate.ts        how runs wait for their stage (delayed jobs, woken when it ends)
 *   takeover.ts    which run-directory lock a worker's trainer may take over
 *   sweep.ts       enqueue a spec, its status, cancel its queued jobs
 *   worker.ts      the worker: runs jobs as child processes, recovers, retries (bounded)
 */
export { checkReachable, parseQueueUrl, QueueError, type QueueUrl, redact } from "./connection.js";
export {
  fileFingerprint,
  JOB_VERSION,
  JobError,
  jobId,
  QUEUE_NAME,
  type RunJob,
  runDir,
  runName,
  trainArgs,
  validateJob,
} from "./job.js";
export { type QueuedRun, specJobs, specQueue, sweepName } from "./spec-jobs.js";
export { type StageJob, stageArgs, stageDir, stageJobId, stageJobName, validateStageJob } from "./stage.js";
export {
  ATTEMPTS,
  type CancelResult,
  cancelSweep,
  type EnqueueResult,
  enqueueSweep,
  jobRow,
  queuedRuns,
  queueStatus,
  type RunProgress,
  type RunResult,
} from "./sweep.js";
export { judgeLock, type LockVerdict, lockTag } from "./takeover.js";
export { MAX_STALLED, RunWorker, type WorkerOptions, workerName } from "./worker.js";
