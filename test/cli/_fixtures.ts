// Small inputs that several CLI tests feed to the real `adept` binary, and the runner.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../helpers.js";

const run = promisify(execFile);
const main = join(repoRoot(), "dist", "src", "cli", "main.js");

/**
 * The built `adept` binary under `env`: `adept(...args)` resolves with its output or rejects
 * with its exit code and output; `userError(args, pattern)` asserts a user error — exit 1, one
 * line matching `pattern`, no stack trace.
 */
export function cli(env: NodeJS.ProcessEnv) {
  const adept = (...args: string[]) => run(process.execPath, [main, ...args], { env, encoding: "utf8" });
  const userError = async (args: string[], pattern: RegExp): Promise<void> => {
    await assert.rejects(adept(...args), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1, error.stderr);
      assert.match(error.stderr, pattern);
      assert.doesNotMatch(error.stderr, /\n\s+at /, "no stack trace");
      assert.equal(error.stderr.trim().split("\n").length, 1, error.stderr);
      return true;
    });
  };
  return { adept, userError };
}

/**
 * A tiny JSON Lines dataset with hopper's widths (observation 11, action 3): 40 transitions of
 * smooth made-up values, the last one terminal — enough for a few updates, not for learning.
 */
export function writeTinyHopperJsonl(file: string): string {
  const lines = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({
      observation: Array.from({ length: 11 }, (_, j) => Math.sin(i + j)),
      action: [0.1, -0.2, 0.3].map((a) => a * Math.cos(i)),
      reward: i / 40,
      next_observation: Array.from({ length: 11 }, (_, j) => Math.sin(i + 1 + j)),
      terminal: i === 39,
    }),
  );
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/**
 * The ADEPT loop at the smallest budget that still runs every stage: iterations of 20 agent
 * steps, 2 world-model updates each, 32 rollouts of 3 steps, 32 gap samples, π_β fitted for
 * 20 steps. (`--gap-rollouts` is each test's own.)
 */
export const TINY_ADEPT_LOOP = [
  "--iteration-steps",
  "20",
  "--wm-steps-per-iteration",
  "2",
  "--is-batch-size",
  "64",
  "--rollout-count",
  "32",
  "--horizon",
  "3",
  "--gap-samples",
  "32",
  "--behaviour-steps",
  "20",
];
