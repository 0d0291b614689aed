/**
 * Progress of long jobs: a bar with rate and ETA on a terminal (cli-progress), plain lines
 * about every 10% otherwise (logs, CI), nothing when disabled.
 */
import cliProgress from "cli-progress";

export interface Progress {
  update(value: number, status?: string): void;
  stop(): void;
}

/** A progress display for `total` units of work labelled `label`. */
export function createProgress(label: string, total: number, options: { enabled?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false) return { update() {}, stop() {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% {value}/{total} | {rate}/s | ETA {eta_formatted} | {status}`, stream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    const started = Date.now();
    bar.start(total, 0, { rate: "0", status: "" });
    return {
      update(value, status = "") {
        const rate = value / Math.max((Date.now() - started) / 1000, 1e-3);
        bar.update(value, { rate: rate.toFixed(rate < 10 ? 1 : 0), status });
      },
      stop: () => bar.stop(),
    };
  }
  const started = Date.now();
  let nextReport = 0;
  return {
    update(value, status = "") {
      if (value < nextReport && value < total) return;
      nextReport = value + Math.max(1, Math.ceil(total / 10));
      const secs = (Date.now() - started) / 1000;
      const eta = value > 0 ? (secs * (total - value)) / value : Number.NaN;
      stream.write(
        `${label} ${value}/${total} (${((100 * value) / total).toFixed(0)}%) ${(value / Math.max(secs, 1e-3)).toFixed(1)}/s eta ${Number.isFinite(eta) ? `${eta.toFixed(0)}s` : "?"} ${status}\n`,
      );
    },
    stop() {},
  };
}
