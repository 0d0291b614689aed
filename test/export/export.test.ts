// Exported policies compute adept's own policy: the ONNX graph run by onnxruntime-web, and the
// dependency-free JSON run by its plain-JS forward, against agentPolicy on 1000 raw
// observations, for every actor head (Gaussian, deterministic, tanh-Gaussian, CQL's).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import * as ort from "onnxruntime-web";
import type { Agent } from "../../src/agents/agent.js";
import { saveAgentCheckpoint } from "../../src/agents/checkpoint.js";
import { agentPolicy } from "../../src/agents/policy.js";
import { makeAgent } from "../../src/agents/registry.js";
import { type DatasetStats, featureStats } from "../../src/data/normalizer.js";
import { POLICY_FORWARD_SOURCE, policyToJson } from "../../src/export/json.js";
import { policyToOnnx, readOnnx } from "../../src/export/onnx.js";
import { policySpec } from "../../src/export/policy.js";
import { Rng } from "../../src/util/rng.js";
import { repoRoot } from "../helpers.js";

ort.env.wasm.numThreads = 1;
const dir = mkdtempSync(join(tmpdir(), "adept-export-"));
const S = 11,
  A = 3,
  N = 1000;

/** Raw observations far from z-scored ones (offsets and scales per dimension), and their statistics. */
function data(seed: number): { observations: Float32Array; stats: DatasetStats } {
  const rng = new Rng(seed);
  const observations = new Float32Array(N * S);
  for (let i = 0; i < observations.length; i++) observations[i] = (i % S) - 5 + (1 + (i % S)) * rng.normal();
  const f = featureStats(observations, S);
  const one = featureStats(new Float32Array([0, 1]), 1);
  return { observations, stats: { version: 1, eps: 1e-3, observations: f, actions: one, rewards: one, rewardScale: 1 } };
}

async function runOnnx(bytes: Uint8Array, observations: Float32Array, n: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ observation: new ort.Tensor("float32", observations.slice(0, n * S), [n, S]) });
    return out.action!.data as Float32Array;
  } finally {
    await session.release();
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const heads: [string, Record<string, unknown>][] = [
  ["iql", {}],
  ["iql", { deterministicActor: true }],
  ["bc", {}],
  ["sac", {}],
  ["cql", {}],
  ["td3bc", {}],
];

describe("policy export", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  const forwardFile = join(dir, "forward.mjs");
  writeFileSync(forwardFile, POLICY_FORWARD_SOURCE);

  for (const [i, [algo, config]] of heads.entries())
    it(`${algo}${Object.keys(config).length ? " (deterministic actor)" : ""}: ONNX and JSON match agentPolicy on ${N} observations (max |Δ| ≤ 1e-5)`, async () => {
      const agent: Agent = makeAgent(algo, S, A, { hiddenWidth: 32, ...config }, i);
      const { observations, stats } = data(i);
      const expected = agentPolicy(agent, stats)(observations, N).slice();
      const spec = policySpec(agent, stats);
      const onnx = await runOnnx(policyToOnnx(spec, "test"), observations, N);
      assert.ok(maxDiff(onnx, expected) <= 1e-5, `ONNX max |Δ| ${maxDiff(onnx, expected)}`);
      const { act } = (await import(pathToFileURL(forwardFile).href)) as { act: (p: unknown, o: Float32Array, n: number) => Float32Array };
      const json = act(JSON.parse(JSON.stringify(policyToJson(spec))), observations, N);
      assert.ok(maxDiff(json, expected) <= 1e-5, `JSON max |Δ| ${maxDiff(json, expected)}`);
      // Not everything squashed to a bound: the comparison sees real values.
      assert.ok(expected.some((a) => Math.abs(a) < 0.9));
    });

  it("the graph has named input/output with a dynamic batch, and maps actions back through the action scaler", async () => {
    const agent = makeAgent("sac", S, A, { hiddenWidth: 16 }, 7);
    const { observations, stats: unscaled } = data(7);
    const low = [-2, 0, -0.5],
      high = [2, 1, 0.5];
    const stats: DatasetStats = { ...unscaled, actionScaler: { kind: "min-max", low, high } };
    const bytes = policyToOnnx(policySpec(agent, stats), "test");
    const graph = readOnnx(bytes).graph!;
    assert.equal(graph.input![0]!.name, "observation");
    assert.equal(graph.output![0]!.name, "action");
    assert.equal(graph.input![0]!.type!.tensorType!.shape!.dim![0]!.dimParam, "batch");
    const scaled = agentPolicy(agent, stats)(observations, N).slice();
    assert.ok(maxDiff(scaled, agentPolicy(agent, unscaled)(observations, N)) > 0.1, "the scaler changes the actions");
    for (const n of [1, 5, N]) assert.ok(maxDiff(await runOnnx(bytes, observations, n), scaled.subarray(0, n * A)) <= 1e-5);
    const { act } = (await import(pathToFileURL(forwardFile).href)) as { act: (p: unknown, o: Float32Array, n: number) => Float32Array };
    assert.ok(maxDiff(act(JSON.parse(JSON.stringify(policyToJson(policySpec(agent, stats)))), observations, N), scaled) <= 1e-5);
  });

  it("adept export writes both formats from a checkpoint", async () => {
    const agent = makeAgent("iql", S, A, { hiddenWidth: 16 }, 3);
    const { observations, stats } = data(3);
    const checkpoint = join(dir, "latest.safetensors");
    saveAgentCheckpoint(checkpoint, agent, { stats, task: "hopper" });
    const main = join(repoRoot(), "dist", "src", "cli", "main.js");
    const expected = agentPolicy(agent, stats)(observations, N).slice();
    const onnxOut = execFileSync(process.execPath, [main, "export", checkpoint, "--out", join(dir, "policy.onnx")], { encoding: "utf8" });
    assert.match(onnxOut, /input "observation" \[batch, 11\], output "action" \[batch, 3\]/);
    assert.ok(maxDiff(await runOnnx(readFileSync(join(dir, "policy.onnx")), observations, N), expected) <= 1e-5);
    execFileSync(process.execPath, [main, "export", checkpoint, "--format", "json", "--out", join(dir, "policy.json")]);
    const { act } = (await import(pathToFileURL(join(dir, "policy.mjs")).href)) as {
      act: (p: unknown, o: Float32Array, n: number) => Float32Array;
    };
    assert.ok(maxDiff(act(JSON.parse(readFileSync(join(dir, "policy.json"), "utf8")), observations, N), expected) <= 1e-5);
    assert.throws(
      () => execFileSync(process.execPath, [main, "export", checkpoint, "--out", join(dir, "policy.onnx")], { stdio: "pipe" }),
      /already exists \(use --force/,
    );
  });
});
