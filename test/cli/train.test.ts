// Smoke test of the real CLI with tiny budgets: build a dataset, train on it, evaluate the
// checkpoint, resume a finished run, and fail clearly on bad input.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { loadAgentCheckpoint } from "../../src/agents/checkpoint.js";
import { codeRecord } from "../../src/util/code-version.js";
import { repoRoot } from "../helpers.js";

const run = promisify(execFile);
const main = join(repoRoot(), "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "adept-cli-"));
const env = { ...process.env, ADEPT_CACHE: join(dir, "cache") };
const adept = (...args: string[]) => run(process.execPath, [main, ...args], { env, encoding: "utf8" });

describe("adept CLI: data build → train → eval", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("builds a small random dataset into the cache", async () => {
    const { stdout } = await adept("data", "build", "hopper-random", "--size", "3000", "--no-progress");
    assert.match(stdout, /3000 transitions/);
    assert.ok(existsSync(join(dir, "cache", "datasets", "hopper-random.hdf5")));
    await assert.rejects(adept("data", "build", "hopper-random", "--size", "3000"), /already exists \(use --force/);
  });

  it("verifies the built dataset's log-probs by id", async () => {
    const { stdout } = await adept("data", "verify", "hopper-random", "--sample", "500");
    assert.match(stdout, /500 rows checked against uniform/);
    assert.match(stdout, /mismatches 0/);
    await assert.rejects(adept("data", "verify", "walker2d-medium"), /not built yet: run `adept data build walker2d-medium`/);
  });

  it("trains, writes a run directory, and evaluates the checkpoint", async () => {
    const out = join(dir, "run-bc");
    const bc200 = ["train", "--algo", "bc", "--dataset", "hopper-random", "--steps", "200", "--out", out, "--no-progress"];
    const { stdout } = await adept(
      ...bc200,
      "--batch-size",
      "64",
      "--hidden-width",
      "32",
      "--eval-every",
      "100",
      "--eval-episodes",
      "2",
      "--log-every",
      "50",
    );
    assert.match(stdout, /bc on hopper-random: 200 updates/);
    for (const f of ["config.json", "metrics.jsonl", "latest.safetensors", "best.safetensors", "summary.json"])
      assert.ok(existsSync(join(out, f)), f);
    // The kernels: one line at start, and the same in config.json, with each part spelled out.
    const kernelLines = stdout.split("\n").filter((l) => l.startsWith("kernels "));
    assert.equal(kernelLines.length, 1, stdout);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    assert.equal(`kernels ${config.backend.summary}`, kernelLines[0]);
    assert.ok(config.backend.kernels.startsWith("native/") || config.backend.kernels === "ts", config.backend.kernels);
    assert.ok(config.backend.threads >= 1 && config.backend.threadsReason.length > 0);
    assert.ok(["fp32", "bf16"].includes(config.backend.precision));
    assert.ok(config.backend.cpu.length > 0 && Array.isArray(config.backend.isa));
    if (config.backend.backend === "openblas") assert.ok(config.backend.openblasCore.length > 0);
    if (config.backend.backend === "onednn") assert.ok(config.backend.onednnIsa.length > 0);
    assert.deepEqual(config.code, codeRecord(), "the code that made it");
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.equal(summary.steps, 200);
    assert.ok(Number.isFinite(summary.last.normalized.mean));
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => "loss/actor" in l) && lines.some((l) => "eval/normalized_mean" in l));
    const evalOut = await adept("eval", "--env", "hopper", "--policy", join(out, "latest.safetensors"), "--episodes", "2", "--json");
    const result = JSON.parse(evalOut.stdout);
    assert.equal(result.returns.length, 2);
    // --deterministic-kernels: the TypeScript kernels' results whatever kernels the process would use
    const evalTs = ["eval", "--env", "hopper", "--policy", join(out, "latest.safetensors"), "--episodes", "2", "--json"];
    const ts = await run(process.execPath, [main, ...evalTs], { env: { ...env, ADEPT_KERNELS: "ts" }, encoding: "utf8" });
    const pinned = await adept(...evalTs, "--deterministic-kernels");
    assert.deepEqual(JSON.parse(pinned.stdout).returns, JSON.parse(ts.stdout).returns);
    // A resumed finished run does nothing more and rewrites nothing: its metrics, config and
    // summary (with the training session's wall time and speed) stay as they were.
    const before = ["metrics.jsonl", "config.json", "summary.json"].map((f) => readFileSync(join(out, f), "utf8"));
    const resumed = await adept(...bc200, "--resume");
    assert.match(resumed.stdout, /200 updates/);
    assert.match(resumed.stderr, /already finished at step 200: nothing to resume/);
    assert.deepEqual(
      ["metrics.jsonl", "config.json", "summary.json"].map((f) => readFileSync(join(out, f), "utf8")),
      before,
    );
    const atFirstEnd = loadAgentCheckpoint(join(out, "latest.safetensors")).info.extra!;
    // Going on with a larger --steps resumes, and records the resume's kernels and code beside
    // the start's; the run's first part as if another commit had made it: a resume says so.
    const other = { version: `${config.code.version}-other`, commit: "0".repeat(40), dirty: false };
    writeFileSync(join(out, "config.json"), JSON.stringify({ ...config, code: other }));
    const extended = await adept(...bc200.map((a) => (a === "200" ? "300" : a)), "--resume");
    assert.match(extended.stdout, /300 updates/);
    assert.match(extended.stderr, /resuming .* from step 200/);
    assert.match(
      extended.stderr,
      /note: .* was trained so far by adept \S+-other at 0000000 and goes on with .*: its numbers from step 200 on may be of other code/,
    );
    const resumedConfig = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    assert.deepEqual(resumedConfig.backend, config.backend);
    assert.equal(resumedConfig.resumedOn.length, 1);
    assert.equal(resumedConfig.resumedOn[0].step, 200);
    assert.deepEqual(resumedConfig.resumedOn[0].code, codeRecord());
    assert.equal(`kernels ${resumedConfig.resumedOn[0].backend.summary}`, extended.stdout.split("\n")[0]);
    const extendedSummary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.equal(extendedSummary.steps, 300);
    assert.ok(extendedSummary.updatesPerSecond > 0, "the extension's own speed");
    // Its wall time counts both sessions: the checkpoint at 200 kept the first session's.
    assert.ok((atFirstEnd.trainingSeconds as number) > 0 && atFirstEnd.trainingSecondsFrom === 0, JSON.stringify(atFirstEnd));
    assert.ok(extendedSummary.wallSeconds > (atFirstEnd.trainingSeconds as number), JSON.stringify(extendedSummary));
    assert.equal(extendedSummary.wallSecondsFrom, undefined, "counted from step 0");
  });

  it("SIGTERM writes a checkpoint and stops; --resume finishes the run", async () => {
    const out = join(dir, "run-term");
    const args = [
      main,
      "train",
      "--algo",
      "bc",
      "--dataset",
      "hopper-random",
      "--steps",
      "1000000",
      "--batch-size",
      "32",
      "--hidden-width",
      "16",
      "--eval-episodes",
      "0",
      "--checkpoint-every",
      "1000000",
      "--out",
      out,
      "--no-progress",
    ];
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    // SIGTERM once training runs (the first metrics line is written), not while it loads.
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(out, "metrics.jsonl")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGTERM");
    const code = await new Promise((r) => child.on("close", r));
    assert.equal(code, 143, "stopped is not finished: 128 + SIGTERM");
    assert.equal(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).status, "stopped");
    const m = /stopped by SIGTERM at step (\d+); checkpoint written/.exec(stderr);
    assert.ok(m, `stderr: ${stderr}`);
    assert.equal(loadAgentCheckpoint(join(out, "latest.safetensors")).agent.updates, Number(m[1]));
  });

  it("rejects bad input with one clear line", async () => {
    await assert.rejects(adept("train", "--algo", "nope", "--dataset", "x", "--out", join(dir, "r")), /unknown --algo "nope"/);
    await assert.rejects(
      adept("train", "--algo", "iql", "--dataset", "walker2d-medium", "--out", join(dir, "r2")),
      /not built yet: run `adept data build walker2d-medium`/,
    );
    await assert.rejects(
      adept("train", "--algo", "bc", "--dataset", "hopper-random", "--expectile", "0.9", "--out", join(dir, "r3")),
      /--expectile does not apply to --algo bc/,
    );
    await assert.rejects(adept("eval", "--env", "hopper", "--policy", join(dir, "missing.safetensors")), /unknown policy/);
  });
});
