// World-model stages and run-directory locks on a queue, against a real redis-server: a spec
// with a stage through two workers trains the stage once, its ADEPT runs wait for it and
// start from the same file, iql does not wait, and every result equals the local sweep's;
// a run directory's lock is taken over only from the job's last trainer or a trainer whose
// job lock has expired, waited for when that trainer still runs here, and refused otherwise.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { buildDataset } from "../../src/collect/build.js";
import { readWorldModelHeader } from "../../src/diffusion/persist.js";
import { lockPath } from "../../src/run/lock.js";
import {
  cancelSweep,
  enqueueSweep,
  lockTag,
  parseQueueUrl,
  QUEUE_NAME,
  type QueueUrl,
  queuedRuns,
  queueStatus,
  RunWorker,
  stageDir,
} from "../../src/run/queue/index.js";
import { formatStatus, parseSweepSpec, Sweep, type SweepSpec, sweepRuns } from "../../src/run/sweep/index.js";
import { cli, metrics, until, WorkerProcess } from "./_queue.js";
import { RedisServer, redisMissing } from "./_redis.js";
import { TINY_ADEPT, TINY_STAGE } from "./_runs.js";

const skip = redisMissing();
const dir = mkdtempSync(join(tmpdir(), "adept-queue-stage-"));
const runsDir = join(dir, "shared");
const place = { dir, runsDir };

async function rows(spec: SweepSpec, url: QueueUrl) {
  return queueStatus(spec, url);
}

