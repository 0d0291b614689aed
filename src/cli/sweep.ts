/**
 * `adept sweep <spec.json>`: run a grid of `adept train` runs (dataset × algo × seed), a few
 * at a time, resumably; `--status` shows where it stands. See docs/experiments.md.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { CliError, parseInteger } from "./errors.js";

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
    .action(async (specPath: string, opts: { jobs?: string; status?: boolean; dryRun?: boolean }) => {
      const { readSweepSpec, Sweep, sweepStatus, formatStatus, sweepRuns } = await import("../run/sweep/index.js");
      const spec = readSweepSpec(specPath);
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
        process.stderr.write(`sweep stopped; run \`adept sweep ${specPath}\` again to resume it\n`);
        process.exitCode = 130;
        return;
      }
      if (result.failed.length > 0)
        throw new CliError(
          `${result.failed.length} of ${result.rows.length} runs failed: see ${result.failed.map((name) => join(spec.out, name, "log.txt")).join(", ")}; run the sweep again to retry them`,
        );
      process.stdout.write(
        `sweep ${spec.out}: all ${result.rows.length} runs done (${result.finished.length} now, ${result.skipped.length} before)\n`,
      );
    });
}
