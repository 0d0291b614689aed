/**
 * The experiment report: run directories → a Markdown file and a self-contained HTML page.
 *
 *   runs.ts          find runs (folders with config.json), read config, summary and metrics
 *   paper-scores.ts  the paper's published scores and the algorithms' display names
 *   table.ts         the score table in the layout of the paper's Table 1, its notes, the
 *                    end-of-training diagnostics and the run list
 *   compare.ts       paired comparisons of two algorithms (`--compare a:b`): the paper's claims
 *   charts.ts        learning curves and world-model diagnostics as Vega-Lite → SVG
 *   render.ts        the document model, rendered to Markdown and to HTML
 *
 * {@link writeReport} writes the content once, as a document, and renders it twice: the
 * HTML embeds the SVGs inline, the Markdown links the same SVGs under `figures/`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../util/errors.js";
import { columnLabel, curvePoints, diagnosticsSpec, learningCurveSpec, panelsSpec, renderSvg, seriesColors } from "./charts.js";
import { COMPARISON_NOTE, type Comparison, codeWarning, compare, comparisonGrid, comparisonTitle, parseComparisons } from "./compare.js";
import { isLoss, OPE_NOTE, offlineRuns, opeGrid } from "./offline.js";
import { algoName } from "./paper-scores.js";
import { type Block, type ReportDocument, toHtml, toMarkdown } from "./render.js";
import { findRuns, type RunRecord } from "./runs.js";
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

export { type CurvePoint, curvePoints, diagnosticsSpec, learningCurveSpec, panelsSpec, renderSvg, type SeriesColors } from "./charts.js";
export {
  type Comparison,
  type ComparisonRow,
  codeWarning,
  compare,
  comparisonGrid,
  type PairedDifference,
  pairedDifference,
  parseComparisons,
  tQuantile975,
  type Verdict,
  verdictOf,
  verdictText,
} from "./compare.js";
export { type MetricName, metricName } from "./metric-names.js";
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
  /** Pairs `a:b` of algorithms to compare seed by seed (compare.ts). */
  compare?: string[];
  /** Paragraphs shown under the title (the quickstart's finding). */
  intro?: string[];
}

export interface Report {
  table: ScoreTable;
  /** The `--compare` pairs, in the order asked. */
  comparisons: Comparison[];
  /** Finished runs without a simulator score (shown with their offline estimates and losses). */
  offline: RunRecord[];
  /** The content, rendered to {@link Report.markdown} and {@link Report.html}. */
  document: ReportDocument;
  markdown: string;
  html: string;
  /** SVG files written under `<out>/figures/`. */
  figures: string[];
}

const DIAGNOSTICS_NOTE =
  "Score: the table's evaluation, mean over the runs. Then the last logged value of each run, mean over its runs (src/adept/gap.ts). ε_m: the world model's one-step error ‖ŝ′ − s′‖₂ on held-out rows, z-scored units, importance-weighted; ε_r: its reward error |r̂ − r| on the same rows; ε_π: total variation between successive policies; ESS / N: effective sample size of the world model's importance weights over its batch; clipped w: share of ratios at a clip bound (1/c or c); w at c: share at the upper bound; largest w: the largest weight's share of their sum; model / real return: H-step return of the policy from logged start states in the model and in the simulator.";

const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, "_");

/** A rendered chart: its figure block (the file relative to the report). */
type Figure = Extract<Block, { kind: "figure" }>;

/** Reads the runs under `roots` and writes `report.md`, `report.html` and `figures/*.svg` to `options.out`. */
export async function writeReport(roots: string[], options: ReportOptions): Promise<Report> {
  const all = findRuns(roots);
  if (all.length === 0) throw new UserError(`no runs (folders with config.json) under ${roots.join(", ")}`);
  const table = buildScoreTable(all, options.score ?? "last");
  const comparisons = parseComparisons(options.compare ?? [], table).map(([a, b]) => compare(table, a, b));
  const title = options.title ?? "adept report";
  const { curves, training, diagnostics } = await charts(table);
  const offline = offlineRuns(all);
  const losses = await lossCharts(offline);
  const figures = [...curves, ...training, ...diagnostics, ...losses];
  mkdirSync(join(options.out, "figures"), { recursive: true });
  for (const f of figures) writeFileSync(join(options.out, f.file), f.svg);

  const document = reportDocument(table, {
    title,
    roots,
    intro: options.intro ?? [],
    comparisons,
    out: options.out,
    curves,
    training,
    diagnostics,
    offline,
    losses,
  });
  const markdown = toMarkdown(document);
  const html = toHtml(document);
  writeFileSync(join(options.out, "report.md"), markdown);
  writeFileSync(join(options.out, "report.html"), html);
  return { table, comparisons, offline, document, markdown, html, figures: figures.map((f) => join(options.out, f.file)) };
}

/** The learner's training curves: its losses and value estimates (the world model's losses too). */
const isTrainingCurve = (key: string): boolean => key.startsWith("loss/") || key.startsWith("value/");

