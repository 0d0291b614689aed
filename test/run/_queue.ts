// Helpers of the queue tests (real Redis): `adept worker` processes, waiting for a condition,
// a run's metrics without their wall-clock times, the files under a folder.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers.js";

export const cli = join(repoRoot(), "dist", "src", "cli", "main.js");

/** Where a test's workers write: their logs, and the shared run directories (`--runs-dir`). */
export interface Place {
  dir: string;
  runsDir: string;
}

/** A worker process in its own process group (so that -9 takes its trainers with it, as a lost machine would). */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly logPath: string;
  constructor(place: Place, url: string, name: string, env: NodeJS.ProcessEnv = {}) {
    this.logPath = join(place.dir, `${name}.log`);
    const out = openSync(this.logPath, "a");
    const args = [cli, "worker", "--queue", url, "--runs-dir", place.runsDir, "--lock-seconds", "2", "--threads", "1"];
    this.child = spawn(process.execPath, args, { stdio: ["ignore", out, out], detached: true, env: { ...process.env, ...env } });
    closeSync(out);
  }
  get name(): string {
    return `:${this.child.pid}`;
  }
  log(): string {
    return readFileSync(this.logPath, "utf8");
  }
  /** SIGKILL to the worker and its trainers. */
  kill(): void {
    process.kill(-this.child.pid!, "SIGKILL");
  }
  /** SIGTERM, and waits for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((done) => this.child.once("exit", done));
    this.child.kill("SIGTERM");
    await exited;
  }
}

export async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A run's metrics lines without their wall-clock `time` and timings (`time/…`, e.g. ADEPT's `time/rollout_ms`). */
export function metrics(runDir: string): Record<string, unknown>[] {
  return readFileSync(join(runDir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const { time: _time, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(rest).filter(([key]) => !key.startsWith("time/")));
    });
}

/** Every file under `root`, recursively. */
export function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}
