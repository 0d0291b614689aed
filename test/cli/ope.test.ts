// The no-simulator user's path through the CLI, as issue 17 reported it: 400 pendulum
// transitions (observation width 3, actions in [−2, 2]) as JSON Lines. Training fits an
// action scaler; wrong or unknown environments fail in one line before anything is written;
// `adept ope` estimates the policy's value; no user error shows a stack trace.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadAgentCheckpoint } from "../../src/agents/checkpoint.js";
import { agentPolicy } from "../../src/agents/policy.js";
import { writePendulumJsonl } from "../ope/_pendulum.js";
import { cli } from "./_fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "adept-ope-"));
const env = { ...process.env, ADEPT_CACHE: join(dir, "cache") };
const { adept, userError } = cli(env);
const data = join(dir, "pendulum.jsonl");

describe("adept without a simulator: pendulum JSON Lines", () => {
  before(async () => {
    await writePendulumJsonl(data, 4, 100, 3);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const train = (out: string, ...more: string[]) => [
    "train",
    "--algo",
    "bc",
    "--dataset",
    data,
    "--out",
    out,
    "--steps",
    "100",
    "--hidden-width",
    "32",
    "--no-progress",
    ...more,
  ];

  it("--env of another width fails in one line naming both widths, and leaves no --out", async () => {
    const out = join(dir, "hopper-run");
    await userError(train(out, "--env", "hopper"), /width 3 and actions of width 1.*hopper has 11 and 3/);
    assert.ok(!existsSync(out));
  });

  it("an unknown --env fails in one line and leaves --out as it was, so the fixed command works", async () => {
    const out = join(dir, "run");
    await userError(train(out, "--env", "pendulum"), /unknown environment "pendulum"/);
    assert.ok(!existsSync(out));
    const { stdout } = await adept(...train(out));
    assert.match(stdout, /100 updates/);
  });

  it("fits an action scaler: the policy acts in the data's units", () => {
    const { agent, info } = loadAgentCheckpoint(join(dir, "run", "latest.safetensors"));
    assert.ok(info.stats.actionScaler, "a scaler is saved with the checkpoint");
    assert.ok(info.stats.actionScaler.low[0]! < -1.9 && info.stats.actionScaler.high[0]! > 1.9);
    const obs = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i));
    const actions = agentPolicy(agent, info.stats)(obs, 100);
    assert.ok(actions.every((a) => a >= -2 && a <= 2));
  });

  it("adept ope estimates the policy's value by FQE and in both world models", async () => {
    const { stdout } = await adept(
      "ope",
      "--policy",
      join(dir, "run", "latest.safetensors"),
      "--dataset",
      data,
      "--method",
      "all",
      "--fqe-steps",
      "200",
      "--fqe-critics",
      "2",
      "--fqe-width",
      "32",
      "--wm-steps",
      "50",
      "--rollouts",
      "8",
      "--json",
    );
    const report = JSON.parse(stdout);
    assert.ok(Number.isFinite(report.fqe.estimate) && report.fqe.low <= report.fqe.high);
    assert.deepEqual(
      report.models.map((m: { model: string }) => m.model),
      ["diffusion", "gaussian-ensemble"],
    );
    for (const m of report.models) assert.ok(Number.isFinite(m.return.mean) && m.horizon === 100);
    assert.ok(report.diagnostics.actionRmse > 0);
    const text = await adept(
      "ope",
      "--policy",
      join(dir, "run", "latest.safetensors"),
      "--dataset",
      data,
      "--fqe-steps",
      "50",
      "--fqe-width",
      "16",
    );
    assert.match(text.stdout, /fqe {10}-?\d+\.\d+ {2}\[/);
  });

  it("--ope-every estimates the policy during training; the report shows OPE and losses, no broken sentences", async () => {
    const out = join(dir, "runs", "ope-run");
    await adept(...train(out, "--ope-every", "50", "--ope-steps", "100", "--log-every", "25"));
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.equal(summary.ope.step, 100);
    assert.ok(Number.isFinite(summary.ope.fqe) && summary.ope.low <= summary.ope.high);
    const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      metrics.filter((m) => "ope/fqe" in m).map((m) => m.step),
      [50, 100],
    );
    const rep = join(dir, "report");
    const { stdout } = await adept("report", join(dir, "runs"), join(dir, "run"), "--out", rep);
    assert.match(stdout, /no runs scored in a simulator; 2 runs without a simulator/);
    const md = readFileSync(join(rep, "report.md"), "utf8");
    assert.match(md, /2 finished runs, none with a simulator/);
    assert.match(md, /## Runs without a simulator/);
    assert.match(md, /\| pendulum \| BC \| 0 \| 100 \| -?\d/);
    assert.match(md, /figures\/losses-pendulum\.svg/);
    assert.doesNotMatch(md, /Scores \(D4RL|undefined|NaN|at {2}of| {2}gradient/);
  });

  it("user errors in ope, eval and report are one line", async () => {
    await userError(["ope", "--policy", join(dir, "missing.safetensors"), "--dataset", data], /no such file/);
    await userError(["ope", "--policy", data, "--dataset", data], /pendulum\.jsonl/);
    await userError(["eval", "--env", "hopper", "--policy", join(dir, "run", "latest.safetensors"), "--episodes", "1"], /acts on 3/);
    await userError(["report", join(dir, "nothing-here"), "--out", join(dir, "report")], /nothing-here/);
  });
});