/** The learning curves, training curves and world-model diagnostics of each dataset that has any, rendered. */
async function charts(table: ScoreTable): Promise<{ curves: Figure[]; training: Figure[]; diagnostics: Figure[] }> {
  const label = columnLabel(table);
  const series = table.columns.map((c) => c.label);
  const curves: Figure[] = [];
  const training: Figure[] = [];
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
    const points = curvePoints(runs, (rec) => Object.keys(rec).filter(isTrainingCurve), label);
    if (points.length === 0) continue;
    const present = series.filter((s) => points.some((p) => p.series === s));
    training.push({
      kind: "figure",
      title: `Losses and value estimates: ${row.dataset}`,
      file: `figures/training-${slug(row.dataset)}.svg`,
      svg: await renderSvg(panelsSpec(`${row.dataset}: losses and value estimates`, points, seriesColors(present, series))),
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
  return { curves, training, diagnostics };
}

/** Loss curves (and training-time FQE) of the runs without a simulator, one chart per dataset. */
async function lossCharts(runs: RunRecord[]): Promise<Figure[]> {
  const figures: Figure[] = [];
  const series = [...new Set(runs.map((r) => algoName(r.algo)))];
  for (const dataset of [...new Set(runs.map((r) => r.dataset))].sort()) {
    const points = curvePoints(
      runs.filter((r) => r.dataset === dataset),
      (rec) => Object.keys(rec).filter(isLoss),
      (r) => algoName(r.algo),
    );
    if (points.length === 0) continue;
    const present = series.filter((s) => points.some((p) => p.series === s));
    const svg = await renderSvg(diagnosticsSpec(dataset, points, seriesColors(present, series), "losses and offline estimates"));
    figures.push({ kind: "figure", title: `Losses: ${dataset}`, file: `figures/losses-${slug(dataset)}.svg`, svg });
  }
  return figures;
}

/** "3 runs", "1 run". */
const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

/** The report's content, once, in reading order. */
function reportDocument(
  table: ScoreTable,
  parts: {
    title: string;
    roots: string[];
    intro: string[];
    comparisons: Comparison[];
    out: string;
    curves: Figure[];
    training: Figure[];
    diagnostics: Figure[];
    offline: RunRecord[];
    losses: Figure[];
  },
): ReportDocument {
  const diagnostics = diagnosticsGrid(table.runs, table.score);
  const runList = runListGrid([...table.runs, ...parts.offline], parts.out);
  const scored = table.runs.length;
  const summary =
    scored > 0 && parts.offline.length > 0
      ? `${count(scored, "run")} scored in the simulator, ${count(parts.offline.length, "run")} without a simulator`
      : scored > 0
        ? `${count(scored, "finished run")}, scored in the simulator`
        : parts.offline.length > 0
          ? `${count(parts.offline.length, "finished run")}, none with a simulator: offline estimates and losses only`
          : "no finished runs yet";
  const blocks: Block[] = [
    { kind: "heading", level: 1, text: parts.title },
    { kind: "paragraph", text: `Generated ${new Date().toISOString()} from ${parts.roots.join(", ")} (${summary}).` },
    ...parts.intro.map((text) => ({ kind: "paragraph" as const, text })),
  ];
  if (scored > 0)
    blocks.push(
      { kind: "heading", level: 2, text: `Scores (D4RL normalized, ${table.score} evaluation)` },
      { kind: "table", ...tableGrid(table) },
      { kind: "list", items: tableNotes(table) },
    );
  if (parts.comparisons.length > 0) {
    blocks.push({ kind: "heading", level: 2, text: `Paired comparisons (${table.score} evaluation)` });
    for (const c of parts.comparisons) {
      blocks.push({ kind: "heading", level: 3, text: comparisonTitle(c) }, { kind: "table", ...comparisonGrid(c) });
      const warning = codeWarning(c);
      if (warning) blocks.push({ kind: "paragraph", text: warning });
    }
    blocks.push({ kind: "list", items: [COMPARISON_NOTE] });
  }
  if (parts.offline.length > 0) {
    const ope = opeGrid(parts.offline);
    blocks.push({ kind: "heading", level: 2, text: "Runs without a simulator" });
    if (ope.body.length > 0) blocks.push({ kind: "table", ...ope }, { kind: "list", items: [OPE_NOTE] });
    else
      blocks.push({
        kind: "paragraph",
        text: "None of these runs has an offline estimate: train with `--ope-every n`, or estimate a checkpoint with `adept ope`.",
      });
    blocks.push(...parts.losses);
  }
  // The chart sections: each a heading, what its panels show, and the panels (left out when it has none).
  const chartSections: [string, string | null, Figure[]][] = [
    ["Learning curves", null, parts.curves],
    [
      "Losses and value estimates",
      "The learner's `loss/*` and `value/*` metrics (means over each logging interval), and the world model's losses where the run trains one; one panel per metric, one line per algorithm.",
      parts.training,
    ],
    [
      "World-model diagnostics (ADEPT runs)",
      "`wm/*`: world-model training metrics; `gap/*`: estimates of the return-gap terms of Theorem 4.4 (ε_r, ε_m, ε_π) and the model-vs-real return.",
      parts.diagnostics,
    ],
  ];
  for (const [heading, intro, figures] of chartSections)
    if (figures.length > 0)
      blocks.push(
        { kind: "heading", level: 2, text: heading },
        ...(intro === null ? [] : [{ kind: "paragraph" as const, text: intro }]),
        ...figures,
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
