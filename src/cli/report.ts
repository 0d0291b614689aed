/**
 * `adept report <runs…> --out <dir>`: the score table in the layout of the paper's Table 1,
 * learning curves and world-model diagnostics, as report.md and a self-contained report.html.
 */
import type { Command } from "commander";
import type { ScoreKind } from "../run/report/table.js";
import { CliError } from "./errors.js";

export function register(program: Command): void {
  program
    .command("report")
    .description(
      "Write report.md and a self-contained report.html from run directories (score table vs the paper, learning curves, world-model diagnostics)",
    )
    .argument("<runs...>", "run directories, or folders searched recursively for runs (config.json)")
    .requiredOption("--out <dir>", "where report.md, report.html and figures/ go")
    .option("--score <which>", "which evaluation of each run the table shows: last | best | last3 (the mean of the last three)", "last")
    .option("--title <text>", "title of the report", "adept report")
    .option(
      "--compare <a:b>",
      "compare algorithm a with b seed by seed (difference, 95 % interval, verdict); repeatable or comma-separated, e.g. adept-iql:iql,adept-sac:sac",
      (value: string, previous: string[]) => [...previous, ...value.split(",").filter((v) => v !== "")],
      [] as string[],
    )
    .action(async (roots: string[], opts: { out: string; score: string; title: string; compare: string[] }) => {
      const { SCORE_KINDS } = await import("../run/report/table.js");
      if (!SCORE_KINDS.includes(opts.score as ScoreKind))
        throw new CliError(`--score must be ${SCORE_KINDS.join(", ")}; got "${opts.score}"`);
      const { verdictText, writeReport } = await import("../run/report/index.js");
      const report = await writeReport(roots, { out: opts.out, score: opts.score as ScoreKind, title: opts.title, compare: opts.compare });
      const { table, offline } = report;
      const unfinished = table.unfinished.length - offline.length;
      const scored =
        table.runs.length > 0
          ? `${table.runs.length} finished runs, ${table.rows.length} datasets × ${table.columns.length} algorithms`
          : "no runs scored in a simulator";
      process.stdout.write(
        `report: ${scored}` +
          `${offline.length > 0 ? `; ${offline.length} runs without a simulator (offline estimates and losses)` : ""}` +
          `${unfinished > 0 ? ` (${unfinished} unfinished left out)` : ""}\n` +
          report.comparisons
            .map((c) => `  ${c.a.label} vs ${c.b.label}: ${c.rows.map((r) => `${r.label} ${verdictText(c, r)}`).join("; ")}\n`)
            .join("") +
          `  ${opts.out}/report.md\n  ${opts.out}/report.html\n  ${report.figures.length} figures in ${opts.out}/figures/\n`,
      );
    });
}
