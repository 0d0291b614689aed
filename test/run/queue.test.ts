// Sweeps on a queue, against a real redis-server (password-protected, AOF on): a 2 datasets ×
// 2 algorithms × 2 seeds sweep through two worker processes ends with the same metrics as
// the local sweep; enqueuing twice runs each job once; a worker killed with -9 mid-run loses
// at most one checkpoint interval and its run finishes on the other worker; a Redis restart
// mid-sweep loses no job; jobs holding shell or path tricks are failed before anything runs;
// the password appears nowhere; an unreachable Redis is one line.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { buildDataset } from "../../src/collect/build.js";
import {
  cancelSweep,
  enqueueSweep,
  JOB_VERSION,
  jobRow,
  parseQueueUrl,
  QUEUE_NAME,
  type QueueUrl,
  queuedRuns,
  queueStatus,
  RunWorker,
  specJobs,
} from "../../src/run/queue/index.js";
import { formatStatus, parseSweepSpec, Sweep, type SweepSpec, sweepRuns } from "../../src/run/sweep/index.js";
import { cli, filesUnder, metrics, until, WorkerProcess } from "./_queue.js";
import { opensslMissing, RedisServer, redisMissing } from "./_redis.js";

const skip = redisMissing();
const dir = mkdtempSync(join(tmpdir(), "adept-queue-"));
const runsDir = join(dir, "shared");
const place = { dir, runsDir };

