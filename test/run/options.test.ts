// Run options live in one schema (src/run/options.ts): a sweep takes the same fields, checked
// by it, and passes every one but the seed to each worker as the flag `adept train` derives
// from it; leaving one out gives the schema's default, not a default of the sweep's own.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RUN_OPTIONS } from "../../src/run/options.js";
import { parseSweepSpec, SWEEP_RUN_OPTIONS, sweepRuns } from "../../src/run/sweep/index.js";
import { kebab } from "../../src/util/config.js";

const minimal = { out: "runs/x", datasets: ["hopper-random"], algos: ["bc"], seeds: [3], steps: 50 };

describe("run options", () => {
  it("a sweep spec takes every run option but the seed", () => {
    assert.deepEqual(
      Object.keys(SWEEP_RUN_OPTIONS).sort(),
      Object.keys(RUN_OPTIONS)
        .filter((k) => k !== "seed")
        .sort(),
    );
    assert.throws(() => parseSweepSpec({ ...minimal, seed: 1 }), /unknown key "seed"/);
    assert.throws(() => parseSweepSpec({ ...minimal, steps: undefined }), /missing "steps"/);
    assert.throws(() => parseSweepSpec({ ...minimal, evalEpisodes: -1 }), /evalEpisodes: expected an integer ≥ 0, got -1$/);
    assert.throws(() => parseSweepSpec({ ...minimal, batchSize: "64" }), /batchSize: expected an integer ≥ 1, got "64"$/);
  });

  it("each worker gets every run option as its flag, the schema's default where the spec has none", () => {
    const [run] = sweepRuns(parseSweepSpec({ ...minimal, logEvery: 7 }));
    const args = run!.trainArgs;
    const flag = (name: string): string | undefined => args[args.indexOf(`--${kebab(name)}`) + 1];
    assert.equal(flag("seed"), "3");
    assert.equal(flag("steps"), "50");
    assert.equal(flag("logEvery"), "7");
    for (const [name, field] of Object.entries(RUN_OPTIONS))
      if (!["seed", "steps", "logEvery"].includes(name)) assert.equal(flag(name), String(field.default), name);
  });
});