describe("world-model stages and run-directory locks on a queue (real Redis)", { skip }, () => {
  let redis: RedisServer;
  let url: QueueUrl;
  const dataset = join(dir, "hopper-random.hdf5");

  before(async () => {
    redis = await RedisServer.start();
    url = parseQueueUrl(redis.url);
    await buildDataset("hopper-random", { size: 1000, out: dataset });
  });
  after(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a stage trains once; its ADEPT runs wait for it and start from the same file; iql does not wait; results = the local sweep's", async () => {
    const raw = {
      datasets: [dataset],
      algos: ["iql", "adept-iql", "adept-iql-tempered"],
      variants: { "adept-iql-tempered": { algo: "adept-iql", config: { isTemperature: 0.5 } } },
      seeds: [0],
      steps: 40,
      evalEvery: 20,
      evalEpisodes: 1,
      batchSize: 32,
      checkpointEvery: 20,
      logEvery: 20,
      worldModel: TINY_STAGE,
      overrides: { "*": TINY_ADEPT },
    };
    const spec = parseSweepSpec({ ...raw, out: join(dir, "study") });
    const jobs = await queuedRuns(spec);
    assert.deepEqual(
      jobs.map((j) => j.name),
      [
        "world-models/hopper-random/seed0",
        "hopper-random/iql/seed0",
        "hopper-random/adept-iql/seed0",
        "hopper-random/adept-iql-tempered/seed0",
      ],
    );
    assert.equal((await enqueueSweep(spec, url)).added.length, 4);
    const waiting = formatStatus(await rows(spec, url));
    assert.match(waiting, /world-models\/hopper-random\/seed0\s+queued\s+0\/20/, waiting);
    assert.match(waiting, /hopper-random\/adept-iql\/seed0\s+queued.*after world-models\/hopper-random\/seed0/, waiting);

    const workers = [new WorkerProcess(place, redis.url, "s1"), new WorkerProcess(place, redis.url, "s2")];
    const local = parseSweepSpec({ ...raw, out: join(dir, "local", "study"), jobs: 1 });
    const localResult = await new Sweep(local, { stream: { write: () => true } }).run();
    assert.deepEqual(localResult.failed, []);
    try {
      await until(
        "the queued sweep",
        async () => (await rows(spec, url)).every((r) => r.state === "done" || r.state === "failed"),
        180_000,
      );
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    const status = formatStatus(await rows(spec, url));
    assert.match(status, /4 runs: 4 done/, `${status}\n${workers.map((w) => w.log()).join("\n")}`);
    assert.match(status, /world-models\/hopper-random\/seed0\s+done\s+20\/20/);

    // The stage trained once, into its own directory under --runs-dir.
    const stage = stageDir(runsDir, dataset, 0, jobs[0]!.id);
    const stageLog = readFileSync(join(stage, "log.txt"), "utf8");
    assert.equal(stageLog.match(/^# adept worker /gm)?.length, 1, stageLog);
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: client });
    const stageEnd = (await queue.getJob(jobs[0]!.id))!.finishedOn!;
    const iqlStarts = (await queue.getJob(jobs[1]!.id))!.attemptsStarted;
    await queue.close();
    client.disconnect();
    assert.equal(iqlStarts, 1, "iql was never put back to wait");
    // Both ADEPT runs started after it ended, from its file; the local sweep's did from its own.
    const files = new Set<string>();
    for (const run of sweepRuns(spec)) {
      if (run.command[0] === "wm") continue;
      const queued = join(runsDir, "study", run.name);
      const config = JSON.parse(readFileSync(join(queued, "config.json"), "utf8"));
      const log = readFileSync(join(queued, "log.txt"), "utf8");
      assert.equal(log.match(/^# adept worker /gm)?.length, 1, `${run.name} ran once:\n${log}`);
      if (run.algo === "iql") assert.equal(config.worldModel, undefined);
      else {
        files.add(config.worldModel.file);
        assert.equal(config.worldModel.updates, 20);
        const started = Date.parse(/^# adept worker \S+ (\S+):/m.exec(log)![1]!);
        assert.ok(started >= stageEnd, `${run.name} started ${started - stageEnd} ms before its stage ended`);
      }
      const localRun = sweepRuns(local).find((r) => r.name === run.name)!;
      assert.deepEqual(metrics(queued), metrics(localRun.dir), `${run.name}: metrics differ from the local sweep's`);
      const [a, b] = [queued, localRun.dir].map((d) => JSON.parse(readFileSync(join(d, "summary.json"), "utf8")));
      assert.deepEqual([a.last, a.best, a.steps], [b.last, b.best, b.steps]);
    }
    assert.deepEqual([...files], [join(stage, "world-model.safetensors")]);
    // Enqueued again, or by another sweep with the same stage: nothing new to train.
    assert.match(JSON.stringify((await enqueueSweep(spec, url)).existing), /"completed":\[.*world-models/);
    const other = parseSweepSpec({ ...raw, out: join(dir, "another"), algos: ["adept-iql"] });
    const again = await enqueueSweep(other, url);
    assert.deepEqual([again.added, again.existing.completed], [["hopper-random/adept-iql/seed0"], ["world-models/hopper-random/seed0"]]);
    assert.deepEqual((await cancelSweep(other, url)).removed, ["hopper-random/adept-iql/seed0"], "the completed stage stays");
  });

  it("a worker killed with -9 mid-stage: the other worker resumes the stage from the model it saved", async () => {
    const spec = parseSweepSpec({
      out: join(dir, "killed-stage"),
      datasets: [dataset],
      algos: ["adept-iql"],
      seeds: [0],
      steps: 40,
      worldModel: { ...TINY_STAGE, steps: 1500, checkpointEvery: 100 },
    });
    const [stage] = await queuedRuns(spec); // the stage alone: its run is not what this test is about
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: client });
    await queue.add(stage!.name, stage!.job, { jobId: stage!.id, attempts: 3 });
    const model = join(stageDir(runsDir, dataset, 0, stage!.id), "world-model.safetensors");
    const updates = (): number => {
      try {
        return readWorldModelHeader(model).updates;
      } catch {
        return 0; // not saved yet, or being replaced
      }
    };
    const workers = [new WorkerProcess(place, redis.url, "m1"), new WorkerProcess(place, redis.url, "m2")];
    try {
      await until("the stage to save a model", () => updates() >= 200);
      const worker = ((await queue.getJob(stage!.id))!.progress as { worker?: string }).worker ?? "";
      const owner = workers.find((w) => worker.endsWith(w.name));
      assert.ok(owner, `the stage's progress names its worker: ${worker}`);
      owner.kill();
      const killedAt = updates();
      await until("the stage to finish on the other worker", async () => (await queue.getJobState(stage!.id)) === "completed", 120_000);
      const other = workers.find((w) => w !== owner)!;
      const resumed = /started world-models\/hopper-random\/seed0 \(resume from step (\d+)/.exec(other.log());
      assert.ok(resumed, other.log());
      assert.ok(Number(resumed[1]) >= 100 && Number(resumed[1]) <= killedAt, `resumed at ${resumed[1]}, killed at ${killedAt}`);
      assert.equal(updates(), 1500);
      const log = readFileSync(join(dirname(model), "log.txt"), "utf8");
      assert.match(
        log,
        /^# adept worker \S+ \S+: fresh start[^\n]*\n[\s\S]*^# adept worker \S+ \S+: resume from world-model\.safetensors/m,
      );
    } finally {
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) await w.stop();
      await queue.close();
      client.disconnect();
    }
  });

  it("a run-directory lock is taken over from the job's last trainer or an expired job lock; waited for while it lives here; else refused", async () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: client });
    try {
      await lockCases(client, queue, url, dataset);
    } finally {
      await queue.close(); // also when an assertion failed: an open client would keep the test process alive
      client.disconnect();
    }
  });
});

