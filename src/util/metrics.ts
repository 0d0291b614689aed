/**
 * Metrics logging: one JSON object per line (step, wall time, namespaced keys) appended to
 * `metrics.jsonl`, flushed line by line so a killed run keeps everything it logged.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

export class MetricsLog {
  constructor(readonly path: string) {}

  /** Appends one record. */
  write(step: number, values: Record<string, number>): void {
    appendFileSync(this.path, `${JSON.stringify({ step, time: Date.now() / 1000, ...values })}\n`);
  }

  /** Every record in the file (empty when it does not exist). */
  read(): Array<Record<string, number>> {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Record<string, number>);
  }

  /** Drops records after `step` (used on resume: what came after the checkpoint is redone). */
  truncateAfter(step: number): void {
    if (!existsSync(this.path)) return;
    const kept = this.read().filter((r) => (r.step ?? 0) <= step);
    const text = kept.map((r) => `${JSON.stringify(r)}\n`).join("");
    writeFileSync(`${this.path}.tmp`, text);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

/** Running means of metrics between log lines, so logs summarize every update, not a sample. */
export class MetricsAccumulator {
  private sums: Record<string, number> = {};
  private counts: Record<string, number> = {};

  add(values: Record<string, number>): void {
    for (const [k, v] of Object.entries(values)) {
      if (!Number.isFinite(v)) continue;
      this.sums[k] = (this.sums[k] ?? 0) + v;
      this.counts[k] = (this.counts[k] ?? 0) + 1;
    }
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
