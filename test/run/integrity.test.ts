// The building blocks of runs that cannot lie, one by one: the run-directory lock, checkpoint
// units, names that stay inside their folder, NaN-safe metrics lines, divergence checks and
// the resume comparison. (test/cli/integrity.test.ts reproduces each through the CLI.)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cleanCheckpoints, currentCheckpoint, latestPath, writeCheckpointUnit } from "../../src/run/checkpoint-unit.js";
import { ExplosionWatch, nonFiniteLoss, nonFiniteTensor } from "../../src/run/divergence.js";
import { LOCK_JOB_ENV, lockHolder, lockPath, RunLock, readLock, TAKE_OVER_ENV } from "../../src/run/lock.js";
import { checkResume, type RunConfig } from "../../src/run/resume.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { UserError } from "../../src/util/errors.js";
import { decodeMetricsLine, encodeMetricsLine, MetricsAccumulator, MetricsLog } from "../../src/util/metrics.js";
import { childPath } from "../../src/util/paths.js";

const root = mkdtempSync(join(tmpdir(), "adept-integrity-units-"));
const fresh = (name: string): string => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};
/** A pid that is certainly not running: a child that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ["-e", "process.pid"]).pid!;

after(() => rmSync(root, { recursive: true, force: true }));

describe("run lock", () => {
  it("is exclusive, names its holder, and is released", () => {
    const dir = fresh("lock");
    const lock = RunLock.acquire(dir);
    assert.deepEqual(readLock(dir)?.pid, process.pid);
    assert.equal(readLock(dir)?.host, hostname());
    assert.throws(
      () => RunLock.acquire(dir),
      (e: Error) => e instanceof UserError && new RegExp(`in use by pid ${process.pid} on host`).test(e.message),
    );
    lock.release();
    assert.ok(!existsSync(lockPath(dir)));
    RunLock.acquire(dir).release(); // free again
  });

  it("takes over a stale lock (its pid is gone) but not one from another host", () => {
    const dir = fresh("stale");
    writeFileSync(lockPath(dir), JSON.stringify({ pid: deadPid(), host: hostname(), since: "earlier" }));
    assert.equal(lockHolder(dir), undefined, "stale");
    const lock = RunLock.acquire(dir);
    assert.equal(readLock(dir)?.pid, process.pid);
    lock.release();
    writeFileSync(lockPath(dir), JSON.stringify({ pid: 1, host: "elsewhere", since: "earlier" }));
    assert.throws(() => RunLock.acquire(dir), /in use by pid 1 on host elsewhere .*delete .*\.lock/);
    assert.ok(!readdirSync(dir).some((f) => f.includes(".new-") || f.includes(".stale-")), "no temporary lock files left");
  });

  it("a queue worker's trainer takes over exactly the foreign lock its worker names; not another, nor a live one of this host", () => {
    const dir = fresh("foreign");
    const lost = { pid: 1, host: "elsewhere", since: "earlier" };
    writeFileSync(lockPath(dir), JSON.stringify(lost));
    try {
      process.env[TAKE_OVER_ENV] = JSON.stringify({ ...lost, since: "later" }); // the same pid and host, another lock
      assert.throws(() => RunLock.acquire(dir), /in use by pid 1 on host elsewhere/);
      process.env[TAKE_OVER_ENV] = JSON.stringify(lost);
      process.env[LOCK_JOB_ENV] = "run-0123 00112233aabbccdd";
      const lock = RunLock.acquire(dir);
      assert.deepEqual(
        [readLock(dir)?.pid, readLock(dir)?.host, readLock(dir)?.job],
        [process.pid, hostname(), "run-0123 00112233aabbccdd"],
        "the new lock names its queue job",
      );
      lock.release();
      const live = { pid: process.ppid, host: hostname(), since: "earlier" };
      writeFileSync(lockPath(dir), JSON.stringify(live));
      process.env[TAKE_OVER_ENV] = JSON.stringify(live);
      assert.throws(() => RunLock.acquire(dir), /in use by pid \d+ on host .*stop it first/);
    } finally {
      delete process.env[TAKE_OVER_ENV];
      delete process.env[LOCK_JOB_ENV];
    }
  });
});

describe("checkpoint units", () => {
  it("a unit becomes current as a whole; a half-written one is never read and is cleaned up", async () => {
    const run = fresh("units");
    await writeCheckpointUnit(run, 10, (dir) => {
      writeFileSync(join(dir, "agent.safetensors"), "agent@10");
      writeFileSync(join(dir, "world-model.safetensors"), "wm@10");
    });
    assert.ok(lstatSync(latestPath(run)).isSymbolicLink());
    assert.equal(readFileSync(latestPath(run), "utf8"), "agent@10");
    // A writer that dies halfway (here: throws) leaves the old unit current.
    await assert.rejects(
      writeCheckpointUnit(run, 20, (dir) => {
        writeFileSync(join(dir, "agent.safetensors"), "agent@20");
        throw new Error("killed");
      }),
      /killed/,
    );
    const current = currentCheckpoint(run)!;
    assert.equal(current.step, 10);
    assert.equal(readFileSync(join(current.dir, "world-model.safetensors"), "utf8"), "wm@10");
    writeFileSync(join(run, "best.safetensors.tmp-4242"), "leftover");
    const removed = cleanCheckpoints(run);
    assert.ok(removed.includes("best.safetensors.tmp-4242"));
    assert.ok(
      removed.some((r) => r.includes(".tmp-")),
      removed.join(", "),
    );
    assert.deepEqual(readdirSync(join(run, "checkpoints")), ["step-10"]);
    // The next unit replaces it; the old one is removed.
    await writeCheckpointUnit(run, 30, (dir) => writeFileSync(join(dir, "agent.safetensors"), "agent@30"));
    assert.equal(currentCheckpoint(run)!.step, 30);
    assert.deepEqual(readdirSync(join(run, "checkpoints")), ["step-30"]);
  });

  it("refuses a unit whose files do not match the manifest", async () => {
    const run = fresh("damaged");
    const unit = await writeCheckpointUnit(run, 5, (dir) => writeFileSync(join(dir, "agent.safetensors"), "agent@5"));
    writeFileSync(join(unit.dir, "agent.safetensors"), "agent@6");
    assert.throws(() => currentCheckpoint(run), /damaged: agent\.safetensors does not match the SHA-256/);
    rmSync(join(unit.dir, "agent.safetensors"));
    assert.equal(currentCheckpoint(run), undefined, "a dangling link: nothing to resume");
  });
});

describe("names stay inside their folder", () => {
  it("accepts nested names, refuses . .. empty and absolute parts", () => {
    assert.equal(childPath("/runs", "hopper-random/iql/seed0", "run name"), "/runs/hopper-random/iql/seed0");
    for (const bad of ["..", ".", "", "a/../../b", "/etc", "a//b", "..\\x"])
      assert.throws(
        () => childPath("/runs", bad, "run name"),
        (e: Error) => e instanceof UserError && /would leave its folder \/runs/.test(e.message),
        bad,
      );
  });
});

describe("metrics lines", () => {
  it("write NaN and ±Infinity as strings and read them back; the accumulator keeps them", () => {
    const line = encodeMetricsLine({ step: 3, a: Number.NaN, b: Number.POSITIVE_INFINITY, c: Number.NEGATIVE_INFINITY, d: 1.5 });
    assert.equal(line, '{"step":3,"a":"NaN","b":"Infinity","c":"-Infinity","d":1.5}');
    const back = decodeMetricsLine(line);
    assert.ok(Number.isNaN(back.a));
    assert.equal(back.b, Number.POSITIVE_INFINITY);
    assert.equal(back.c, Number.NEGATIVE_INFINITY);
    const acc = new MetricsAccumulator();
    acc.add({ "loss/q": 1 });
    acc.add({ "loss/q": Number.NaN });
    assert.ok(Number.isNaN(acc.flush()["loss/q"]!), "a NaN is not averaged away");
  });

  it("the accumulator's state carries a half-finished interval across a resume", () => {
    const a = new MetricsAccumulator();
    a.add({ x: 1 });
    a.add({ x: 2 });
    const b = new MetricsAccumulator();
    b.restore(a.state());
    b.add({ x: 6 });
    assert.deepEqual(b.flush(), { x: 3 });
  });

  it("truncates to the lines a checkpoint had seen", () => {
    const log = new MetricsLog(join(fresh("metrics"), "metrics.jsonl"));
    for (let s = 1; s <= 5; s++) log.write(s, { v: s });
    assert.equal(log.lineCount(), 5);
    log.truncateToLines(2);
    assert.deepEqual(
      log.read().map((r) => r.step),
      [1, 2],
    );
    log.write(3, { v: 3 });
    assert.equal(log.lineCount(), 3);
  });
});

describe("divergence checks", () => {
  it("find the first non-finite loss and parameter", () => {
    assert.equal(nonFiniteLoss({ "loss/q": 1, "value/q_mean": Number.NaN }), undefined, "only losses stop a run");
    assert.deepEqual(nonFiniteLoss({ "loss/q": 1, "wm/is_loss": Number.POSITIVE_INFINITY }), {
      quantity: "wm/is_loss",
      value: Number.POSITIVE_INFINITY,
    });
    const t = new Tensor(2, 2);
    assert.equal(nonFiniteTensor({ w: t }), undefined);
    t.data[3] = Number.NaN;
    assert.deepEqual(nonFiniteTensor({ v: new Tensor(1, 1), w: t }), { quantity: "parameter w[3]", value: Number.NaN });
  });

  it("warn once when a loss reaches 1e8× its first value", () => {
    const lines: string[] = [];
    const watch = new ExplosionWatch((l) => lines.push(l));
    watch.baseline({ "loss/q": 2 });
    watch.observe(10, { "loss/q": 1e8 });
    assert.equal(lines.length, 0);
    watch.observe(20, { "loss/q": 2e8 });
    watch.observe(30, { "loss/q": 4e14 });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /loss\/q is 2\.00e\+8 at step 20/);
  });
});

describe("resume comparison", () => {
  const saved: RunConfig = {
    algo: "iql",
    dataset: "d.jsonl",
    datasetPath: "d.jsonl",
    datasetSha256: "abc",
    task: "hopper",
    seed: 0,
    steps: 100,
    batchSize: 256,
    evalEvery: 10,
    evalEpisodes: 2,
    rewardScaling: "auto",
    rewardScale: 1,
    config: { expectile: 0.7 },
  };
  const request = {
    algo: "iql",
    datasetSha256: "abc",
    datasetPath: "d.jsonl",
    seed: 0,
    batchSize: 256,
    evalEvery: 10,
    evalEpisodes: 2,
    rewardScaling: "auto",
    config: {},
    explicit: new Set<string>(),
  };
  const schemaOf = () => ({ expectile: { default: 0.7, doc: "τ" } });

  it("accepts the same settings, and only compares what the command set explicitly", () => {
    checkResume("run", saved, request, schemaOf);
    checkResume("run", saved, { ...request, seed: 5 }, schemaOf); // a default, not typed
  });

  it("refuses a different seed, dataset, algorithm or config field, naming it", () => {
    assert.throws(
      () => checkResume("run", saved, { ...request, seed: 5, explicit: new Set(["seed"]) }, schemaOf),
      /--seed 5 differs from the run's 0/,
    );
    assert.throws(() => checkResume("run", saved, { ...request, datasetSha256: "def" }, schemaOf), /not the data the run was started on/);
    assert.throws(() => checkResume("run", saved, { ...request, algo: "bc" }, schemaOf), /holds a run of --algo iql; --algo bc/);
    assert.throws(
      () => checkResume("run", saved, { ...request, config: { expectile: "0.9" } }, schemaOf),
      /--expectile 0\.9 differs from the run's 0\.7/,
    );
  });

  it("refuses another --variant name, and accepts the run's own", () => {
    const named = { ...saved, variant: "short-horizon" };
    checkResume("run", named, { ...request, variant: "short-horizon" }, schemaOf);
    checkResume("run", named, request, schemaOf); // not given: the run's own
    assert.throws(
      () => checkResume("run", named, { ...request, variant: "long" }, schemaOf),
      /--variant "long" differs from the run's "short-horizon"/,
    );
    assert.throws(() => checkResume("run", saved, { ...request, variant: "long" }, schemaOf), /--variant "long" differs/);
  });
});
