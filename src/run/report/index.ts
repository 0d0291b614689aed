/**
 * The experiment report: run directories → a Markdown file and a self-contained HTML page.
 *
 *   runs.ts          find runs (folders with config.json), read config, summary and metrics
 *   paper-scores.ts  the paper's published scores and the algorithms' display names
 *   table.ts         the score table in the layout of the paper's Table 1, its notes, the
 *                    end-of-training diagnostics and the run list
 *   charts.ts        learning curves and world-model diagnostics as Vega-Lite → SVG
 *   render.ts        the document model, rendered to Markdown and to HTML
 *
 * {@link writeReport} writes the content once, as a document, and renders it twice: the
 * HTML embeds the SVGs inline, the Markdown links the same SVGs under `figures/`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../util/errors.js";
import { columnLabel, curvePoints, diagnosticsSpec, learningCurveSpec, renderSvg, seriesColors } from "./charts.js";
import { type Block, type ReportDocument, toHtml, toMarkdown } from "./render.js";
import { findRuns } from "./runs.js";
import {
  buildScoreTable,
  diagnosticsGrid,
  isDiagnostic,
  runListGrid,
  type ScoreKind,
  type ScoreTable,
  tableGrid,
  tableNotes,
} from "./table.js";

export { type CurvePoint, curvePoints, diagnosticsSpec, learningCurveSpec, renderSvg, type SeriesColors } from "./charts.js";
export { algoName, PAPER_SCORES } from "./paper-scores.js";
export { type Block, type Inline, type ReportDocument, toHtml, toMarkdown } from "./render.js";
export { type Evaluation, findRuns, type RunRecord, readRun } from "./runs.js";
export {
  type AverageRow,
  buildScoreTable,
  diagnosticsGrid,
  formatCell,
  isDiagnostic,
  meanSampleStd,
  runListGrid,
  runScore,
  type ScoreCell,
  type ScoreColumn,
  type ScoreKind,
  type ScoreRow,
  type ScoreTable,
  tableGrid,
  tableNotes,
} from "./table.js";

export interface ReportOptions {
  out: string;
  score?: ScoreKind;
  /** Title of the page. */
  title?: string;
}

export interface Report {
  table: ScoreTable;
  /** The content, rendered to {@link Report.markdown} and {@link Report.html}. */
  document: ReportDocument;
  markdown: string;
  html: string;
  /** SVG files written under `<out>/figures/`. */
  figures: string[];
}

const DIAGNOSTICS_NOTE =
  "Last logged value of each run, mean over its runs (src/adept/gap.ts). ε_m: the world model's one-step error ‖ŝ′ − s′‖₂ on held-out rows, z-scored units, importance-weighted; ε_r: its reward error |r̂ − r| on the same rows; ε_π: total variation between successive policies; ESS / N: effective sample size of the world model's importance weights over its batch; clipped w: share of ratios at the clip bound c; model / real return: H-step return of the policy from logged start states in the model and in the simulator.";

const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, "_");

/** A rendered chart: its figure block (the file relative to the report). */
type Figure = Extract<Block, { kind: "figure" }>;

/** Reads the runs under `roots` and writes `report.md`, `report.html` and `figures/*.svg` to `options.out`. */
export async function writeReport(roots: string[], options: ReportOptions): Promise<Report> {
  const all = findRuns(roots);
  if (all.length === 0) throw new UserError(`no runs (folders with config.json) under ${roots.join(", ")}`);
  const table = buildScoreTable(all, options.score ?? "last");
  const title = options.title ?? "adept report";
  const { curves, diagnostics } = await charts(table);
  mkdirSync(join(options.out, "figures"), { recursive: true });
  for (const f of [...curves, ...diagnostics]) writeFileSync(join(options.out, f.file), f.svg);

  const document = reportDocument(table, { title, roots, out: options.out, curves, diagnostics });
  const markdown = toMarkdown(document);
  const html = toHtml(document);
  writeFileSync(join(options.out, "report.md"), markdown);
  writeFileSync(join(options.out, "report.html"), html);
  return { table, document, markdown, html, figures: [...curves, ...diagnostics].map((f) => join(options.out, f.file)) };
}

/** The learning curves and the world-model diagnostics of each dataset that has any, rendered. */
async function charts(table: ScoreTable): Promise<{ curves: Figure[]; diagnostics: Figure[] }> {
  const label = columnLabel(table);
  const series = table.columns.map((c) => c.label);
  const curves: Figure[] = [];
  const diagnostics: Figure[] = [];
  for (const row of table.rows) {
    const runs = table.runs.filter((r) => r.dataset === row.dataset);
    const points = curvePoints(runs, (rec) => ("eval/normalized_mean" in rec ? ["eval/normalized_mean"] : []), label);
    if (points.length === 0) continue;
    const present = series.filter((s) => points.some((p) => p.series === s));
    curves.push({
      kind: "figure",
      title: `Learning curves: ${row.dataset}`,
      file: `figures/curves-${slug(row.dataset)}.svg`,
      svg: await renderSvg(learningCurveSpec(row.dataset, points, seriesColors(present, series))),
    });
  }
  for (const row of table.rows) {
    const runs = table.runs.filter((r) => r.dataset === row.dataset);
    const points = curvePoints(runs, (rec) => Object.keys(rec).filter(isDiagnostic), label);
    if (points.length === 0) continue;
    const present = series.filter((s) => points.some((p) => p.series === s));
    diagnostics.push({
      kind: "figure",
      title: `World-model diagnostics: ${row.dataset}`,
      file: `figures/wm-${slug(row.dataset)}.svg`,
      svg: await renderSvg(diagnosticsSpec(row.dataset, points, seriesColors(present, series))),
    });
  }
  return { curves, diagnostics };
}

/** The report's content, once, in reading order. */
function reportDocument(
  table: ScoreTable,
  parts: { title: string; roots: string[]; out: string; curves: Figure[]; diagnostics: Figure[] },
): ReportDocument {
  const grid = tableGrid(table);
  const diagnostics = diagnosticsGrid(table.runs);
  const runList = runListGrid(table.runs, parts.out);
  const blocks: Block[] = [
    { kind: "heading", level: 1, text: parts.title },
    {
      kind: "paragraph",
      text: `Generated ${new Date().toISOString()} from ${parts.roots.join(", ")} (${table.runs.length} finished runs).`,
    },
    { kind: "heading", level: 2, text: `Scores (D4RL normalized, ${table.score} evaluation)` },
    { kind: "table", ...grid },
    { kind: "list", items: tableNotes(table) },
  ];
  if (parts.curves.length > 0) blocks.push({ kind: "heading", level: 2, text: "Learning curves" }, ...parts.curves);
  if (parts.diagnostics.length > 0)
    blocks.push(
      { kind: "heading", level: 2, text: "World-model diagnostics (ADEPT runs)" },
      {
        kind: "paragraph",
        text: "`wm/*`: world-model training metrics; `gap/*`: estimates of the return-gap terms of Theorem 4.4 (ε_r, ε_m, ε_π) and the model-vs-real return.",
      },
      ...parts.diagnostics,
    );
  if (diagnostics.body.length > 0)
    blocks.push(
      { kind: "heading", level: 3, text: "At the end of training" },
      { kind: "table", ...diagnostics },
      { kind: "list", items: [DIAGNOSTICS_NOTE] },
    );
  blocks.push({ kind: "heading", level: 2, text: "Runs" }, { kind: "table", ...runList });
  return { title: parts.title, blocks };
}
