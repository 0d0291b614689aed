// The crash-safety soak: a training run killed with SIGKILL at up to 20 seeded moments — during
// updates, log writes, evaluations and every stage of a checkpoint write — and resumed each
// time ends with exactly the weights and metrics of the same run left alone. The kill
// moments come from fault points in the loop (src/run/_fault.ts): a kill inside a checkpoint
// write lasts milliseconds and could not be hit reliably from outside.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadTensors } from "../../src/nn/serialize.js";
import { Rng } from "../../src/util/rng.js";
import { adept, metricsOf, writeJsonl } from "./_runs.js";

const dir = mkdtempSync(join(tmpdir(), "adept-soak-"));
const data = writeJsonl(join(dir, "soak.jsonl"), 600, 11, 3, { seed: 5 });
const KILLS = 20;
const common = ["--dataset", data, "--env", "hopper", "--steps", "600", "--eval-every", "80", "--checkpoint-every", "20"];
const tiny = ["--log-every", "10", "--batch-size", "32", "--hidden-width", "16", "--eval-episodes", "1", "--no-progress"];
const adeptTiny = [
  ...["--wm-width", "16", "--wm-depth", "1", "--wm-denoising-steps", "2", "--wm-pretrain-steps", "10", "--behaviour-steps", "10"],
  ...["--iteration-steps", "20", "--wm-steps-per-iteration", "2", "--is-batch-size", "32", "--rollout-count", "16", "--horizon", "2"],
  ...["--gap-samples", "32", "--gap-rollouts", "0"],
];
const mopoTiny = [
  ...["--model-steps", "10", "--members", "3", "--elites", "2", "--model-width", "16", "--model-depth", "1"],
  ...["--penalty", "1", "--rollout-length", "2", "--rollout-count", "16", "--iteration-steps", "20"],
];

/** Where a kill may land, and how many of that event a process passes before it (drawn uniformly). */
const POINTS: Array<[string, number]> = [
  ["update", 50],
  ["log", 5],
  ["eval", 2],
  ["unit-agent", 3],
  ["unit-files", 3],
  ["unit-renamed", 3],
  ["unit-current", 3],
];

/** Metrics without wall-clock values, which no two runs share. */
function deterministicMetrics(run: string): Array<Record<string, unknown>> {
  return metricsOf(run).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== "time" && !k.startsWith("time/"))));
}

function weights(path: string): Record<string, number[]> {
  const { tensors } = loadTensors(path);
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, Array.from(t.data)]));
}

async function soak(algo: string, extra: string[], seed: number, kills = KILLS): Promise<void> {
  const args = (out: string) => ["train", "--algo", algo, ...common, ...tiny, ...extra, "--out", out];
  const reference = join(dir, `${algo}-reference`);
  const ref = await adept(args(reference));
  assert.equal(ref.code, 0, ref.stderr);

  const killed = join(dir, `${algo}-killed`);
  const rng = new Rng(seed);
  const landed: string[] = [];
  let resumedFrom = new Set<number>();
  // Kill until `kills` have landed or the run has finished (a finished run's resume does nothing,
  // so no later kill could land in it).
  for (let attempt = 0; landed.length < kills; attempt++) {
    assert.ok(attempt < 3 * kills, `${attempt} attempts, ${landed.length} kills landed`);
    const [point, most] = POINTS[rng.int(POINTS.length)]!;
    const n = 1 + rng.int(most);
    const r = await adept([...args(killed), "--resume"], { ADEPT_FAULT_KILL: `${point}:${n}` });
    if (/already finished at step/.test(r.stderr)) break;
    const from = /resuming .* from step (\d+)/.exec(r.stderr);
    if (from) resumedFrom.add(Number(from[1]));
    if (r.signal === "SIGKILL") landed.push(`${point}:${n}`);
    else assert.equal(r.code, 0, `${point}:${n}: ${r.stderr}`); // it ended before reaching that point
  }
  assert.ok(landed.length >= Math.ceil(0.6 * kills), `only ${landed.length} of ${kills} kills landed before the run finished`);
  const last = await adept([...args(killed), "--resume"]);
  assert.equal(last.code, 0, last.stderr);
  // The kills were spread over the run: many distinct checkpoints were resumed from.
  const spread = Math.min(5, Math.ceil(kills / 2));
  assert.ok(resumedFrom.size >= spread, `resumed from steps ${[...resumedFrom].join(", ")}`);
  assert.ok(new Set(landed.map((k) => k.split(":")[0])).size >= spread, `kills landed at ${landed.join(", ")}`);

  assert.deepEqual(deterministicMetrics(killed), deterministicMetrics(reference), "metrics.jsonl, line by line");
  assert.deepEqual(weights(join(killed, "latest.safetensors")), weights(join(reference, "latest.safetensors")), "final weights");
  assert.deepEqual(weights(join(killed, "best.safetensors")), weights(join(reference, "best.safetensors")), "best weights");
  const summary = (run: string) => {
    const { wallSeconds: _w, updatesPerSecond: _u, ...rest } = JSON.parse(readFileSync(join(run, "summary.json"), "utf8"));
    return rest;
  };
  assert.deepEqual(summary(killed), summary(reference));
  resumedFrom = new Set();
}

describe("SIGKILL soak: up to 20 kills (mopo: 6), resumed each time, equal an uninterrupted run", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  it("iql", () => soak("iql", [], 11));
  it("adept-iql (agent, world model, model buffer, behaviour model, loop state)", () => soak("adept-iql", adeptTiny, 12));
  // Fewer kills: MOPO's extra state (ensemble, model buffer, rollout RNG) goes through the same unit code.
  it("mopo, 6 kills (agent, ensemble, model buffer, rollout RNG)", () => soak("mopo", mopoTiny, 13, 6));
});
