/**
 * `adept sweep <spec.json>`: run a grid of `adept train` runs (dataset × algo × seed), a few
 * at a time, resumably; `--status` shows where it stands. With `--queue redis://…` the runs
 * are enqueued for `adept worker`s on any machine instead (src/run/queue/). See
 * docs/experiments.md.
 */
import { join } from "node:path";
import type { Command } from "commander";
import type { SweepSpec } from "../run/sweep/index.js";
import { CliError, parseInteger } from "./errors.js";

interface SweepFlags {
  jobs?: string;
  status?: boolean;
  dryRun?: boolean;
  queue?: string;
  cancel?: boolean;
  algos?: string;
  seeds?: string;
  datasets?: string;
}

export function register(program: Command): void {
  program
    .command("sweep")
    .description("Run a grid of training runs (datasets × algos × seeds) as worker processes; resumable (see docs/experiments.md)")
    .argument(
      "<spec>",
      'sweep spec (JSON): {"out", "datasets", "algos", "seeds", "steps", "evalEvery", "evalEpisodes", "overrides", "jobs"}',
    )
    .option("--jobs <n>", "runs at once (default: the spec's jobs, else 1)")
    .option("--status", "print the status of every run and exit (starts nothing)")
    .option("--dry-run", "print the `adept train` command of every run not done yet and exit")
    .option("--queue <url>", "enqueue the runs on Redis (redis://[:password@]host:port[/db], rediss:// for TLS) for `adept worker`s")
    .option("--cancel", "with --queue: remove the spec's queued and failed jobs (running and finished ones stay)")
    .option("--algos <list>", "only these of the spec's algos (comma-separated); the stage trains the ensemble only if one is mopo")
    .option("--seeds <list>", "only these of the spec's seeds (comma-separated)")
    .option("--datasets <list>", "only these of the spec's datasets (comma-separated)")
    .action(async (specPath: string, opts: SweepFlags) => {
      const { readSweepSpec, narrowSpec, Sweep, sweepStatus, formatStatus, sweepRuns } = await import("../run/sweep/index.js");
      const list = (value: string | undefined): string[] | undefined => value?.split(",").filter((v) => v !== "");
      const spec = narrowSpec(
        readSweepSpec(specPath),
        {
          algos: list(opts.algos),
          seeds: list(opts.seeds)?.map((v) => parseInteger("--seeds", v, 0)),
          datasets: list(opts.datasets),
        },
        { keepStage: opts.queue !== undefined },
      );
      if (opts.queue !== undefined) {
        await queueCommand(specPath, spec, opts.queue, opts);
        return;
      }
      if (opts.cancel) throw new CliError("--cancel needs --queue <url> (a local sweep is stopped with Ctrl-C)");
      if (opts.status) {
        process.stdout.write(formatStatus(sweepStatus(spec)));
        return;
      }
      if (opts.dryRun) {
        const runs = sweepRuns(spec);
        const rows = sweepStatus(spec, runs);
        for (const [i, run] of runs.entries())
          if (rows[i]!.state !== "done")
            process.stdout.write(
              `adept ${run.command.join(" ")} ${run.trainArgs.join(" ")}${rows[i]!.state === "stopped" ? " --resume" : ""}${run.needs ? `   # after ${run.needs}` : ""}\n`,
            );
        return;
      }
      const jobs = opts.jobs === undefined ? undefined : parseInteger("--jobs", opts.jobs, 1);
      const sweep = new Sweep(spec, { jobs });
      // First SIGINT/SIGTERM: workers checkpoint and exit; a second SIGINT kills them.
      let signals = 0;
      const onSignal = (): void => {
        signals += 1;
        if (signals === 1) sweep.stop();
        else sweep.kill();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      let result: Awaited<ReturnType<typeof sweep.run>>;
      try {
        result = await sweep.run();
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      if (result.stopped) {
        const part = opts.algos || opts.seeds || opts.datasets ? " (with the same --algos / --seeds / --datasets)" : "";
        process.stderr.write(`sweep stopped; run \`adept sweep ${specPath}\`${part} again to resume it\n`);
        process.exitCode = 130;
        return;
      }
      if (result.locked.length > 0)
        throw new CliError(
          `${result.locked.length} run(s) not started because another process writes their directory: ${result.locked.join("; ")}; run the sweep again when it has ended`,
        );
      if (result.failed.length > 0)
        throw new CliError(
          `${result.failed.length} of ${result.rows.length} runs failed: see ${result.failed.map((name) => join(spec.out, name, "log.txt")).join(", ")}; run the sweep again to retry them`,
        );
      process.stdout.write(
        `sweep ${spec.out}: all ${result.rows.length} runs done (${result.finished.length} now, ${result.skipped.length} before)\n`,
      );
    });
}

/** `adept sweep spec --queue url [--status | --cancel]`. */
async function queueCommand(
  specPath: string,
  spec: SweepSpec,
  url: string,
  opts: { status?: boolean; cancel?: boolean; jobs?: string; dryRun?: boolean },
): Promise<void> {
  if (opts.jobs !== undefined)
    throw new CliError("--jobs does not apply to a queued sweep: each `adept worker --concurrency` says how many it runs");
  if (opts.dryRun) throw new CliError("--dry-run does not apply to a queued sweep: use --status");
  const { parseQueueUrl, queueStatus, cancelSweep, enqueueSweep } = await import("../run/queue/index.js");
  const { formatStatus } = await import("../run/sweep/index.js");
  const queue = parseQueueUrl(url);
  if (opts.status) {
    process.stdout.write(formatStatus(await queueStatus(spec, queue)));
    return;
  }
  if (opts.cancel) {
    const { removed, running } = await cancelSweep(spec, queue);
    process.stdout.write(
      `sweep ${spec.out} on ${queue.display}: removed ${removed.length} queued or failed job(s)${running.length ? `; ${running.length} running (stop their workers to stop them): ${running.join(", ")}` : ""}\n`,
    );
    return;
  }
  const { added, existing } = await enqueueSweep(spec, queue);
  const there = Object.entries(existing).map(([state, names]) => `${names.length} ${state}`);
  process.stdout.write(
    `sweep ${spec.out} on ${queue.display}: ${added.length} run(s) enqueued${there.length ? `, already there: ${there.join(", ")}` : ""}\n` +
      `  start workers with \`adept worker --queue <url> --runs-dir <shared dir>\`; watch with \`adept sweep ${specPath} --queue <url> --status\`\n`,
  );
}