/** The lock cases of the test above, on a queue and its client. */
async function lockCases(client: Redis, queue: Queue, url: QueueUrl, dataset: string): Promise<void> {
  const base = { datasets: [dataset], algos: ["bc"], seeds: [0], steps: 20, evalEvery: 0, evalEpisodes: 0, logEvery: 10 };
  const cases = ["last-trainer", "expired", "live-job", "stranger", "here"] as const;
  const specs = Object.fromEntries(
    cases.map((c) => [c, parseSweepSpec({ ...base, out: join(dir, `lock-${c}`), overrides: { "*": { hiddenWidth: 8 } } })]),
  );
  const runDir = (c: (typeof cases)[number]) => join(runsDir, `lock-${c}`, "hopper-random", "bc", "seed0");
  const ids = Object.fromEntries(await Promise.all(cases.map(async (c) => [c, (await queuedRuns(specs[c]!))[0]!.id] as const)));
  const lost = (pid: number, job?: string) => ({ pid, host: "lost-host", since: "2025-01-01T00:00:00.000Z", ...(job ? { job } : {}) });
  // A trainer still running on this host (stopped below, once the job has been seen to wait for it).
  const alive = spawn(process.execPath, ["-e", "setTimeout(() => {}, 120000)"], { stdio: "ignore" });
  const locks: Record<(typeof cases)[number], object> = {
    "last-trainer": lost(4242),
    expired: lost(4243, lockTag("run-gone", "its-token")), // no such job lock in Redis: expired
    "live-job": lost(4244, lockTag("run-elsewhere", "live-token")),
    stranger: lost(4245),
    here: { pid: alive.pid, host: hostname(), since: "2025-01-01T00:00:00.000Z" },
  };
  await client.set(`bull:${QUEUE_NAME}:run-elsewhere:lock`, "live-token", "PX", 120_000);
  for (const c of cases) {
    mkdirSync(runDir(c), { recursive: true });
    writeFileSync(lockPath(runDir(c)), JSON.stringify(locks[c]));
    await enqueueSweep(specs[c]!, url);
  }
  // The job's last recorded trainer, as a worker that lost it would have reported it.
  const progress = (host: string, pid: number) => ({ worker: "lost-host:1", host, pid, step: 10, steps: 20 });
  await (await queue.getJob(ids["last-trainer"]!))!.updateProgress(progress("lost-host", 4242));
  await (await queue.getJob(ids.stranger!))!.updateProgress(progress("lost-host", 9999));
  await (await queue.getJob(ids.here!))!.updateProgress(progress(hostname(), alive.pid!));

  const lines: string[] = [];
  const worker = new RunWorker(url, { runsDir, cli, lockMs: 1000, log: (l) => lines.push(l) });
  await worker.start();
  const stateOf = async (c: (typeof cases)[number]) => (await rows(specs[c]!, url))[0]!;
  try {
    await until("the job to wait for the trainer still running here", () => lines.some((l) => l.includes(`job ${ids.here} waits`)));
    alive.kill("SIGKILL");
    await until(
      "every lock case to end",
      async () => (await Promise.all(cases.map(stateOf))).every((r) => r.state === "done" || r.state === "failed"),
      120_000,
    );
  } finally {
    await worker.close();
    alive.kill("SIGKILL");
  }
  const log = lines.join("\n");
  for (const c of ["last-trainer", "expired", "here"] as const) assert.equal((await stateOf(c)).state, "done", `${c}:\n${log}`);
  const trainerLog = (c: (typeof cases)[number]) => readFileSync(join(runDir(c), "log.txt"), "utf8");
  assert.match(trainerLog("last-trainer"), /taking over the lock of \S+ from pid 4242 on host lost-host/);
  assert.match(log, /pid 4242 on host lost-host .*this job's last trainer: its trainer takes it over/);
  assert.match(trainerLog("expired"), /taking over the lock of \S+ from pid 4243 on host lost-host/);
  assert.match(log, /a trainer of job run-gone, whose lock has expired/);
  assert.match(log, new RegExp(`job ${ids.here} waits: pid ${alive.pid} on host \\S+ .*still runs`));
  for (const [c, why] of [
    ["live-job", /in use by pid 4244 on host lost-host .*for job run-elsewhere, whose lock lives/],
    ["stranger", /in use by pid 4245 on host lost-host .*not a trainer of this job/],
  ] as const) {
    const row = await stateOf(c);
    assert.equal(row.state, "failed", c);
    assert.match(row.note ?? "", why);
    assert.deepEqual(JSON.parse(readFileSync(lockPath(runDir(c)), "utf8")), locks[c], `${c}: the lock is left alone`);
    assert.throws(() => readFileSync(join(runDir(c), "metrics.jsonl")), `${c}: nothing trained`);
  }
}
