// A sweep's world-model stage and variants: one `wm train` per dataset × seed, run before the
// ADEPT and MOPO runs that start from it (and alongside the runs that need none), reused by
// every variant, shown by the status view; named variants get their own runs and config.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildDataset } from "../../src/collect/build.js";
import { formatStatus, narrowSpec, parseSweepSpec, Sweep, sweepRuns, sweepStatus } from "../../src/run/sweep/index.js";
import { TINY_ADEPT, TINY_STAGE } from "./_runs.js";

const dir = mkdtempSync(join(tmpdir(), "adept-sweep-stage-"));
const datasetPath = join(dir, "hopper-random.hdf5");

describe("a sweep with a world-model stage and variants", () => {
  let raw: Record<string, unknown>;
  before(async () => {
    await buildDataset("hopper-random", { size: 2000, out: datasetPath });
    raw = {
      out: join(dir, "study"),
      datasets: [datasetPath],
      algos: ["iql", "adept-iql", "adept-iql-tempered", "mopo"],
      variants: { "adept-iql-tempered": { algo: "adept-iql", config: { isTemperature: 0.5 } } },
      seeds: [0],
      steps: 40,
      evalEvery: 0,
      evalEpisodes: 1,
      batchSize: 32,
      checkpointEvery: 20,
      logEvery: 20,
      worldModel: { ...TINY_STAGE, baseline: true, ensembleSteps: 10 },
      overrides: { "*": TINY_ADEPT },
      jobs: 2,
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("puts the stage before the runs that start from it, and passes its directory to them", () => {
    const runs = sweepRuns(parseSweepSpec(raw));
    const stage = join(dir, "study", "world-models", "hopper-random", "seed0");
    assert.deepEqual(
      runs.map((r) => [r.name, r.needs ?? ""]),
      [
        ["world-models/hopper-random/seed0", ""],
        ["hopper-random/iql/seed0", ""],
        ["hopper-random/adept-iql/seed0", "world-models/hopper-random/seed0"],
        ["hopper-random/adept-iql-tempered/seed0", "world-models/hopper-random/seed0"],
        ["hopper-random/mopo/seed0", "world-models/hopper-random/seed0"],
      ],
    );
    assert.deepEqual(runs[0]!.command, ["wm", "train"]);
    assert.match(
      runs[0]!.trainArgs.join(" "),
      /--steps 20 --out \S+seed0 --holdout 0.05 .*--baseline --ensemble-steps 10 --width 16 --depth 1 --denoising-steps 3/,
    );
    assert.match(
      runs[3]!.trainArgs.join(" "),
      /--algo adept-iql .*--is-temperature 0\.5 --world-model \S+seed0 --variant adept-iql-tempered$/,
    );
    assert.ok(runs[3]!.trainArgs.includes(stage));
    assert.ok(!runs[1]!.trainArgs.includes("--world-model"), "iql takes no world model");
  });

  it("trains the stage once, then every variant from it; the status view shows the stage", async () => {
    const spec = parseSweepSpec(raw);
    assert.match(formatStatus(sweepStatus(spec)), /world-models\/hopper-random\/seed0\s+pending\s+0\/30/);
    const chunks: string[] = [];
    const result = await new Sweep(spec, { stream: { write: (s: string) => chunks.push(s) } }).run();
    assert.deepEqual(result.failed, [], chunks.join(""));
    const stage = join(dir, "study", "world-models", "hopper-random", "seed0");
    assert.ok(existsSync(join(stage, "train.json")));
    for (const [algo, file] of [
      ["adept-iql", "world-model.safetensors"],
      ["adept-iql-tempered", "world-model.safetensors"],
      ["mopo", "ensemble.safetensors"],
    ] as const) {
      const config = JSON.parse(readFileSync(join(dir, "study", "hopper-random", algo, "seed0", "config.json"), "utf8"));
      assert.equal(config.worldModel.file, join(stage, file), algo);
      assert.equal(config.algo, algo === "mopo" ? "mopo" : "adept-iql");
      if (algo === "adept-iql-tempered") assert.deepEqual([config.variant, config.config.isTemperature], ["adept-iql-tempered", 0.5]);
    }
    // The stage finished before any run that needs it started.
    const log = chunks.join("");
    assert.ok(log.indexOf("finished world-models/hopper-random/seed0") < log.indexOf("started hopper-random/adept-iql/seed0"), log);
    const status = formatStatus(sweepStatus(spec));
    assert.match(status, /world-models\/hopper-random\/seed0\s+done\s+30\/30/);
    assert.match(status, /5 runs: 5 done/);
    // A record that wm train is still rewriting (complete: false), or whose ensemble has no elites
    // chosen yet (no ensembleSteps), is not a finished stage, even with every model at its steps.
    const recordFile = join(stage, "train.json");
    const record = readFileSync(recordFile, "utf8");
    const { ensembleSteps: _, ...noElites } = JSON.parse(record);
    for (const partial of [{ ...JSON.parse(record), complete: false }, noElites]) {
      writeFileSync(recordFile, JSON.stringify(partial));
      assert.match(formatStatus(sweepStatus(spec)), /world-models\/hopper-random\/seed0\s+stopped\s+30\/30/);
    }
    writeFileSync(recordFile, record);
  });

  it("a part of the spec (--algos, --seeds): its runs in the spec's order, and a stage without the ensemble when no mopo is kept", () => {
    const spec = parseSweepSpec({ ...raw, seeds: [0, 1] });
    const part = narrowSpec(spec, { algos: ["adept-iql-tempered", "iql"], seeds: [1] });
    assert.deepEqual(
      sweepRuns(part).map((r) => r.name),
      ["world-models/hopper-random/seed1", "hopper-random/iql/seed1", "hopper-random/adept-iql-tempered/seed1"],
    );
    const stageArgs = sweepRuns(part)[0]!.trainArgs;
    assert.ok(!stageArgs.includes("--baseline"), stageArgs.join(" "));
    assert.equal(part.out, spec.out, "the same runs: a later full sweep skips what the part did");
    assert.ok(sweepRuns(narrowSpec(spec, { algos: ["mopo"] }))[0]!.trainArgs.includes("--baseline"), "mopo kept: the ensemble too");
    const onQueue = narrowSpec(spec, { algos: ["iql"] }, { keepStage: true });
    assert.deepEqual(onQueue.worldModel, spec.worldModel, "on a queue the stage (a job named by its settings) stays whole");
    assert.deepEqual(narrowSpec(spec, {}).algos, spec.algos);
    assert.throws(
      () => narrowSpec(spec, { algos: ["iql", "sac"] }),
      /--algos: "sac" not in the spec's algos \(iql, adept-iql, adept-iql-tempered, mopo\)/,
    );
    assert.throws(() => narrowSpec(spec, { seeds: [2] }), /--seeds: 2 not in the spec's seeds \(0, 1\)/);
  });

  it("refuses mopo without the ensemble, and unknown or clashing variants", () => {
    assert.throws(
      () => parseSweepSpec({ ...raw, worldModel: { steps: 10 } }),
      /worldModel\.baseline: mopo starts from the Gaussian ensemble/,
    );
    assert.throws(() => parseSweepSpec({ ...raw, variants: { iql: { algo: "iql" } } }), /variants\.iql: the name of an algorithm/);
    assert.throws(
      () => parseSweepSpec({ ...raw, variants: { "adept-iql-tempered": { algo: "adept-iql", config: { expectile: "x" } } } }),
      /variants\.adept-iql-tempered\.config\.expectile/,
    );
    assert.throws(
      () => parseSweepSpec({ ...raw, worldModel: { steps: 10, baseline: true, config: { widht: 3 } } }),
      /worldModel\.config.*widht/,
    );
  });
});