/** Runs the CLI to the end; returns its exit status and output. */
function adept(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return adeptWith({}, ...args);
}
function adeptWith(env: NodeJS.ProcessEnv, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function states(spec: SweepSpec, url: QueueUrl): Promise<string[]> {
  return (await queueStatus(spec, url)).map((r) => r.state);
}

describe("adept sweep --queue / adept worker (real Redis)", { skip }, () => {
  let redis: RedisServer;
  let url: QueueUrl;
  let base: Record<string, unknown>;
  const datasets = [join(dir, "hopper-random.hdf5"), join(dir, "walker2d-random.hdf5")];

  before(async () => {
    redis = await RedisServer.start();
    url = parseQueueUrl(redis.url);
    await buildDataset("hopper-random", { size: 1000, out: datasets[0] });
    await buildDataset("walker2d-random", { size: 1000, out: datasets[1] });
    base = {
      datasets,
      algos: ["bc", "iql"],
      seeds: [0, 1],
      steps: 40,
      evalEvery: 20,
      evalEpisodes: 1,
      batchSize: 16,
      checkpointEvery: 20,
      logEvery: 10,
      overrides: { "*": { hiddenWidth: 8 } },
      jobs: 2,
    };
  });
  after(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an unreachable Redis is a one-line error", async () => {
    const spec = join(dir, "unreachable.json");
    writeFileSync(spec, JSON.stringify({ ...base, out: join(dir, "unreachable") }));
    for (const args of [
      ["sweep", spec, "--queue", "redis://:hunter2@127.0.0.1:1"],
      ["worker", "--queue", "redis://:hunter2@127.0.0.1:1", "--runs-dir", join(dir, "none")],
    ]) {
      const r = adept(...args);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, "adept: cannot reach Redis at redis://:***@127.0.0.1:1: ECONNREFUSED\n");
    }
    const wrong = adept("sweep", spec, "--queue", `redis://:wrong-pw@127.0.0.1:${redis.port}`);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /^adept: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS[^\n]*\n$/);
  });

  it("fails jobs whose data holds shell or path tricks before anything runs", async () => {
    const marker = join(dir, "pwned");
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: client });
    const good = (await specJobs(parseSweepSpec({ ...base, out: join(dir, "tricks"), algos: ["bc"], seeds: [0] })))[0]!;
    const stage = {
      version: JOB_VERSION,
      kind: "stage",
      dataset: good.dataset,
      fingerprint: good.fingerprint,
      seed: 0,
      stage: { steps: 10 },
    };
    const evil: unknown[] = [
      null,
      { ...stage, dataset: `$(touch ${marker})` },
      { ...stage, stage: { steps: 10, out: "/tmp/elsewhere" } },
      { ...good, needs: "stage-../../x" },
      { ...good, dataset: `hopper-random; rm -rf ${runsDir}` },
      { ...good, dataset: `$(touch ${marker})` },
      { ...good, dataset: "/tmp/../etc/passwd.hdf5" },
      { ...good, dataset: "../../outside.hdf5" },
      { ...good, sweep: "../escape" },
      { ...good, algo: "bc; touch /tmp/x" },
      { ...good, overrides: { hiddenWidth: "8 --out /tmp/elsewhere" } },
      { ...good, version: JOB_VERSION, options: { ...good.options, steps: "40; id" } },
    ];
    const jobs = await queue.addBulk(evil.map((data, i) => ({ name: `evil${i}`, data, opts: { attempts: 3 } })));
    const worker = new RunWorker(url, { runsDir, cli, log: () => {} });
    await worker.start();
    try {
      await until(
        "the evil jobs to fail",
        async () => (await Promise.all(jobs.map((j) => j.getState()))).every((s) => s === "failed"),
        30_000,
      );
    } finally {
      await worker.close();
    }
    for (const job of jobs) {
      const fresh = (await queue.getJob(job.id!))!;
      assert.match(fresh.failedReason, /^job( data|\.(dataset|sweep|algo|overrides|options|needs|stage))/);
      assert.equal(fresh.attemptsMade, 1, `${fresh.failedReason}: failed once, not retried`);
    }
    assert.ok(!existsSync(marker));
    assert.deepEqual(filesUnder(runsDir), [], "no run directory was created");
    assert.ok(!existsSync(join(dir, "escape")));
    await queue.obliterate({ force: true });
    await queue.close();
    client.disconnect();
  });

  it("a 2 × 2 × 2 sweep through two workers ends as the local sweep does; enqueued twice, each run runs once; no password anywhere", async () => {
    const spec = parseSweepSpec({ ...base, out: join(dir, "study") });
    const specPath = join(dir, "study.json");
    writeFileSync(specPath, JSON.stringify({ ...base, out: join(dir, "study") }));
    const first = adept("sweep", specPath, "--queue", redis.url);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /8 run\(s\) enqueued/);
    const second = adept("sweep", specPath, "--queue", redis.url);
    assert.match(second.stdout, /0 run\(s\) enqueued, already there: 8 waiting/);
    assert.match(adept("sweep", specPath, "--queue", redis.url, "--status").stdout, /8 runs: 8 queued/);

    const workers = [new WorkerProcess(place, redis.url, "w1"), new WorkerProcess(place, redis.url, "w2")];
    // Meanwhile, the same sweep locally (its own folder), for the comparison.
    const local = parseSweepSpec({ ...base, out: join(dir, "local", "study") });
    const localResult = await new Sweep(local, { stream: { write: () => true } }).run();
    assert.deepEqual(localResult.failed, []);
    try {
      await until("the queued sweep", async () => (await states(spec, url)).every((s) => s === "done" || s === "failed"), 180_000);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    const status = adept("sweep", specPath, "--queue", redis.url, "--status").stdout;
    assert.match(status, /8 runs: 8 done/, status);
    const third = adept("sweep", specPath, "--queue", redis.url);
    assert.match(third.stdout, /0 run\(s\) enqueued, already there: 8 completed/);

    const localRuns = sweepRuns(local);
    const by = new Set<string>();
    for (const [i, run] of sweepRuns(spec).entries()) {
      const queued = join(runsDir, "study", run.name);
      assert.deepEqual(metrics(queued), metrics(localRuns[i]!.dir), `${run.name}: metrics differ from the local sweep's`);
      const [a, b] = [queued, localRuns[i]!.dir].map((d) => JSON.parse(readFileSync(join(d, "summary.json"), "utf8")));
      assert.deepEqual([a.last, a.best, a.steps], [b.last, b.best, b.steps]);
      const log = readFileSync(join(queued, "log.txt"), "utf8");
      assert.equal(log.match(/^# adept worker /gm)?.length, 1, `${run.name} ran once:\n${log}`);
      // The kernels the worker ran it on, with the threads `--threads 1` gave it.
      const backend = JSON.parse(readFileSync(join(queued, "config.json"), "utf8")).backend;
      assert.deepEqual([backend.threads, backend.threadsReason], [1, "ADEPT_THREADS"], run.name);
      by.add(/# adept worker (\S+)/.exec(log)![1]!);
    }
    assert.equal(by.size, 2, "both workers took runs");
    // The password: not in the workers' output, the status, or any file of the runs.
    for (const text of [
      status,
      first.stdout,
      ...workers.map((w) => w.log()),
      ...filesUnder(join(runsDir, "study")).map((f) => readFileSync(f, "latin1")),
    ])
      assert.ok(!text.includes(redis.password), "the Redis password leaked");
    assert.match(workers[0]!.log(), /worker \S+ on redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
  });

  it("a worker killed with -9 mid-run: the run finishes on the other worker from its checkpoint, no metrics line lost or doubled", async () => {
    const checkpointEvery = 100;
    const logEvery = 50;
    const steps = 2000;
    const spec = parseSweepSpec({
      ...base,
      out: join(dir, "killed"),
      datasets: [datasets[0]],
      algos: ["iql"],
      seeds: [0],
      steps,
      evalEvery: 0,
      evalEpisodes: 0,
      checkpointEvery,
      logEvery,
    });
    await enqueueSweep(spec, url);
    const runDir = join(runsDir, "killed", sweepRuns(spec)[0]!.name);
    const workers = [new WorkerProcess(place, redis.url, "k1"), new WorkerProcess(place, redis.url, "k2")];
    try {
      await until("the run to pass step 400", () => metricsStep(runDir) >= 400);
      const rows = await queueStatus(spec, url);
      assert.equal(rows[0]!.state, "running");
      const owner = workers.find((w) => rows[0]!.note?.endsWith(w.name));
      assert.ok(owner, `status names the worker: ${formatStatus(rows)}`);
      assert.match(formatStatus(rows), /running\s+\d+\/2000.*on \S+:\d+/);
      owner.kill();
      const killedAt = Date.now() / 1000;
      const killedStep = metricsStep(runDir);
      await until("the run to finish elsewhere", async () => (await states(spec, url))[0] === "done", 120_000);
      const other = workers.find((w) => w !== owner)!;
      assert.match(other.log(), /started killed\/hopper-random\/iql\/seed0 \(resume/);
      const lines = readFileSync(join(runDir, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { step: number; time: number });
      assert.deepEqual(
        lines.map((l) => l.step),
        Array.from({ length: steps / logEvery }, (_, i) => (i + 1) * logEvery),
        "every step logged once",
      );
      // Steps redone: from the first line the resumed trainer wrote back to the last one before the kill.
      const firstResumed = lines.find((l) => l.time > killedAt)!.step;
      const lost = killedStep - (firstResumed - logEvery);
      assert.ok(
        lost >= 0 && lost <= checkpointEvery,
        `lost ${lost} steps (killed at ${killedStep}, resumed at ${firstResumed - logEvery})`,
      );
    } finally {
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) await w.stop();
    }
  });

  it("a worker stopped with SIGTERM hands its run back to the queue at once; the next worker resumes it", async () => {
    const spec = parseSweepSpec({
      ...base,
      out: join(dir, "handback"),
      datasets: [datasets[0]],
      algos: ["iql"],
      seeds: [0],
      steps: 1000,
      evalEvery: 0,
      evalEpisodes: 0,
      checkpointEvery: 100,
      logEvery: 50,
    });
    await enqueueSweep(spec, url);
    const runDir = join(runsDir, "handback", sweepRuns(spec)[0]!.name);
    const first = new WorkerProcess(place, redis.url, "h1");
    await until("the run to pass step 200", () => metricsStep(runDir) >= 200);
    await first.stop();
    assert.match(first.log(), /stopped handback\/hopper-random\/iql\/seed0 at step \d+ \(worker stopping\); back to the queue/);
    assert.deepEqual(await states(spec, url), ["queued"]);
    assert.match(readFileSync(join(runDir, "log.txt"), "utf8"), /stopped by SIGTERM at step \d+; checkpoint written/);
    const second = new WorkerProcess(place, redis.url, "h2");
    try {
      await until("the run to finish", async () => (await states(spec, url))[0] === "done");
    } finally {
      await second.stop();
    }
    assert.match(second.log(), /started handback\/hopper-random\/iql\/seed0 \(resume from step [1-9]/);
    const steps = metrics(runDir).map((m) => m.step);
    assert.deepEqual(
      steps,
      Array.from({ length: 20 }, (_, i) => (i + 1) * 50),
    );
  });

  it("a Redis restart (kill -9, AOF) during a sweep loses no job", async () => {
    const spec = parseSweepSpec({ ...base, out: join(dir, "restart"), datasets: [datasets[0]], algos: ["bc"], seeds: [0, 1] });
    await enqueueSweep(spec, url);
    const worker = new WorkerProcess(place, redis.url, "r1");
    try {
      await until("a run to start", async () => (await states(spec, url)).includes("running"));
      await redis.kill();
      await new Promise((r) => setTimeout(r, 500));
      await redis.launch();
      await until("every run", async () => (await states(spec, url)).every((s) => s === "done"), 120_000);
    } finally {
      await worker.stop();
    }
    for (const run of sweepRuns(spec)) {
      const summary = JSON.parse(readFileSync(join(runsDir, "restart", run.name, "summary.json"), "utf8"));
      assert.equal(summary.steps, 40);
    }
  });

  it("rediss:// (TLS): a run through a worker, the certificate checked", { skip: opensslMissing() }, async () => {
    const secure = await RedisServer.start("tls-pw-Qq7", true);
    try {
      const specPath = join(dir, "tls.json");
      writeFileSync(specPath, JSON.stringify({ ...base, out: join(dir, "tls"), datasets: [datasets[0]], algos: ["bc"], seeds: [0] }));
      const untrusted = adept("sweep", specPath, "--queue", secure.url);
      assert.equal(untrusted.status, 1);
      assert.match(
        untrusted.stderr,
        /^adept: cannot reach Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+: DEPTH_ZERO_SELF_SIGNED_CERT[^\n]*\n$/,
      );
      const env = { NODE_EXTRA_CA_CERTS: secure.certificate };
      assert.match(adeptWith(env, "sweep", specPath, "--queue", secure.url).stdout, /1 run\(s\) enqueued/);
      const worker = new WorkerProcess(place, secure.url, "tls", env);
      try {
        await until("the TLS run", () =>
          /1 runs: 1 done/.test(adeptWith(env, "sweep", specPath, "--queue", secure.url, "--status").stdout),
        );
      } finally {
        await worker.stop();
      }
      assert.ok(existsSync(join(runsDir, "tls", "hopper-random", "bc", "seed0", "summary.json")));
    } finally {
      await secure.stop();
    }
  });

  it("--cancel removes queued jobs; the status says they are not enqueued", async () => {
    const spec = parseSweepSpec({ ...base, out: join(dir, "cancelled"), datasets: [datasets[0]], algos: ["bc"], seeds: [5, 6] });
    assert.equal((await enqueueSweep(spec, url)).added.length, 2);
    assert.deepEqual(await states(spec, url), ["queued", "queued"]);
    assert.deepEqual((await cancelSweep(spec, url)).removed.length, 2);
    const rows = await queueStatus(spec, url);
    assert.deepEqual(
      rows.map((r) => [r.state, r.note]),
      [
        ["pending", "not enqueued"],
        ["pending", "not enqueued"],
      ],
    );
  });

  it("a job that finishes between the status's two reads of it shows as running, not as a done without a result", async () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: client });
    const takerClient = new Redis(redis.url, { maxRetriesPerRequest: null });
    const taker = new Worker(QUEUE_NAME, null, { connection: takerClient });
    try {
      const spec = parseSweepSpec({ ...base, out: join(dir, "race"), datasets: [datasets[0]], algos: ["bc"], seeds: [0] });
      const [run] = await queuedRuns(spec);
      await queue.add(run!.name, run!.job, { jobId: run!.id });
      const token = "race-token";
      const active = (await taker.getNextJob(token))!;
      assert.equal(active.id, run!.id);
      // Whichever of the two reads comes first, the job completes right after it.
      const [getJobState, getJob] = [queue.getJobState.bind(queue), queue.getJob.bind(queue)];
      let pending = true;
      const finishAfterFirst = async <T>(value: T): Promise<T> => {
        if (pending) await active.moveToCompleted({ worker: "w", steps: 40 }, token, false);
        pending = false;
        return value;
      };
      Object.assign(queue, {
        getJobState: async (id: string) => finishAfterFirst(await getJobState(id)),
        getJob: async (id: string) => finishAfterFirst(await getJob(id)),
      });
      assert.equal((await jobRow(queue, run!)).state, "running");
      Object.assign(queue, { getJobState, getJob });
      const done = await jobRow(queue, run!);
      assert.deepEqual([done.state, done.step], ["done", 40]);
      await (await queue.getJob(run!.id))?.remove();
    } finally {
      await taker.close();
      await queue.close();
      client.disconnect();
      takerClient.disconnect();
    }
  });
});

/** The last step of a run's metrics.jsonl (0 before the first line). */
function metricsStep(runDir: string): number {
  try {
    const lines = readFileSync(join(runDir, "metrics.jsonl"), "utf8").trim().split("\n");
    return (JSON.parse(lines.at(-1)!) as { step: number }).step;
  } catch {
    return 0;
  }
}
