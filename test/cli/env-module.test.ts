// `--env ./my-env.js` through the CLI: a JavaScript environment module (examples/pendulum-env.js,
// Gymnasium's Pendulum-v1) for `adept eval` and for evaluation during `adept train`, a module
// exporting a MuJoCo task (examples/inverted-pendulum.js), and one-line errors for modules
// that do not load or have the wrong shape.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../helpers.js";
import { PENDULUM_ENV, writePendulumJsonl } from "../ope/_pendulum.js";
import { cli } from "./_fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "adept-env-module-"));
const env = { ...process.env, ADEPT_CACHE: join(dir, "cache") };
const { adept, userError } = cli(env);
const data = join(dir, "pendulum.jsonl");
const INVERTED_PENDULUM = join(repoRoot(), "examples", "inverted-pendulum.js");

/** Writes a module into the test folder and returns its path. */
function module(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const SPACES =
  "export const observationSpace = { low: [-1, -1, -8], high: [1, 1, 8] }; export const actionSpace = { low: [-2], high: [2] };";

describe("--env ./my-env.js", () => {
  before(async () => {
    await writePendulumJsonl(data, 4, 100, 3);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("adept eval runs a module's environment: its time limit, returns, no normalized score without references", async () => {
    const { stdout } = await adept("eval", "--env", PENDULUM_ENV, "--episodes", "3", "--json");
    const result = JSON.parse(stdout) as { lengths: number[]; returns: number[]; normalized?: unknown };
    assert.deepEqual(result.lengths, [200, 200, 200]);
    assert.ok(
      result.returns.every((g) => g < -100),
      `pendulum returns are costs: ${result.returns}`,
    );
    assert.equal(result.normalized, undefined);
    const text = await adept("eval", "--env", PENDULUM_ENV, "--episodes", "2");
    assert.match(text.stdout, /normalized {3}none \(the environment has no reference scores\)/);
  });

  it("adept train evaluates in the module's environment during training, and its checkpoint evaluates there too", async () => {
    const out = join(dir, "bc-pendulum");
    const args = ["train", "--algo", "bc", "--dataset", data, "--out", out, "--env", PENDULUM_ENV];
    await adept(...args, "--steps", "200", "--eval-every", "100", "--eval-episodes", "2", "--hidden-width", "32", "--no-progress");
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, number>);
    const evals = lines.filter((l) => "eval/return_mean" in l);
    assert.equal(evals.length, 2, "two evaluations in 200 steps, every 100");
    assert.ok(evals.every((l) => l["eval/length_mean"] === 200 && !("eval/normalized_mean" in l)));
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { last: { normalized: { mean: number } } };
    assert.equal(summary.last.normalized.mean, evals[1]!["eval/return_mean"], "without references the score is the mean return");
    const { stdout } = await adept("eval", "--env", PENDULUM_ENV, "--policy", join(out, "latest.safetensors"), "--episodes", "2", "--json");
    assert.deepEqual((JSON.parse(stdout) as { lengths: number[] }).lengths, [200, 200]);
  });

  it("a module whose widths differ from the data fails before training, naming both, and leaves no --out", async () => {
    const wide = module(
      "wide.js",
      "export const observationSpace = { shape: [4] }; export const actionSpace = { low: [-1], high: [1] }; export function make() { return { reset: () => [0, 0, 0, 0], step: () => ({ observation: [0, 0, 0, 0], reward: 0, terminated: false, truncated: false }) }; }",
    );
    const out = join(dir, "wide-run");
    await userError(
      ["train", "--algo", "bc", "--dataset", data, "--out", out, "--env", wide, "--steps", "10", "--no-progress"],
      /width 3 and actions of width 1.*wide\.js has 4 and 1/,
    );
    assert.ok(!existsSync(out));
  });

  const broken: [string, string, RegExp][] = [
    ["syntax.js", "export const = 3;", /syntax\.js: the module does not load: .*Unexpected token/],
    ["no-make.js", SPACES, /no-make\.js: the module must export make\(\)/],
    ["no-spaces.js", "export function make() { return {}; }", /no-spaces\.js: observationSpace is not exported/],
    [
      "bad-make.js",
      `${SPACES} export function make() { return { reset() {} }; }`,
      /bad-make\.js: make\(\) must return an object with reset\(seed\) and step\(action\)/,
    ],
    [
      "narrow.js",
      `${SPACES} export function make() { return { reset: () => [0, 1], step: () => ({}) }; }`,
      /narrow\.js: reset\(seed\) returned an observation of width 2, but observationSpace has 3/,
    ],
    [
      "no-reward.js",
      `${SPACES} export function make() { return { reset: () => [1, 0, 0], step: () => ({ observation: [1, 0, 0], terminated: false }) }; }`,
      /no-reward\.js: step\(action\) returned reward undefined, expected a number/,
    ],
    [
      "throws.js",
      `${SPACES} export function make() { return { reset() { throw new Error("boom"); }, step() {} }; }`,
      /throws\.js: reset\(seed\) threw: boom/,
    ],
  ];
  for (const [name, text, pattern] of broken)
    it(`adept eval: ${name} fails in one line naming the module`, async () => {
      await userError(["eval", "--env", module(name, text), "--episodes", "1"], pattern);
    });

  it("adept eval: a module path that does not exist", async () => {
    await userError(["eval", "--env", join(dir, "missing.js")], /missing\.js: no such file/);
  });

  it("adept env info on a module that is not a MuJoCo task says so in one line", async () => {
    await userError(["env", "info", PENDULUM_ENV], /pendulum-env\.js is a JavaScript environment module, not a MuJoCo task/);
  });

  it("a module exporting a MuJoCo task: eval with normalized scores, env info", async () => {
    const { stdout } = await adept("eval", "--env", INVERTED_PENDULUM, "--episodes", "3", "--json");
    const result = JSON.parse(stdout) as { task: string; normalized: { mean: number }; terminated: boolean[] };
    assert.equal(result.task, "inverted-pendulum");
    assert.ok(Number.isFinite(result.normalized.mean) && result.terminated.every(Boolean), "a random policy drops the pole");
    const info = await adept("env", "info", INVERTED_PENDULUM);
    assert.match(info.stdout, /task {9}inverted-pendulum \(InvertedPendulum-v4 semantics\)/);
    assert.match(info.stdout, /action {7}1 in \[-3, 3\]/);
  });
});
