// ADEPT through the real CLI: every variant with tiny budgets, and a run killed with SIGKILL
// that resumes to the same number of steps, losing at most one checkpoint interval.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ADEPT_VARIANTS } from "../../src/adept/config.js";
import { loadAgentCheckpoint } from "../../src/agents/checkpoint.js";
import { buildDataset } from "../../src/collect/build.js";
import { repoRoot } from "../helpers.js";
import { TINY_ADEPT_LOOP } from "./_fixtures.js";

const run = promisify(execFile);
const main = join(repoRoot(), "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "adept-cli-adept-"));
const dataset = join(dir, "hopper-random.hdf5");
const env = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
const tiny = [
  "--dataset",
  dataset,
  "--batch-size",
  "64",
  "--hidden-width",
  "16",
  "--eval-episodes",
  "1",
  "--no-progress",
  "--wm-width",
  "16",
  "--wm-depth",
  "1",
  "--wm-denoising-steps",
  "3",
  "--wm-pretrain-steps",
  "20",
  ...TINY_ADEPT_LOOP,
  "--gap-rollouts",
  "2",
  "--synthetic-size",
  "256",
];

describe("ADEPT through the CLI", () => {
  before(async () => {
    await buildDataset("hopper-random", { size: 2000, out: dataset });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const variant of Object.keys(ADEPT_VARIANTS))
    it(`${variant} trains end to end`, async () => {
      const out = join(dir, variant);
      const { stdout } = await run(
        process.execPath,
        [main, "train", "--algo", variant, "--steps", "40", "--eval-every", "20", "--out", out, ...tiny],
        { env, encoding: "utf8" },
      );
      assert.match(stdout, new RegExp(`${variant} on .*: 40 updates`));
      const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, number>);
      for (const l of lines) for (const [k, v] of Object.entries(l)) assert.ok(Number.isFinite(v), `${variant}: ${k} = ${v}`);
      if (variant !== "synther-iql")
        assert.ok(
          lines.some((l) => "model/rollout_length" in l),
          `${variant} logs its rollouts`,
        );
      assert.ok(
        lines.some((l) => "gap/eps_m" in l),
        `${variant} logs the return-gap terms`,
      );
    });

  it("a run killed with SIGKILL resumes to the same steps, losing at most one checkpoint interval", async () => {
    const out = join(dir, "killed");
    const args = [
      main,
      "train",
      "--algo",
      "adept-iql",
      "--steps",
      "400",
      "--eval-every",
      "0",
      "--checkpoint-every",
      "50",
      "--log-every",
      "10",
      "--out",
      out,
      ...tiny,
    ];
    const child = spawn(process.execPath, args, { env, stdio: "ignore" });
    const latest = join(out, "latest.safetensors");
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (
          existsSync(latest) &&
          existsSync(join(out, "metrics.jsonl")) &&
          readFileSync(join(out, "metrics.jsonl"), "utf8").split("\n").length > 8
        ) {
          clearInterval(poll);
          child.kill("SIGKILL");
          resolve();
        }
      }, 20);
      child.on("exit", () => {
        clearInterval(poll);
        resolve();
      });
      child.on("error", reject);
    });
    await new Promise((r) => child.on("close", r));
    if (existsSync(join(out, "summary.json"))) return; // it finished before the kill: nothing to resume (fast machine)
    const loggedBeforeKill = Math.max(
      ...readFileSync(join(out, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).step as number),
    );
    const checkpointed = loadAgentCheckpoint(latest).agent.updates;
    assert.ok(loggedBeforeKill - checkpointed <= 50, `lost ${loggedBeforeKill - checkpointed} steps (checkpoint every 50)`);
    await run(process.execPath, [...args, "--resume"], { env, encoding: "utf8" });
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.equal(summary.steps, 400);
    const trainingSteps = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => "loss/q" in l)
      .map((l) => l.step as number);
    assert.deepEqual(
      trainingSteps,
      Array.from({ length: 40 }, (_, i) => 10 * (i + 1)),
      "one training line per 10 steps, none lost or repeated",
    );
  });
});
