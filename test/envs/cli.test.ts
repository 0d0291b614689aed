// Smoke tests of the real `adept` command: env list/info and eval, with tiny budgets.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const run = promisify(execFile);

async function adept(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("adept env / adept eval", () => {
  test("env list names the three tasks; --json has sizes and reference scores", async () => {
    const text = await adept("env", "list");
    assert.equal(text.code, 0);
    for (const name of ["halfcheetah", "hopper", "walker2d"]) assert.match(text.stdout, new RegExp(name));
    const rows = JSON.parse((await adept("env", "list", "--json")).stdout);
    assert.deepEqual(
      rows.map((r: { name: string; obsDim: number; actDim: number }) => [r.name, r.obsDim, r.actDim]),
      [
        ["halfcheetah", 17, 6],
        ["hopper", 11, 3],
        ["walker2d", 17, 6],
      ],
    );
  });

  test("env info resolves a D4RL id", async () => {
    const info = JSON.parse((await adept("env", "info", "walker2d-medium-replay-v2", "--json")).stdout);
    assert.equal(info.task, "walker2d");
    assert.deepEqual(info.dataset, { kind: "medium-replay", version: "v2" });
    assert.equal(info.frameSkip, 4);
    assert.equal(info.maxEpisodeSteps, 1000);
    assert.equal(info.terminates, true);
    assert.match((await adept("env", "info", "hopper")).stdout, /terminates\s+when unhealthy/);
  });

  test("eval --json has returns, lengths and normalized {mean, std}; same seed, same result", async () => {
    const args = ["eval", "--env", "hopper", "--policy", "random", "--episodes", "4", "--seed", "3", "--json"];
    const first = await adept(...args);
    assert.equal(first.code, 0, first.stderr);
    const result = JSON.parse(first.stdout);
    assert.equal(result.returns.length, 4);
    assert.equal(result.lengths.length, 4);
    assert.equal(typeof result.normalized.mean, "number");
    assert.equal(typeof result.normalized.std, "number");
    assert.deepEqual(JSON.parse((await adept(...args)).stdout), result);
  });

  test("user errors are one line on stderr and exit code 1", async () => {
    for (const args of [
      ["eval", "--env", "ant"],
      ["eval", "--env", "hopper", "--policy", "missing.ckpt"],
      ["eval", "--env", "hopper", "--episodes", "two"],
      ["env", "info", "hopper-v9"],
    ]) {
      const r = await adept(...args);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, /^adept: [^\n]+\n$/, args.join(" "));
    }
  });
});
