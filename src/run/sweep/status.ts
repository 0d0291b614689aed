/**
 * Where the runs of a sweep stand, read from disk: each run directory says done
 * (summary.json), stopped (a checkpoint, no summary) or pending; the sweep process's status
 * file (`<out>/sweep-status.json`) adds which runs a live sweep is working on and which
 * failed. `adept sweep --status` reads both from another shell.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeMetricsLine } from "../../util/metrics.js";
import { describeOwner, lockHolder, processAlive } from "../lock.js";
import { type SweepRun, type SweepSpec, sweepRuns } from "./spec.js";
import { inspectStage } from "./stages.js";

/**
 * Where a run stands. `stopped`: it has a checkpoint but no summary (it will be resumed).
 * `queued`: a sweep on a queue (src/run/queue/) has its job waiting for a worker.
 */
export type RunState = "done" | "running" | "pending" | "stopped" | "failed" | "queued";

/** A row of the status view. */
export interface RunStatus {
  name: string;
  state: RunState;
  /** The last step logged (metrics.jsonl) or finished (summary.json). */
  step: number;
  steps: number;
  /** Last and best D4RL normalized evaluation score. */
  last?: number;
  best?: number;
  /** Wall seconds (finished runs: the last session's; running: since the worker started). */
  seconds?: number;
  /** Why a run failed (exit code or signal). */
  note?: string;
}

/** The sweep process's own record: its pid and the runs it started or saw fail. */
export interface StatusFile {
  pid: number;
  updated: string;
  runs: Record<string, { state: RunState; note?: string; started?: number }>;
}

/** The status file of a sweep. */
export function statusPath(spec: SweepSpec): string {
  return join(spec.out, "sweep-status.json");
}

/** What the run directory says: done (summary), stopped (checkpoint) or pending, with its step and scores. */
export function inspectRun(run: SweepRun, steps: number): RunStatus {
  const status: RunStatus = { name: run.name, state: "pending", step: 0, steps };
  const summaryFile = join(run.dir, "summary.json");
  if (existsSync(summaryFile)) {
    try {
      const s = JSON.parse(readFileSync(summaryFile, "utf8")) as {
        status?: "finished" | "stopped" | "diverged";
        diverged?: { step: number; quantity: string; value: string };
        steps: number;
        wallSeconds?: number;
        last?: { normalized: { mean: number } };
        best?: { normalized: { mean: number } };
      };
      if (s.status === "diverged" && s.diverged)
        return {
          ...status,
          state: "failed",
          step: s.steps,
          note: `diverged at step ${s.diverged.step}: ${s.diverged.quantity} is ${s.diverged.value}`,
        };
      if (s.status === "stopped") throw new Error("stopped"); // resumable: judged by its checkpoint below
      return {
        ...status,
        state: "done",
        step: s.steps,
        last: s.last?.normalized.mean,
        best: s.best?.normalized.mean,
        seconds: s.wallSeconds,
      };
    } catch {
      // A stopped run's summary, or one being written: fall through to the checkpoint and metrics.
    }
  }
  if (existsSync(join(run.dir, "latest.safetensors"))) status.state = "stopped";
  const metricsFile = join(run.dir, "metrics.jsonl");
  if (existsSync(metricsFile)) {
    for (const line of readFileSync(metricsFile, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      let record: Record<string, number>;
      try {
        record = decodeMetricsLine(line);
      } catch {
        continue; // a line being written
      }
      if (typeof record.step === "number") status.step = Math.max(status.step, record.step);
      const score = record["eval/normalized_mean"];
      if (typeof score === "number") {
        status.last = score;
        status.best = status.best === undefined ? score : Math.max(status.best, score);
      }
    }
  }
  return status;
}

/**
 * The status of every run of a sweep, from the run directories and, for runs a live sweep
 * process is working on or saw fail, from its status file.
 */
export function sweepStatus(spec: SweepSpec, runs: SweepRun[] = sweepRuns(spec)): RunStatus[] {
  const file = readStatusFile(spec);
  const live = file !== undefined && processAlive(file.pid);
  return runs.map((run) => {
    const status = inspectAny(run, spec);
    const recorded = file?.runs[run.name];
    if (status.state === "done") return status;
    // A live trainer that is not this sweep's child (started by hand, or by an earlier sweep's
    // worker) holds the directory's lock: it is running, not stopped.
    const holder = lockHolder(run.dir);
    if (holder && !(recorded?.state === "running" && live)) return { ...status, state: "running", note: `by ${describeOwner(holder)}` };
    if (!recorded) return status;
    if (recorded.state === "running" && live) {
      status.state = "running";
      if (recorded.started !== undefined) status.seconds = (Date.now() - recorded.started) / 1000;
    } else if (recorded.state === "failed") {
      status.state = "failed";
      status.note = recorded.note;
    }
    return status;
  });
}

/** What a run's or a world-model stage's directory says. */
export function inspectAny(run: SweepRun, spec: SweepSpec): RunStatus {
  return run.command[0] === "wm" && spec.worldModel ? inspectStage(run, spec.worldModel) : inspectRun(run, spec.steps);
}

/** The status file, or undefined when there is none (or it is being replaced). */
export function readStatusFile(spec: SweepSpec): StatusFile | undefined {
  try {
    return JSON.parse(readFileSync(statusPath(spec), "utf8")) as StatusFile;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (one home: run/lock.ts, which judges run locks the same way). */
export { processAlive };

/** Writes the status file atomically (a reader never sees half of it). */
export function writeStatusFile(spec: SweepSpec, runs: StatusFile["runs"]): void {
  const file: StatusFile = { pid: process.pid, updated: new Date().toISOString(), runs };
  const path = statusPath(spec);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** The status view: one row per run and a count per state. */
export function formatStatus(rows: RunStatus[]): string {
  const score = (v?: number): string => (v === undefined ? "–" : v.toFixed(1));
  const time = (s?: number): string =>
    s === undefined ? "" : s < 120 ? `${s.toFixed(0)}s` : s < 7200 ? `${(s / 60).toFixed(0)}m` : `${(s / 3600).toFixed(1)}h`;
  const table = [
    ["run", "state", "step", "last", "best", "time", ""],
    ...rows.map((r) => [r.name, r.state, `${r.step}/${r.steps}`, score(r.last), score(r.best), time(r.seconds), r.note ?? ""]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const lines = table.map((row) =>
    row
      .map((cell, c) => (c >= 2 && c <= 5 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
  const counts = (["done", "running", "queued", "stopped", "pending", "failed"] as const)
    .map((s) => [s, rows.filter((r) => r.state === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return `${lines.join("\n")}\n${rows.length} runs: ${counts.join(", ")}\n`;
}
