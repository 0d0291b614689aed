// Queue jobs without Redis: the id changes with what makes a run and only with it, a job's
// fields are validated before anything could run, the train command is one argument per
// value, run directories stay under --runs-dir, and URLs are shown without their password.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildDataset } from "../../src/collect/build.js";
import {
  JobError,
  jobId,
  parseQueueUrl,
  QueueError,
  type RunJob,
  redact,
  runDir,
  type StageJob,
  specJobs,
  specQueue,
  stageArgs,
  stageDir,
  trainArgs,
  validateJob,
  validateStageJob,
} from "../../src/run/queue/index.js";
import { parseSweepSpec, sweepRuns } from "../../src/run/sweep/index.js";

const dir = mkdtempSync(join(tmpdir(), "adept-queue-job-"));
const data = join(dir, "hopper-random.hdf5");
const spec = (extra: Record<string, unknown> = {}) =>
  parseSweepSpec({ out: join(dir, "study"), datasets: [data], algos: ["iql"], seeds: [0, 1], steps: 100, ...extra });

describe("queue jobs", () => {
  before(async () => {
    await buildDataset("hopper-random", { size: 200, out: data });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("ids: the same spec gives the same ids; seed, options, overrides, data and sweep each change them", async () => {
    const [a0, a1] = await specJobs(spec());
    assert.equal(jobId(a0!), jobId((await specJobs(spec()))[0]!));
    assert.match(jobId(a0!), /^run-[0-9a-f]{40}$/);
    const ids = new Set([jobId(a0!), jobId(a1!)]);
    ids.add(jobId((await specJobs(spec({ steps: 200 })))[0]!));
    ids.add(jobId((await specJobs(spec({ overrides: { iql: { expectile: 0.8 } } })))[0]!));
    ids.add(jobId((await specJobs(spec({ out: join(dir, "other") })))[0]!));
    await buildDataset("hopper-random", { size: 200, seed: 1, out: data }); // other contents, same path
    ids.add(jobId((await specJobs(spec()))[0]!));
    assert.equal(ids.size, 6);
    // A config field set to its default is the same run; the same contents rebuilt are the same data.
    await buildDataset("hopper-random", { size: 200, out: data });
    assert.equal(jobId((await specJobs(spec({ overrides: { iql: { expectile: 0.7 } } })))[0]!), jobId(a0!));
  });

  it("validates every field, and builds the command from the values alone", async () => {
    const [job] = await specJobs(spec());
    assert.deepEqual(validateJob(JSON.parse(JSON.stringify(job))), job);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ dataset: "hopper-random; rm -rf /" }, /^job\.dataset/],
      [{ dataset: "$(reboot)" }, /^job\.dataset/],
      [{ dataset: "`id`.hdf5" }, /^job\.dataset/],
      [{ dataset: "/data/../etc/x.hdf5" }, /^job\.dataset/],
      [{ dataset: "relative/x.hdf5" }, /^job\.dataset/],
      [{ dataset: "/data/x.hdf5\nid" }, /^job\.dataset/],
      [{ sweep: ".." }, /^job\.sweep/],
      [{ sweep: "a/b" }, /^job\.sweep/],
      [{ algo: "iql --out /" }, /^job\.algo/],
      [{ seed: -1 }, /^job\.seed/],
      [{ fingerprint: "md5:00" }, /^job\.fingerprint/],
      [{ options: { steps: "100 --out /" } }, /^job\.options\.steps/],
      [{ overrides: { expectile: "0.7 --out /" } }, /^job\.overrides\.expectile/],
      [{ overrides: { notAField: 1 } }, /^job\.overrides/],
      [{ command: "sh -c id" }, /^job: unknown field "command"/],
      [{ version: 99 }, /^job: version 99/],
    ];
    for (const [change, message] of bad)
      assert.throws(
        () => validateJob({ ...job, ...change }),
        (e: Error) => e instanceof JobError && message.test(e.message),
      );
    const args = trainArgs(job!, job!.dataset, "/runs/study/hopper-random/iql/seed0");
    assert.deepEqual(args.slice(0, 5), [
      "train",
      "--algo=iql",
      `--dataset=${data}`,
      "--seed=0",
      "--out=/runs/study/hopper-random/iql/seed0",
    ]);
    assert.ok(
      args.every((a) => a === "train" || a.startsWith("--")),
      "one --flag=value element per value",
    );
    assert.equal(runDir("/runs", job!), "/runs/study/hopper-random/iql/seed0");
  });

  it("a named variant runs as its algorithm with its config and name", async () => {
    const [job] = await specJobs(
      spec({ algos: ["iql-hi"], seeds: [0], variants: { "iql-hi": { algo: "iql", config: { expectile: 0.9 } } } }),
    );
    assert.deepEqual([job!.algo, job!.variant, job!.overrides.expectile], ["iql", "iql-hi", 0.9]);
    assert.equal(runDir("/runs", job!), "/runs/study/hopper-random/iql-hi/seed0");
    assert.ok(trainArgs(job!, job!.dataset, "/x").includes("--variant=iql-hi"));
    assert.throws(() => validateJob({ ...job, variant: "../x" }), /^JobError: job\.variant/);
  });

  it("a world-model stage: one job per dataset × seed before its runs; only the runs that take a world model wait for it", async () => {
    const worldModel = { steps: 20, baseline: true, ensembleSteps: 10, checkpointEvery: 10, config: { width: 16, depth: 1 } };
    const withStage = (extra: Record<string, unknown> = {}) => spec({ algos: ["iql", "adept-iql", "mopo"], worldModel, ...extra });
    const jobs = await specQueue(withStage());
    assert.deepEqual(
      jobs.map((j) => [j.name, j.needs ?? ""]),
      [0, 1].flatMap((seed) => [
        [`world-models/hopper-random/seed${seed}`, ""],
        [`hopper-random/iql/seed${seed}`, ""],
        [`hopper-random/adept-iql/seed${seed}`, `world-models/hopper-random/seed${seed}`],
        [`hopper-random/mopo/seed${seed}`, `world-models/hopper-random/seed${seed}`],
      ]),
    );
    const stage = jobs[0]!.job as StageJob;
    assert.match(jobs[0]!.id, /^stage-[0-9a-f]{40}$/);
    assert.equal(jobs[0]!.steps, 30, "the diffusion model's steps and the ensemble's");
    assert.equal((jobs[2]!.job as RunJob).needs, jobs[0]!.id);
    assert.equal((jobs[1]!.job as RunJob).needs, undefined, "iql waits for nothing");
    assert.notEqual(jobs[4]!.id, jobs[0]!.id, "one stage per seed");
    // The id: what makes the models, not the sweep; a field at its default is the same stage.
    const idOf = async (extra: Record<string, unknown>) => (await specQueue(withStage(extra)))[0]!.id;
    assert.equal(await idOf({ out: join(dir, "another-sweep") }), jobs[0]!.id);
    assert.equal(await idOf({ worldModel: { ...worldModel, holdout: 0.05 } }), jobs[0]!.id);
    const ids = new Set([jobs[0]!.id]);
    ids.add(await idOf({ worldModel: { ...worldModel, steps: 21 } }));
    ids.add(await idOf({ worldModel: { ...worldModel, config: { width: 32, depth: 1 } } }));
    ids.add(await idOf({ seeds: [1] }));
    assert.equal(ids.size, 4);
    // A run's id follows its stage's.
    const other = await specQueue(withStage({ worldModel: { ...worldModel, steps: 21 } }));
    assert.equal(other[1]!.id, jobs[1]!.id, "iql's job does not change with the stage");
    assert.notEqual(other[2]!.id, jobs[2]!.id, "adept-iql's does");

    // The stage's command: the local sweep's flags, one element per value.
    const args = stageArgs(stage, stage.dataset, "/runs/world-models/x");
    const local = sweepRuns(withStage())[0]!.trainArgs; // ["--steps", "20", …, "--baseline", …]
    const joined: string[] = [];
    for (let i = 0; i < local.length; i++) {
      const value = local[i + 1];
      if (value !== undefined && !value.startsWith("--")) joined.push(`${local[i++]}=${value}`);
      else joined.push(local[i]!);
    }
    assert.deepEqual(
      args.slice(2, -1),
      joined.map((a) => (a.startsWith("--out=") ? "--out=/runs/world-models/x" : a)),
    );
    assert.deepEqual([args[0], args[1], args.at(-1)], ["wm", "train", "--resume"]);
    assert.equal(stageDir("/runs", stage.dataset, 0, jobs[0]!.id), `/runs/world-models/hopper-random/seed0-${jobs[0]!.id.slice(6, 18)}`);

    // Validation, as for runs.
    assert.deepEqual(validateStageJob(JSON.parse(JSON.stringify(stage))), stage);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ dataset: "$(reboot)" }, /^job\.dataset/],
      [{ dataset: "/data/../etc/x.hdf5" }, /^job\.dataset/],
      [{ kind: "run" }, /^job\.kind/],
      [{ seed: 1.5 }, /^job\.seed/],
      [{ stage: { ...stage.stage, out: "/elsewhere" } }, /^job\.stage\.out/],
      [{ stage: { ...stage.stage, steps: "20 --out /" } }, /^job\.stage: worldModel\.steps/],
      [{ stage: { ...stage.stage, config: { widht: 16 } } }, /^job\.stage: worldModel\.config/],
      [{ command: "sh -c id" }, /^job: unknown field "command"/],
    ];
    for (const [change, message] of bad)
      assert.throws(
        () => validateStageJob({ ...stage, ...change }),
        (e: Error) => e instanceof JobError && message.test(e.message),
      );
    const run = jobs[2]!.job as RunJob;
    assert.throws(() => validateJob({ ...run, needs: "stage-; rm -rf /" }), /^JobError: job\.needs/);
    assert.throws(
      () => validateJob({ ...(jobs[1]!.job as RunJob), needs: jobs[0]!.id }),
      /^JobError: job\.needs: iql starts from no world model/,
    );
    assert.ok(trainArgs(run, run.dataset, "/x", "/runs/world-models/x").includes("--world-model=/runs/world-models/x"));
    await assert.rejects(
      specQueue(withStage({ worldModel: { ...worldModel, out: join(dir, "models") } })),
      (e: Error) => e instanceof JobError && /^worldModel\.out: on a queue/.test(e.message),
    );
  });

  it("shows URLs without their password, and refuses what is not a Redis URL in one line", () => {
    assert.equal(redact("redis://:s3cr%40t@h:6379/2"), "redis://:***@h:6379/2");
    assert.equal(redact("rediss://user:pw@h"), "rediss://user:***@h");
    assert.equal(redact("redis://h:6379"), "redis://h:6379");
    const url = parseQueueUrl("redis://:s3cr%40t@h:6379/2");
    assert.equal(url.scrub("auth s3cr@t failed; s3cr%40t"), "auth *** failed; ***");
    for (const bad of ["http://h", "redis://", "redis://:pw@h/abc", "not a url :pw@"])
      assert.throws(
        () => parseQueueUrl(bad),
        (e: Error) => e instanceof QueueError && !e.message.includes("pw@") && !e.message.includes("\n"),
      );
  });
});
