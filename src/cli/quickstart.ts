/**
 * `adept quickstart`: the newcomer's first run, end to end on a small default — build a
 * dataset from the committed behaviour policies, train IQL and ADEPT+IQL on it, evaluate
 * both in the simulator and write a report. A few minutes on a 2-core machine.
 *
 * Runs are filed under the arguments that decide them (dataset, size, steps, seed), so a
 * quickstart with other arguments trains anew beside the old runs, and one with the same
 * arguments says that it reuses them and why; the report covers this invocation's runs only.
 *
 * It runs on a random dataset, as issue 16's study did, and ends with what that study found
 * (one sentence, {@link STUDY_FINDING}) beside the same measurement made here.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { startBackend } from "./doctor.js";
import { parseInteger } from "./errors.js";

/** What issue 16's study measured (RESULTS.md §5), in one sentence; the quickstart's own numbers follow it. */
export const STUDY_FINDING =
  "On random data ADEPT's importance weights were degenerate at every budget our study ran, 10k to 200k steps (RESULTS.md §5.1, seeds 0–1): most logged random actions are far less likely under the trained policy than under the uniform behaviour policy, so most ratios π/π_β sit at the clip floor 1/c, a few rows near the policy's mode carry the weight, and the world model learns from 8–18 % of its batch — and at 200k steps, 3 seeds, ADEPT+IQL's random average was within noise of IQL's (+0.2 points, 95 % CI [−2.4, +2.8]; the paper claims +211.8 %).";

interface QuickstartOptions {
  dataset: string;
  size: string;
  steps: string;
  seed: string;
  out: string;
  precision?: string;
  progress: boolean;
}

export function register(program: Command): void {
  program
    .command("quickstart")
    .description("Build a small dataset, train IQL and ADEPT+IQL briefly, evaluate both and write a report (a few minutes)")
    .option("--dataset <id>", "dataset to build (from policies/; the study's hopper-random by default)", "hopper-random")
    .option("--size <n>", "transitions in the dataset", "50000")
    .option("--steps <n>", "agent updates per algorithm", "10000")
    .option("--seed <s>", "seed", "0")
    .option("--out <dir>", "where the dataset, runs and report go", "runs/quickstart")
    .option("--precision <name>", "matrix products: fp32 | bf16, as adept train's (default: $ADEPT_PRECISION or fp32)")
    .option("--no-progress", "no progress bars")
    .action(async (opts: QuickstartOptions) => {
      const size = parseInteger("--size", opts.size, 0),
        steps = parseInteger("--steps", opts.steps, 0),
        seed = parseInteger("--seed", opts.seed, 0);
      await startBackend(opts.precision); // the `kernels …` line, as adept train prints it
      const { buildDataset } = await import("../collect/build.js");
      const { trainOffline } = await import("../run/train.js");
      const { createProgress } = await import("../util/progress.js");
      const { readRun, writeReport } = await import("../run/report/index.js");
      mkdirSync(opts.out, { recursive: true });
      const started = Date.now();
      const say = (text: string): void => {
        process.stderr.write(`[quickstart ${((Date.now() - started) / 1000).toFixed(0)}s] ${text}\n`);
      };

      // 1. Data.
      const datasetPath = join(opts.out, `${opts.dataset}-${size}.hdf5`);
      if (!existsSync(datasetPath)) {
        say(`building ${opts.dataset} (${size} transitions) with the behaviour policies in policies/`);
        const bar = createProgress(`build ${opts.dataset}`, size, { enabled: opts.progress });
        await buildDataset(opts.dataset, { size, seed, out: datasetPath, onProgress: (n) => bar.update(n) });
        bar.stop();
      } else say(`using ${datasetPath}`);

      // 2. Train and evaluate both (the same budget, seed and evaluation protocol).
      const evalEvery = Math.max(1, Math.floor(steps / 4));
      const runs: string[] = [];
      const key = `${opts.dataset}-${size}-steps${steps}`;
      for (const algo of ["iql", "adept-iql"]) {
        const out = join(opts.out, "runs", key, algo, `seed${seed}`);
        runs.push(out);
        if (existsSync(join(out, "summary.json"))) {
          say(
            `${algo}: reusing ${out}, trained before with the same arguments (${opts.dataset}, ${size} transitions, ${steps} steps, seed ${seed})`,
          );
          continue;
        }
        say(`${algo}: ${existsSync(out) ? `resuming the unfinished run in ${out}` : `training for ${steps} steps in ${out}`}`);
        const config =
          algo === "adept-iql" ? { wmPretrainSteps: Math.min(5000, steps), iterationSteps: Math.max(250, Math.floor(steps / 10)) } : {};
        const summary = await trainOffline({
          algo,
          dataset: datasetPath,
          steps,
          seed,
          out,
          config,
          evalEvery,
          evalEpisodes: 10,
          checkpointEvery: evalEvery,
          resume: existsSync(out),
          progress: opts.progress,
        });
        say(
          `${algo}: last ${summary.last?.normalized.mean.toFixed(1)} ± ${summary.last?.normalized.std.toFixed(1)}, best ${summary.best?.normalized.mean.toFixed(1)} (D4RL normalized)`,
        );
      }

      // 3. The study's finding, and the same measurement here: ADEPT+IQL's last importance weights.
      const weights = importanceWeightsLine(readRun(runs[1]!).metrics);
      const intro = /-random(-\d+)?$/.test(opts.dataset) ? [`Finding: ${STUDY_FINDING}`, `Here: ${weights}`] : [weights]; // the study ran on random data
      if (intro.length === 2) say(`finding: ${STUDY_FINDING}`);
      say(`here: ${weights}`);

      // 4. The report.
      const reportDir = join(opts.out, "report");
      await writeReport(runs, { out: reportDir, score: "last", intro });
      say(`report: ${join(reportDir, "report.md")} and report.html — done in ${((Date.now() - started) / 60000).toFixed(1)} min`);
    });
}

/** ADEPT+IQL's importance weights at its last world-model update, from its metrics lines. */
export function importanceWeightsLine(metrics: Array<Record<string, number>>): string {
  const last = metrics.findLast((m) => "wm/ess_fraction" in m);
  if (!last) return "ADEPT+IQL logged no importance-weighted world-model update";
  const pct = (v: number | undefined): string => (v === undefined ? "–" : `${(100 * v).toFixed(0)} %`);
  const high = last["wm/clipped_high_fraction"];
  const clipped = last["wm/clipped_fraction"];
  const low = clipped === undefined || high === undefined ? undefined : Math.max(0, clipped - high); // no "−0 %" from rounding
  return `ADEPT+IQL's importance weights at step ${last.step}: ESS/N ${last["wm/ess_fraction"]!.toFixed(2)}, ${pct(low)} of the ratios at the floor 1/c, ${pct(high)} at c`;
}
