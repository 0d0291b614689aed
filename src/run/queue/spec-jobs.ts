/**
 * A sweep spec as queue jobs: one world-model stage per dataset × seed (when the spec has a
 * `worldModel` that one of its algorithms uses) and one run per dataset × algorithm × seed,
 * in the local sweep's order (seed-major, each stage before the runs of its cell). Each
 * dataset is resolved and fingerprinted here, on the enqueuing machine: a worker runs a job
 * only on the same bytes.
 */
import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { datasetId, resolveDataset } from "../../data/cache.js";
import type { Scalar } from "../../util/config.js";
import { baseAlgo, overridesFor, SWEEP_RUN_OPTIONS, type SweepSpec } from "../sweep/spec.js";
import { stageSteps, usesStage } from "../sweep/stages.js";
import { fileFingerprint, JOB_VERSION, JobError, jobId, type RunJob, runName, SWEEP_NAME, validateJob } from "./job.js";
import { type StageJob, stageJobId, stageJobName, validateStageJob } from "./stage.js";

/** A job of a spec: its name (as in the local sweep's status), id, data and step budget. */
export interface QueuedRun {
  name: string;
  id: string;
  job: RunJob | StageJob;
  steps: number;
  /** The name of the stage a run waits for. */
  needs?: string;
}

/** The sweep folder of a spec: the base name of its `out`. */
export function sweepName(spec: SweepSpec): string {
  const name = basename(resolve(spec.out));
  if (!SWEEP_NAME.test(name))
    throw new JobError(`out: the sweep's folder name "${name}" must be letters, digits, ".", "_" or "-" to run on a queue`);
  return name;
}

/** Every job of a spec (stages and runs), in the local sweep's order. */
export async function specQueue(spec: SweepSpec): Promise<QueuedRun[]> {
  const sweep = sweepName(spec);
  if (spec.worldModel?.out)
    throw new JobError(
      `worldModel.out: on a queue a stage's models live under the workers' --runs-dir (shared by every sweep there); drop "out"`,
    );
  const data = new Map<string, { dataset: string; fingerprint: string }>();
  for (const d of spec.datasets) {
    const path = resolveDataset(d);
    // An id stays an id (each worker resolves it in its own cache); a file goes by absolute path.
    const dataset = datasetId(d) !== null && !existsSync(d) ? d : resolve(path);
    data.set(d, { dataset, fingerprint: await fileFingerprint(path) });
  }
  const options: Record<string, Scalar> = Object.fromEntries(
    Object.keys(SWEEP_RUN_OPTIONS).map((k) => [k, spec[k as keyof typeof SWEEP_RUN_OPTIONS]]),
  );
  const stage = spec.worldModel;
  const jobs: QueuedRun[] = [];
  for (const seed of spec.seeds)
    for (const d of spec.datasets) {
      let needs: { id: string; name: string } | undefined;
      if (stage && spec.algos.some((a) => usesStage(baseAlgo(spec, a), stage))) {
        const job: StageJob = { version: JOB_VERSION, kind: "stage", ...data.get(d)!, seed, stage };
        validateStageJob(job); // the checks a worker makes, so a bad spec fails here
        needs = { id: stageJobId(job), name: stageJobName(job) };
        jobs.push({ name: needs.name, id: needs.id, job, steps: stageSteps(stage) });
      }
      for (const algo of spec.algos) {
        const waits = needs !== undefined && usesStage(baseAlgo(spec, algo), stage);
        const job: RunJob = {
          version: JOB_VERSION,
          sweep,
          algo: baseAlgo(spec, algo),
          ...(spec.variants[algo] ? { variant: algo } : {}),
          ...data.get(d)!,
          seed,
          options,
          overrides: overridesFor(spec, algo),
          ...(waits ? { needs: needs!.id } : {}),
        };
        validateJob(job); // the same checks a worker makes, so a bad spec fails here, not on every worker
        jobs.push({ name: runName(job), id: jobId(job), job, steps: spec.steps, ...(waits ? { needs: needs!.name } : {}) });
      }
    }
  return jobs;
}

/** The run jobs of a spec (without its stages), in the local sweep's order. */
export async function specJobs(spec: SweepSpec): Promise<RunJob[]> {
  return (await specQueue(spec)).flatMap((q) => ("kind" in q.job ? [] : [q.job]));
}
