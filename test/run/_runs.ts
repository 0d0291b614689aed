// Helpers for the tests that drive `adept train` through the real CLI: small JSON Lines
// datasets written in a few milliseconds (hopper-shaped when evaluation is needed), and the
// CLI as a child process.
import { type ExecFileException, execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../src/util/rng.js";
import { repoRoot } from "../helpers.js";

export const main = join(repoRoot(), "dist", "src", "cli", "main.js");

/**
 * Writes `n` transitions of width S/A as JSON Lines: random observations and actions, a
 * reward that prefers actions near the first observation, an episode end every 50 rows.
 */
export function writeJsonl(path: string, n: number, S: number, A: number, options: { seed?: number; rewardScale?: number } = {}): string {
  const rng = new Rng(options.seed ?? 1);
  const scale = options.rewardScale ?? 1;
  const lines: string[] = [];
  const vec = (k: number): number[] => Array.from({ length: k }, () => Math.round((rng.uniform() * 2 - 1) * 1e4) / 1e4);
  for (let i = 0; i < n; i++) {
    const observation = vec(S),
      action = vec(A);
    const reward = (1 - (action[0]! - observation[0]!) ** 2) * scale;
    lines.push(JSON.stringify({ observation, action, reward, next_observation: vec(S), terminal: i % 50 === 49 }));
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/** The result of one CLI invocation (never throws on a non-zero exit). */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `adept <args>`; `env` is added to the environment. */
export function adept(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main, ...args],
      { env: { ...process.env, OPENBLAS_NUM_THREADS: "1", ...env }, encoding: "utf8", maxBuffer: 1 << 24 },
      (error: ExecFileException | null, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : null) : 0,
          signal: (error?.signal as NodeJS.Signals | undefined) ?? null,
          stdout,
          stderr,
        }),
    );
  });
}

/** A run's metrics.jsonl as records. */
export function metricsOf(dir: string): Array<Record<string, unknown>> {
  return readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * A sweep's `worldModel` stage and `overrides` small enough for a test that still runs every
 * part of the ADEPT loop (pretraining, IS updates, rollouts, the gap estimate's samples).
 */
export const TINY_STAGE = Object.freeze({
  steps: 20,
  checkpointEvery: 10,
  config: Object.freeze({ width: 16, depth: 1, denoisingSteps: 3 }),
});
export const TINY_ADEPT = Object.freeze({
  hiddenWidth: 16,
  iterationSteps: 20,
  wmStepsPerIteration: 2,
  isBatchSize: 32,
  rolloutCount: 32,
  horizon: 2,
  gapSamples: 32,
  gapRollouts: 0,
  behaviourSteps: 10,
});
