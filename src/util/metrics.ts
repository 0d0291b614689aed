/**
 * Metrics logging: one JSON object per line (step, wall time, namespaced keys) appended to
 * `metrics.jsonl`, flushed line by line so a killed run keeps everything it logged.
 *
 * JSON has no NaN or Infinity, and `JSON.stringify` would silently write `null`; a value that
 * is not finite is written as the string `"NaN"`, `"Infinity"` or `"-Infinity"` instead (see
 * docs/training.md), and {@link MetricsLog.read} turns those strings back into numbers.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

export class MetricsLog {
  private lines: number | undefined; // counted once, then kept up to date

  constructor(readonly path: string) {}

  /** Appends one record. */
  write(step: number, values: Record<string, number>): void {
    const count = this.lineCount();
    appendFileSync(this.path, `${encodeMetricsLine({ step, time: Date.now() / 1000, ...values })}\n`);
    this.lines = count + 1;
  }

  /** Every record in the file (empty when it does not exist). */
  read(): Array<Record<string, number>> {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(decodeMetricsLine);
  }

  /** Keeps the first `count` lines (used on resume: the lines a checkpoint had seen). */
  truncateToLines(count: number): void {
    if (!existsSync(this.path)) return;
    const lines = readFileSync(this.path, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "");
    writeFileSync(
      `${this.path}.tmp`,
      lines
        .slice(0, count)
        .map((line) => `${line}\n`)
        .join(""),
    );
    renameSync(`${this.path}.tmp`, this.path);
    this.lines = undefined;
  }

  /** How many lines the file has. */
  lineCount(): number {
    this.lines ??= existsSync(this.path)
      ? readFileSync(this.path, "utf8")
          .split("\n")
          .filter((line) => line.trim() !== "").length
      : 0;
    return this.lines;
  }

  /** Drops records after `step` (used on resume: what came after the checkpoint is redone). */
  truncateAfter(step: number): void {
    if (!existsSync(this.path)) return;
    const kept = this.read().filter((r) => (r.step ?? 0) <= step);
    const text = kept.map((r) => `${encodeMetricsLine(r)}\n`).join("");
    writeFileSync(`${this.path}.tmp`, text);
    renameSync(`${this.path}.tmp`, this.path);
    this.lines = undefined;
  }
}

/** Running means of metrics between log lines, so logs summarize every update, not a sample. */
export class MetricsAccumulator {
  private sums: Record<string, number> = {};
  private counts: Record<string, number> = {};

  add(values: Record<string, number>): void {
    // Non-finite values are kept: a NaN loss must reach the log as NaN, not vanish from it.
    for (const [k, v] of Object.entries(values)) {
      this.sums[k] = (this.sums[k] ?? 0) + v;
      this.counts[k] = (this.counts[k] ?? 0) + 1;
    }
  }

  /** Updates added since the last flush. */
  get pending(): number {
    return Math.max(0, ...Object.values(this.counts));
  }

  /** The running sums, saved in checkpoints so the first line after a resume covers a full interval. */
  state(): { sums: Record<string, number>; counts: Record<string, number> } {
    return { sums: { ...this.sums }, counts: { ...this.counts } };
  }

  restore(state: { sums: Record<string, number>; counts: Record<string, number> } | undefined): void {
    this.sums = { ...(state?.sums ?? {}) };
    this.counts = { ...(state?.counts ?? {}) };
  }

  /** The means since the last flush, then reset. */
  flush(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of Object.keys(this.sums)) out[k] = this.sums[k]! / this.counts[k]!;
    this.sums = {};
    this.counts = {};
    return out;
  }
}

/** One metrics record as a JSON line, non-finite numbers as the strings "NaN", "Infinity", "-Infinity". */
export function encodeMetricsLine(record: Record<string, number>): string {
  return JSON.stringify(record, (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? String(value) : value));
}

/** Parses a line written by {@link encodeMetricsLine}; the non-finite strings become numbers again. */
export function decodeMetricsLine(line: string): Record<string, number> {
  return JSON.parse(line, (_key, value: unknown) =>
    value === "NaN" || value === "Infinity" || value === "-Infinity" ? Number(value) : value,
  ) as Record<string, number>;
}
