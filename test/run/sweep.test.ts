// adept sweep: a 2 algos × 2 seeds grid on a tiny dataset runs to the end with real
// `adept train` workers, a second invocation skips it, a run with only a checkpoint is
// resumed, the status view lists the runs, and bad specs fail with one clear line.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Command } from "commander";
import { register } from "../../src/cli/sweep.js";
import { buildDataset } from "../../src/collect/build.js";
import { RunLock } from "../../src/run/lock.js";
import { formatStatus, parseSweepSpec, SpecError, Sweep, type SweepSpec, sweepRuns, sweepStatus } from "../../src/run/sweep/index.js";
import { threadsPerWorker } from "../../src/tensor/native.js";
import { captureStdout } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "adept-sweep-"));
const datasetPath = join(dir, "hopper-random.hdf5");

/** A stream that keeps what the sweep prints. */
function collector(): { write(s: string): boolean; text: () => string } {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s) > 0, text: () => chunks.join("") };
}

/** Runs `adept sweep …` in-process (main.ts registers the module the same way); returns stdout. */
async function cli(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  return captureStdout(() => program.parseAsync(["node", "adept", "sweep", ...args]));
}

function specFile(spec: Record<string, unknown>, name = "spec.json"): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

describe("adept sweep", () => {
  let spec: SweepSpec;
  let raw: Record<string, unknown>;

  before(async () => {
    await buildDataset("hopper-random", { size: 2000, out: datasetPath });
    raw = {
      out: join(dir, "study"),
      datasets: [datasetPath],
      algos: ["bc", "iql"],
      seeds: [0, 1],
      steps: 60,
      evalEvery: 30,
      evalEpisodes: 2,
      batchSize: 32,
      checkpointEvery: 30,
      logEvery: 30,
      overrides: { "*": { hiddenWidth: 16 } },
      jobs: 2,
    };
    spec = parseSweepSpec(raw);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("expands the grid seed-major with names <dataset>/<algo>/seed<k> and the overrides as flags", () => {
    const runs = sweepRuns(spec);
    assert.deepEqual(
      runs.map((r) => r.name),
      ["hopper-random/bc/seed0", "hopper-random/iql/seed0", "hopper-random/bc/seed1", "hopper-random/iql/seed1"],
    );
    const args = runs[1]!.trainArgs.join(" ");
    assert.match(args, /--algo iql --dataset \S+hopper-random\.hdf5 --seed 0 --steps 60 --out \S+study\/hopper-random\/iql\/seed0/);
    assert.match(
      args,
      /--eval-every 30 --eval-episodes 2 --batch-size 32 --checkpoint-every 30 --ope-every 0 --ope-steps 2000 --log-every 30 --log jsonl --hidden-width 16/,
    );
  });

  it("runs every run to the end, at most `jobs` at once, each with its log", async () => {
    const stream = collector();
    const result = await new Sweep(spec, { stream }).run();
    assert.deepEqual(result.failed, [], stream.text());
    assert.equal(result.finished.length, 4);
    for (const run of sweepRuns(spec)) {
      for (const f of ["config.json", "metrics.jsonl", "latest.safetensors", "summary.json", "log.txt"])
        assert.ok(existsSync(join(run.dir, f)), `${run.name}/${f}`);
      const summary = JSON.parse(readFileSync(join(run.dir, "summary.json"), "utf8"));
      assert.equal(summary.steps, 60);
      assert.equal(summary.algo, run.algo);
      assert.equal(summary.seed, run.seed);
      assert.ok(Number.isFinite(summary.last.normalized.mean));
      assert.match(readFileSync(join(run.dir, "log.txt"), "utf8"), /# adept sweep .*: fresh start/);
      // Each worker's kernels, with the share of threads the sweep gave it.
      const backend = JSON.parse(readFileSync(join(run.dir, "config.json"), "utf8")).backend;
      assert.equal(backend.threadsReason, "ADEPT_THREADS", run.name);
      assert.equal(backend.threads, Number(process.env.ADEPT_THREADS ?? threadsPerWorker(2)), run.name);
    }
    assert.match(stream.text(), /4 runs: 4 done/);
    // With 2 jobs the first two runs start before either finishes.
    const events = stream
      .text()
      .split("\n")
      .filter((l) => /\] (started|finished)/.test(l));
    assert.match(events[0]!, /started hopper-random\/bc\/seed0/);
    assert.match(events[1]!, /started hopper-random\/iql\/seed0/);
  });

  it("skips finished runs when invoked again", async () => {
    const stream = collector();
    const result = await new Sweep(spec, { stream }).run();
    assert.equal(result.skipped.length, 4);
    assert.equal(result.finished.length, 0);
    assert.doesNotMatch(stream.text(), /started/);
  });

  it("shows a run whose directory a live process outside the sweep holds as running, by that process", () => {
    const run = sweepRuns(spec)[3]!;
    const summary = readFileSync(join(run.dir, "summary.json"));
    rmSync(join(run.dir, "summary.json"));
    const lock = RunLock.acquire(run.dir); // this test process: alive, and not the sweep's child
    try {
      assert.match(
        formatStatus(sweepStatus(spec)),
        new RegExp(`hopper-random/iql/seed1\\s+running\\s+60/60.*by pid ${process.pid} on host`),
      );
    } finally {
      lock.release();
    }
    assert.match(formatStatus(sweepStatus(spec)), /hopper-random\/iql\/seed1\s+stopped\s+60\/60/);
    writeFileSync(join(run.dir, "summary.json"), summary);
  });

  it("resumes a run that has a checkpoint but no summary", async () => {
    const run = sweepRuns(spec)[3]!;
    rmSync(join(run.dir, "summary.json"));
    const before = readFileSync(join(run.dir, "metrics.jsonl"), "utf8").trim().split("\n").length;
    assert.match(formatStatus(sweepStatus(spec)), /hopper-random\/iql\/seed1\s+stopped\s+60\/60/);
    const stream = collector();
    const result = await new Sweep(spec, { stream }).run();
    assert.deepEqual(result.finished, [run.name]);
    assert.equal(result.skipped.length, 3);
    assert.match(stream.text(), /started hopper-random\/iql\/seed1 \(resume\)/);
    assert.match(readFileSync(join(run.dir, "log.txt"), "utf8"), /resume from latest\.safetensors\n# adept train .*--resume/);
    assert.equal(JSON.parse(readFileSync(join(run.dir, "summary.json"), "utf8")).steps, 60);
    // Resuming a finished-but-unsummarized run redoes only the final evaluation: one more eval line at most.
    const lines = readFileSync(join(run.dir, "metrics.jsonl"), "utf8").trim().split("\n").length;
    assert.ok(lines <= before + 1, `${lines} metric lines after resume, ${before} before`);
  });

  it("--status lists every run with its state, step and score; --dry-run prints nothing when all are done", async () => {
    const path = specFile(raw);
    const out = await cli(path, "--status");
    for (const run of sweepRuns(spec)) assert.match(out, new RegExp(`${run.name}\\s+done\\s+60/60\\s+-?\\d+\\.\\d`));
    assert.match(out, /^run\s+state\s+step\s+last\s+best\s+time/);
    assert.match(out, /4 runs: 4 done/);
    assert.equal(await cli(path, "--dry-run"), "");
  });

  it("shows pending runs and their train commands before a sweep starts", async () => {
    const path = specFile({ ...raw, out: join(dir, "other"), seeds: [7] }, "other.json");
    assert.match(await cli(path, "--status"), /hopper-random\/bc\/seed7\s+pending\s+0\/60/);
    assert.match(await cli(path, "--dry-run"), /^adept train --algo bc --dataset .* --seed 7 .*--hidden-width 16\n/);
    // A part of the spec: only IQL's run.
    const iqlOnly = await cli(path, "--dry-run", "--algos", "iql", "--seeds", "7");
    assert.equal(iqlOnly.trim().split("\n").length, 1, iqlOnly);
    assert.match(iqlOnly, /^adept train --algo iql /);
    await assert.rejects(cli(path, "--status", "--seeds", "x"), /--seeds must be an integer ≥ 0, got "x"/);
  });

  it("stop() ends the workers (SIGTERM, then SIGKILL after the grace period); the runs are left to resume", async () => {
    const long = parseSweepSpec({
      ...raw,
      out: join(dir, "long"),
      algos: ["iql"],
      steps: 1_000_000,
      evalEvery: 0,
      checkpointEvery: 20,
      logEvery: 20,
    });
    const sweep = new Sweep(long, { stream: collector(), stopGraceMs: 2000 });
    const running = sweep.run();
    const runs = sweepRuns(long);
    // Stop once both workers have written a checkpoint (their signal handlers are installed).
    const deadline = Date.now() + 15_000;
    while (!runs.every((r) => existsSync(join(r.dir, "latest.safetensors")))) {
      assert.ok(Date.now() < deadline, "workers wrote no checkpoint");
      await new Promise((r) => setTimeout(r, 50));
    }
    sweep.stop();
    const result = await running;
    assert.equal(result.stopped, true);
    assert.deepEqual(result.failed, []);
    for (const run of runs) {
      // A stopped run is not finished: no summary, or one that says "stopped".
      const summary = join(run.dir, "summary.json");
      assert.ok(!existsSync(summary) || JSON.parse(readFileSync(summary, "utf8")).status === "stopped");
      // Either the worker checkpointed on SIGTERM, or it was killed after the grace period.
      assert.match(
        readFileSync(join(run.dir, "log.txt"), "utf8"),
        /stopped by SIGTERM at step \d+; checkpoint written|after SIGTERM; killed/,
      );
      assert.ok(existsSync(join(run.dir, "latest.safetensors")));
    }
    const rows = sweepStatus(long);
    assert.deepEqual(
      rows.map((r) => r.state),
      ["stopped", "stopped"],
    );
    assert.ok(rows.every((r) => r.step > 0));
    assert.match(
      await cli(
        specFile(
          { ...raw, out: join(dir, "long"), algos: ["iql"], steps: 1_000_000, evalEvery: 0, checkpointEvery: 20, logEvery: 20 },
          "long.json",
        ),
        "--dry-run",
      ),
      /--seed 0 .* --resume\n/,
    );
  });

  it("reports a worker that fails, with the state and a pointer to its log", async () => {
    const broken = join(dir, "broken", "hopper-random.hdf5");
    mkdirSync(join(dir, "broken"), { recursive: true });
    writeFileSync(broken, "not an HDF5 file");
    const failing = parseSweepSpec({ ...raw, out: join(dir, "failing"), datasets: [broken], algos: ["bc"], seeds: [0] });
    const result = await new Sweep(failing, { stream: collector() }).run();
    assert.deepEqual(result.failed, ["hopper-random/bc/seed0"]);
    assert.match(formatStatus(sweepStatus(failing)), /hopper-random\/bc\/seed0\s+failed\s+0\/60.*exit 1, see log\.txt/);
    assert.match(readFileSync(join(failing.out, "hopper-random", "bc", "seed0", "log.txt"), "utf8"), /hopper-random\.hdf5/);
  });

  it("accepts every algorithm adept train accepts, ADEPT variants and their config fields included", () => {
    const spec = parseSweepSpec({
      ...raw,
      algos: ["iql", "adept-iql", "synther-iql"],
      overrides: { "*": { hiddenWidth: 16 }, "adept-iql": { wmDenoisingSteps: 3, horizon: 5 } },
    });
    const [, adept, synther] = sweepRuns(spec);
    assert.match(adept!.trainArgs.join(" "), /--algo adept-iql .*--hidden-width 16 --wm-denoising-steps 3 --horizon 5/);
    assert.doesNotMatch(synther!.trainArgs.join(" "), /--horizon/);
    assert.throws(
      () => parseSweepSpec({ ...raw, algos: ["iql"], overrides: { "*": { wmGuidance: 0.2 } } }),
      /overrides\["\*"\]\.wmGuidance: no algorithm/,
    );
  });

  it("rejects bad specs with a message naming the field", async () => {
    const bad = (patch: Record<string, unknown>): unknown => ({ ...raw, ...patch });
    const cases: Array<[unknown, RegExp]> = [
      [bad({ colour: 1 }), /unknown key "colour" \(known: out, datasets/],
      [bad({ seeds: [0, "1"] }), /seeds: expected a non-empty array of integers/],
      [bad({ steps: 0 }), /steps: expected an integer ≥ 1/],
      [bad({ algos: ["iql", "nope"] }), /algos: unknown algorithm "nope" \(known: .*iql/],
      [bad({ overrides: { sac: { tau: 0.01 } } }), /overrides: "sac" is not one of the sweep's algos/],
      [bad({ overrides: { iql: { expectile: "high" } } }), /overrides\.iql\.expectile: expected a number/],
      [bad({ overrides: { iql: { nope: 1 } } }), /overrides\.iql: unknown field "nope"/],
      [
        bad({ overrides: { "*": { expectile: 0.8 } }, algos: ["bc"] }),
        /overrides\["\*"\]\.expectile: no algorithm of the sweep has this config field/,
      ],
      [bad({ datasets: ["a/hopper-random.hdf5", "b/hopper-random.hdf5"] }), /would share the run name "hopper-random"/],
      [[1], /must be a JSON object/],
    ];
    for (const [input, message] of cases)
      assert.throws(
        () => parseSweepSpec(input),
        (e: unknown) => e instanceof SpecError && message.test(e.message),
      );
    await assert.rejects(
      cli(specFile({ ...raw, algos: ["nope"] }, "bad.json"), "--status"),
      /sweep spec .*bad\.json: algos: unknown algorithm "nope"/,
    );
  });

  it("fails before starting any worker when a dataset is missing", async () => {
    const missing = parseSweepSpec({ ...raw, out: join(dir, "missing"), datasets: ["walker2d-medium"] });
    const previous = process.env.ADEPT_CACHE;
    process.env.ADEPT_CACHE = join(dir, "empty-cache");
    try {
      await assert.rejects(new Sweep(missing, { stream: collector() }).run(), /not built yet: run `adept data build walker2d-medium`/);
    } finally {
      if (previous === undefined) delete process.env.ADEPT_CACHE;
      else process.env.ADEPT_CACHE = previous;
    }
  });
});
