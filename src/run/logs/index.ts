/**
 * A run's logs: metrics.jsonl always (the record every tool of adept reads), and on request
 * `metrics.csv` and TensorBoard event files under `tensorboard/` (`--log csv,tensorboard`).
 * The extra logs are derived from metrics.jsonl: the CSV is rewritten from it after every
 * line, and the event files are rewritten from it when a run opens or resumes (so a resumed
 * run's redone steps do not appear twice), then appended to.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../util/errors.js";
import { MetricsLog } from "../../util/metrics.js";
import { metricsCsv } from "./csv.js";
import type { TensorBoardWriter } from "./tensorboard.js";

export { metricsCsv } from "./csv.js";

/** The log formats, `jsonl` always among them. */
export const LOG_FORMATS = ["jsonl", "csv", "tensorboard"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `csv,tensorboard` → the formats (jsonl added); a bad name is a one-line error naming it. */
export function parseLogFormats(text: string): Set<LogFormat> {
  const formats = new Set<LogFormat>(["jsonl"]);
  for (const name of text.split(",").map((s) => s.trim())) {
    if (name === "") continue;
    if (!(LOG_FORMATS as readonly string[]).includes(name))
      throw new UserError(`--log: unknown log format "${name}" (known: ${LOG_FORMATS.join(", ")}; comma-separated, e.g. csv,tensorboard)`);
    formats.add(name as LogFormat);
  }
  return formats;
}

/** metrics.jsonl and the logs derived from it, written together. */
export class RunLogs {
  private readonly jsonl: MetricsLog;
  private tensorboard?: TensorBoardWriter;

  /** Opens the logs of the run in `dir`; the protobuf code loads only when TensorBoard is asked for. */
  static async open(dir: string, formats: Set<LogFormat>): Promise<RunLogs> {
    const writer = formats.has("tensorboard") ? (await import("./tensorboard.js")).TensorBoardWriter : undefined;
    return new RunLogs(dir, formats, writer);
  }

  private constructor(
    readonly dir: string,
    readonly formats: Set<LogFormat>,
    private readonly Writer?: typeof TensorBoardWriter,
  ) {
    this.jsonl = new MetricsLog(join(dir, "metrics.jsonl"));
    this.rebuild();
  }

  /** Appends one record to every log. */
  write(step: number, values: Record<string, number>): void {
    this.jsonl.write(step, values);
    if (this.formats.has("csv")) this.writeCsv();
    this.tensorboard?.write(step, values);
  }

  /** Every record of metrics.jsonl. */
  read(): Array<Record<string, number>> {
    return this.jsonl.read();
  }

  /** Drops records after `step` (on resume) from every log. */
  truncateAfter(step: number): void {
    this.jsonl.truncateAfter(step);
    this.rebuild();
  }

  private writeCsv(): void {
    const path = join(this.dir, "metrics.csv");
    writeFileSync(`${path}.tmp`, metricsCsv(this.jsonl.read()));
    renameSync(`${path}.tmp`, path);
  }

  /** The derived logs, rewritten from metrics.jsonl. */
  private rebuild(): void {
    if (this.formats.has("csv")) this.writeCsv();
    if (!this.Writer) return;
    const dir = join(this.dir, "tensorboard");
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dir)) if (f.startsWith("events.out.tfevents.")) rmSync(join(dir, f));
    this.tensorboard = new this.Writer(dir);
    for (const { step, time, ...values } of this.jsonl.read()) this.tensorboard.write(step ?? 0, values, time);
  }
}
