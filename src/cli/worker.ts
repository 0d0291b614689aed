/**
 * `adept worker --queue redis://… --runs-dir DIR`: take queued runs (from `adept sweep
 * --queue`) and run them as `adept train` processes, until stopped. See src/run/queue/ and
 * docs/experiments.md.
 */
import type { Command } from "commander";
import { CliError, parseInteger } from "./errors.js";

export function register(program: Command): void {
  program
    .command("worker")
    .description("Run queued sweep runs (`adept sweep --queue`) from Redis as `adept train` processes, until stopped")
    .option(
      "--queue <url>",
      "the Redis of the sweep: redis://[:password@]host:port[/db], or rediss:// for TLS (default: $ADEPT_QUEUE, which keeps a password out of `ps`)",
    )
    .option(
      "--runs-dir <dir>",
      "where run directories go: storage every worker shares (runs resume on whichever worker takes them)",
      "runs",
    )
    .option("--concurrency <n>", "runs at once", "1")
    .option("--threads <n>", "threads per run (default: this machine's cores divided by --concurrency)")
    .option("--lock-seconds <s>", "a job's lock lifetime; a dead worker's runs go back to the queue within about twice this", "30")
    .action(async (opts: { queue?: string; runsDir: string; concurrency: string; threads?: string; lockSeconds: string }) => {
      const { parseQueueUrl, checkReachable, RunWorker } = await import("../run/queue/index.js");
      const url = opts.queue ?? process.env.ADEPT_QUEUE;
      if (url === undefined || url === "") throw new CliError("adept worker needs --queue <redis://…> (or ADEPT_QUEUE in the environment)");
      const queue = parseQueueUrl(url);
      const concurrency = parseInteger("--concurrency", opts.concurrency, 1);
      const threads = opts.threads === undefined ? undefined : parseInteger("--threads", opts.threads, 1);
      const lockMs = parseInteger("--lock-seconds", opts.lockSeconds, 1) * 1000;
      await checkReachable(queue);
      const worker = new RunWorker(queue, { runsDir: opts.runsDir, concurrency, threads, lockMs });
      await worker.start();
      // First SIGINT/SIGTERM: trainers checkpoint, jobs go back to the queue; a second SIGINT kills the trainers.
      await new Promise<void>((done) => {
        let signals = 0;
        const onSignal = (): void => {
          signals += 1;
          if (signals === 1) void worker.close().then(done);
          else worker.kill();
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
      });
    });
}
