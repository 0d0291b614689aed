// World models as reusable artifacts, through the real CLI: `wm train` records the data's
// fingerprint and resumes to the very same model; `train --world-model` starts ADEPT and MOPO
// from it, records it in config.json, and refuses a missing, truncated, foreign or
// other-data file (or a config that contradicts it) in one line, writing nothing to --out.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { buildDataset } from "../../src/collect/build.js";
import { datasetFingerprint } from "../../src/data/fingerprint.js";
import { loadDataset } from "../../src/data/load.js";
import { readWorldModelHeader } from "../../src/diffusion/persist.js";
import { loadTensors } from "../../src/nn/serialize.js";
import { currentCheckpoint } from "../../src/run/checkpoint-unit.js";
import { codeRecord } from "../../src/util/code-version.js";
import { repoRoot } from "../helpers.js";
import { TINY_ADEPT_LOOP } from "./_fixtures.js";

const run = promisify(execFile);
const main = join(repoRoot(), "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "adept-cli-wm-"));
const dataset = join(dir, "hopper-random.hdf5");
const other = join(dir, "other", "hopper-random.hdf5"); // same name and task, other contents
const env = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
const wmFlags = ["--width", "16", "--depth", "1", "--denoising-steps", "3", "--batch-size", "64", "--log-every", "0"];
const agentFlags = ["--batch-size", "64", "--hidden-width", "16", "--eval-episodes", "1", "--eval-every", "0", "--no-progress"];
const adeptFlags = [...TINY_ADEPT_LOOP, "--gap-rollouts", "0"];
const mopoFlags = ["--rollout-count", "32", "--iteration-steps", "20"];

/** `adept wm train` of a tiny model on `data` into `out`, then `more` flags. */
const wmTrain = (data: string, steps: number, out: string, ...more: string[]): string[] => [
  "wm",
  "train",
  "--dataset",
  data,
  "--steps",
  String(steps),
  "--out",
  out,
  ...more,
  ...wmFlags,
];

/** `adept train --algo <algo>` of a tiny agent on the dataset into `out`, then `more` flags. */
const train = (algo: string, steps: number, out: string, ...more: string[]): string[] => [
  "train",
  "--algo",
  algo,
  "--dataset",
  dataset,
  "--steps",
  String(steps),
  "--out",
  out,
  ...agentFlags,
  ...more,
];

/** Runs the CLI; returns its exit code and output instead of throwing. */
async function adept(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], { env, encoding: "utf8" });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("world models as reusable artifacts", () => {
  const wm = join(dir, "wm");
  before(async () => {
    await buildDataset("hopper-random", { size: 2000, out: dataset });
    await buildDataset("hopper-random", { size: 1500, out: other, seed: 7 });
    const r = await adept(wmTrain(dataset, 30, wm, "--checkpoint-every", "10", "--baseline", "--ensemble-steps", "20"));
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("wm train records the fingerprint of its data and the held-out split in each model file", async () => {
    const fingerprint = datasetFingerprint(await loadDataset(dataset));
    for (const [file, updates] of [
      ["world-model.safetensors", 30],
      ["ensemble.safetensors", 20], // --ensemble-steps
    ] as const) {
      const header = readWorldModelHeader(join(wm, file));
      assert.equal(header.provenance?.fingerprint, fingerprint, file);
      assert.deepEqual([header.provenance?.heldOutFraction, header.provenance?.splitSeed, header.updates], [0.1, 0, updates], file);
    }
    assert.notEqual(datasetFingerprint(await loadDataset(other)), fingerprint);
  });

  it("wm train --resume continues to exactly the model of an uninterrupted run", async () => {
    const split = join(dir, "wm-resumed");
    const first = await adept(wmTrain(dataset, 20, split, "--baseline"));
    assert.equal(first.code, 0, first.stderr);
    const firstRecord = JSON.parse(readFileSync(join(split, "train.json"), "utf8"));
    const again = await adept(wmTrain(dataset, 20, split));
    assert.match(again.stderr, /is not empty: pass --resume/);
    const resumed = await adept(wmTrain(dataset, 30, split, "--resume", "--baseline", "--ensemble-steps", "20"));
    assert.equal(resumed.code, 0, resumed.stderr);
    // The ensemble, already at its 20 steps, did not train again: its record is the first session's.
    const record = JSON.parse(readFileSync(join(split, "train.json"), "utf8"));
    assert.deepEqual([record.updates.ensemble, record.seconds.ensemble], [20, firstRecord.seconds.ensemble]);
    assert.deepEqual([record.updates.diffusion, record.complete], [30, true]);
    for (const file of ["world-model.safetensors", "ensemble.safetensors"]) {
      const a = loadTensors(join(wm, file)).tensors,
        b = loadTensors(join(split, file)).tensors;
      assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
      for (const [name, t] of Object.entries(a)) assert.deepEqual(b[name]!.data, t.data, `${file}: ${name}`);
    }
    const otherData = await adept(wmTrain(other, 40, split, "--resume"));
    assert.match(otherData.stderr, /world-model\.safetensors: trained on other data/);
    const otherConfig = await adept([...wmTrain(dataset, 40, split, "--resume"), "--lr", "0.01"]);
    assert.match(otherConfig.stderr, /trained with lr 0\.0003, the flags ask for 0\.01/);
  });

  it("SIGTERM saves the model at the step it reached; --resume goes on to the uninterrupted model, its time counted once", async () => {
    const stopped = join(dir, "wm-stopped");
    const args = [...wmTrain(dataset, 1_000_000, stopped, "--checkpoint-every", "1000000"), "--log-every", "10"];
    const child = spawn(process.execPath, [main, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve())); // training has begun
    child.kill("SIGTERM");
    const code = await new Promise((resolve) => child.on("close", resolve));
    assert.equal(code, 143, `128 + SIGTERM; stderr: ${stderr}`);
    const m = /stopped by SIGTERM: diffusion at step (\d+), saved in .*wm-stopped \(continue with --resume\)/.exec(stderr);
    assert.ok(m, stderr);
    const at = Number(m[1]);
    assert.equal(readWorldModelHeader(join(stopped, "world-model.safetensors")).updates, at, "saved at the step it reached");
    const record = JSON.parse(readFileSync(join(stopped, "train.json"), "utf8"));
    assert.deepEqual([record.complete, record.updates.diffusion], [false, at]);
    assert.ok(record.seconds.diffusion > 0 && record.backend.summary.length > 0, JSON.stringify(record));
    assert.deepEqual(record.sessions, [{ model: "diffusion", from: 0, code: codeRecord() }], "the session that trained, and its code");
    // Resumed to at + 20: the same weights as 20 + at uninterrupted steps; the earlier sessions' time
    // (made long here, so that the resumed session alone cannot reach it) is carried on. The first
    // session as if another version had made it: the resume says so and lists both.
    const other = { version: `${codeRecord().version}-other` };
    writeFileSync(
      join(stopped, "train.json"),
      JSON.stringify({ ...record, seconds: { diffusion: 1000 }, sessions: [{ model: "diffusion", from: 0, code: other }] }),
    );
    const resumed = await adept(wmTrain(dataset, at + 20, stopped, "--resume"));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(
      resumed.stderr,
      /note: .*: the diffusion model was trained so far by adept \S+-other and goes on with .*: its weights from step \d+ on may be of other code/,
    );
    const straight = join(dir, "wm-straight");
    assert.equal((await adept(wmTrain(dataset, at + 20, straight))).code, 0);
    const a = loadTensors(join(straight, "world-model.safetensors")).tensors;
    const b = loadTensors(join(stopped, "world-model.safetensors")).tensors;
    for (const [name, t] of Object.entries(a)) assert.deepEqual(b[name]!.data, t.data, name);
    const done = JSON.parse(readFileSync(join(stopped, "train.json"), "utf8"));
    assert.deepEqual([done.complete, done.updates.diffusion, done.secondsFrom], [true, at + 20, undefined]);
    assert.deepEqual(done.sessions, [
      { model: "diffusion", from: 0, code: other },
      { model: "diffusion", from: at, code: codeRecord() },
    ]);
    assert.ok(
      done.seconds.diffusion > 1000 && done.seconds.diffusion < 1060,
      `${done.seconds.diffusion} s: 1000 before, then this session's`,
    );
  });

  it("adept-iql starts from the world model, records it, and does not pretrain", async () => {
    const out = join(dir, "adept-from-wm");
    const r = await adept(train("adept-iql", 40, out, "--world-model", wm, ...adeptFlags));
    assert.equal(r.code, 0, r.stderr);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    assert.equal(config.worldModel.file, join(wm, "world-model.safetensors"));
    assert.equal(config.worldModel.fingerprint, datasetFingerprint(await loadDataset(dataset)));
    assert.equal(config.worldModel.updates, 30);
    // The run's world-model fields are the file's, not the defaults.
    assert.deepEqual([config.config.wmWidth, config.config.wmDenoisingSteps, config.config.heldOutFraction], [16, 3, 0.1]);
    // 30 pretraining updates from the file, then 2 importance-sampled ones per iteration of 20 steps.
    const unitModel = (): string => join(currentCheckpoint(out)!.dir, "world-model.safetensors");
    assert.equal(readWorldModelHeader(unitModel()).updates, 30 + 2 * 2);
    // A resume restores the run's own copy of the model from its checkpoint: without
    // --world-model, or repeating the original (as a sweep does); another model is refused.
    const resume = train("adept-iql", 60, out, ...adeptFlags, "--resume");
    const resumed = await adept(resume);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /resuming .* from step 40/);
    assert.deepEqual(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).worldModel, config.worldModel);
    assert.equal(readWorldModelHeader(unitModel()).updates, 30 + 2 * 3);
    const repeated = await adept([...resume, "--world-model", wm]);
    assert.equal(repeated.code, 0, repeated.stderr);
    const another = await adept([...resume, "--world-model", join(wm, "ensemble.safetensors")]);
    assert.notEqual(another.code, 0);
    assert.match(another.stderr, /this run started from .*world-model\.safetensors; resume it without --world-model/);
  });

  it("a run may sample the model differently from its file (Table 4's no clipping: --wm-clip false), and says so", async () => {
    const out = join(dir, "adept-no-clip");
    const r = await adept(train("adept-iql", 20, out, "--world-model", wm, ...adeptFlags, "--wm-clip", "false", "--wm-guidance", "0.5"));
    assert.equal(r.code, 0, r.stderr);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    assert.deepEqual(
      [config.config.wmClip, config.config.wmGuidance, config.config.wmWidth],
      [false, 0.5, 16],
      "the run's sampling, the file's model",
    );
    const saved = readWorldModelHeader(join(currentCheckpoint(out)!.dir, "world-model.safetensors")).config as Record<string, unknown>;
    assert.deepEqual([saved.clip, saved.guidance, saved.width], [false, 0.5, 16], "the run's copy samples as the run asked");
    assert.equal(
      (readWorldModelHeader(join(wm, "world-model.safetensors")).config as Record<string, unknown>).clip,
      true,
      "the stage's file is untouched",
    );
  });

  it("mopo starts from the ensemble of the same directory and runs with MOPO's λ and h for hopper-random", async () => {
    const out = join(dir, "mopo-from-wm");
    const r = await adept(train("mopo", 40, out, "--world-model", wm, ...mopoFlags));
    assert.equal(r.code, 0, r.stderr);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    assert.equal(config.worldModel.file, join(wm, "ensemble.safetensors"));
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, number>);
    const rollout = lines.find((l) => "model/penalty_mean" in l);
    assert.ok(rollout && rollout["model/penalty_mean"]! > 0, "rollouts penalized");
    assert.ok(rollout["model/rollout_length"]! <= 5, "h = 5 for hopper-random");
  });

  it("mopo without --world-model trains its own ensemble", async () => {
    const out = join(dir, "mopo-own");
    const r = await adept(train("mopo", 40, out, ...mopoFlags, "--model-steps", "20", "--model-width", "16", "--model-depth", "1"));
    assert.equal(r.code, 0, r.stderr);
    // The ensemble is part of the checkpoint unit, beside the agent.
    const unit = currentCheckpoint(out)!;
    assert.ok(unit.unit && existsSync(join(unit.dir, "ensemble.safetensors")) && existsSync(join(unit.dir, "model-buffer.bin")));
    assert.ok(!existsSync(join(out, "latest-ensemble.safetensors")));
  });

  describe("a bad --world-model fails before training, in one line, writing nothing", () => {
    const truncated = join(dir, "truncated.safetensors");
    const foreign = join(dir, "foreign.safetensors");
    const otherWm = join(dir, "wm-other");
    before(async () => {
      copyFileSync(join(wm, "world-model.safetensors"), truncated);
      truncateSync(truncated, Math.floor(statSync(truncated).size / 2));
      writeFileSync(foreign, "not a tensor file at all, just some text that is long enough");
      const r = await adept(wmTrain(other, 5, otherWm));
      assert.equal(r.code, 0, r.stderr);
    });
    const cases: [string, () => string[], RegExp][] = [
      ["missing", () => ["--world-model", join(dir, "nope.safetensors")], /nope\.safetensors: no such world model file/],
      ["truncated", () => ["--world-model", truncated], /truncated\.safetensors: .*truncated/],
      ["foreign", () => ["--world-model", foreign], /foreign\.safetensors: not an adept world model/],
      [
        "of another kind",
        () => ["--world-model", join(wm, "ensemble.safetensors")],
        /a "gaussian-ensemble" world model; --algo adept-iql starts from a "diffusion" one/,
      ],
      [
        "trained on other data",
        () => ["--world-model", otherWm],
        /trained on other data: its dataset fingerprint .* differs from .*hopper-random\.hdf5's/,
      ],
      ["with a contradicting config", () => ["--world-model", wm, "--wm-width", "32"], /--wm-width 32 differs from the world model's 16/],
    ];
    for (const [what, args, message] of cases)
      it(what, async () => {
        const out = join(dir, `bad-${what.replace(/\W+/g, "-")}`);
        const r = await adept(train("adept-iql", 10, out, ...args()));
        assert.equal(r.code, 1);
        assert.match(r.stderr, message);
        assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
        assert.ok(!existsSync(out), "nothing written to --out");
      });
  });
});
