/**
 * The experiment report: run directories → a Markdown file and a self-contained HTML page.
 *
 *   1. find runs (folders with config.json), read config, summary and metrics
 *   2. the score table in the layout of the paper's Table 1: rows = datasets, columns =
 *      algorithms, cells = D4RL normalized score mean ± std over seeds (last or best
 *      evaluation), the paper's published number in a column beside ours
 *   3. learning curves (normalized score vs step, mean ± std band over seeds), one chart per dataset
 *   4. world-model diagnostics of ADEPT runs (every `wm/*` and `gap/*` key) as curves
 *
 * Charts are Vega-Lite specs compiled and rendered to SVG in Node (no canvas, no network);
 * the HTML embeds them inline, the Markdown links the same SVGs under `figures/`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { datasetId } from "../data/cache.js";

/** Which evaluation of a run the table reports. */
export type ScoreKind = "last" | "best";

/** The name a dataset gets in run paths and table rows: its id (`hopper-random`), or a file's base name. */
export function datasetName(dataset: string): string {
  const base = basename(dataset).replace(/\.(hdf5|h5|jsonl)$/i, "");
  return datasetId(base) ?? base;
}

// ---------------------------------------------------------------------------------------------
// 1. Runs

interface Evaluation {
  step: number;
  normalized: { mean: number; std: number };
}

/** One run directory, read. */
export interface RunRecord {
  dir: string;
  algo: string;
  /** Row label: `hopper-random` (a dataset id, or a file's base name). */
  dataset: string;
  task: string;
  /** Dataset kind: `random`, `medium`, `medium-replay`, … (the label without the task). */
  kind: string;
  seed: number;
  /** The run's step budget (config.json). */
  steps: number;
  evalEvery?: number;
  evalEpisodes?: number;
  /** Present when the run finished. */
  summary?: { steps: number; last?: Evaluation; best?: Evaluation; wallSeconds?: number; updatesPerSecond?: number };
  metrics: Array<Record<string, number>>;
}

/** Every run directory (a folder with config.json) under `roots`, sorted by path. */
export function findRuns(roots: string[]): RunRecord[] {
  const dirs: string[] = [];
  const walk = (dir: string): void => {
    if (existsSync(join(dir, "config.json"))) {
      dirs.push(dir);
      return;
    }
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules") walk(join(dir, entry.name));
  };
  for (const root of roots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`no such directory: ${root}`);
    walk(root);
  }
  return [...new Set(dirs)].sort().map(readRun);
}

/** Reads one run directory. */
export function readRun(dir: string): RunRecord {
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as {
    algo: string;
    dataset: string;
    task?: string;
    seed: number;
    steps: number;
    evalEvery?: number;
    evalEpisodes?: number;
  };
  const dataset = datasetName(config.dataset);
  const task = config.task ?? dataset.split("-")[0]!;
  const kind = dataset.startsWith(`${task}-`) ? dataset.slice(task.length + 1) : dataset;
  const summaryFile = join(dir, "summary.json");
  const summary = existsSync(summaryFile) ? (JSON.parse(readFileSync(summaryFile, "utf8")) as RunRecord["summary"]) : undefined;
  const metricsFile = join(dir, "metrics.jsonl");
  const metrics = existsSync(metricsFile)
    ? readFileSync(metricsFile, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Record<string, number>)
    : [];
  return {
    dir,
    algo: config.algo,
    dataset,
    task,
    kind,
    seed: config.seed,
    steps: config.steps,
    evalEvery: config.evalEvery,
    evalEpisodes: config.evalEpisodes,
    summary,
    metrics,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. The paper's numbers and the score table

/**
 * The paper's published D4RL normalized scores (Fang & Lan 2024, Tables 1 and 4; docs/experiments.md). Per-task numbers keyed by
 * dataset; `averages` per dataset kind where only the average over the three tasks exists.
 */
export const PAPER_SCORES: Record<string, { source: string; scores: Record<string, number>; averages?: Record<string, number> }> = {
  iql: {
    source: "Table 1",
    // NOTE(deviation): our reading of the paper's Table 1 gives medium-replay as 44.2 / 94.7 / 73.9 in the order
    // halfcheetah / walker2d / hopper used for every other row; the IQL paper itself reports
    // hopper-medium-replay 94.7 and walker2d-medium-replay 73.9 (swapped). We print the paper's order.
    scores: {
      "halfcheetah-random": 12.5,
      "walker2d-random": 5.4,
      "hopper-random": 7.5,
      "halfcheetah-medium": 47.4,
      "walker2d-medium": 78.3,
      "hopper-medium": 66.3,
      "halfcheetah-medium-replay": 44.2,
      "walker2d-medium-replay": 94.7,
      "hopper-medium-replay": 73.9,
    },
  },
  sac: {
    source: "Table 1",
    scores: {
      "halfcheetah-random": 30.5,
      "walker2d-random": 4.1,
      "hopper-random": 11.3,
      "halfcheetah-medium": -4.3,
      "walker2d-medium": 0.9,
      "hopper-medium": 0.8,
      "halfcheetah-medium-replay": 29.9,
      "walker2d-medium-replay": 21.0,
      "hopper-medium-replay": 70.4,
    },
  },
  "adept-sac": {
    source: 'Table 4, "baseline" column',
    scores: {
      "halfcheetah-random": 39.5,
      "walker2d-random": 23.6,
      "hopper-random": 37.5,
      "halfcheetah-medium": 56.6,
      "walker2d-medium": 70.9,
      "hopper-medium": 32.8,
      "halfcheetah-medium-replay": 59.3,
      "walker2d-medium-replay": 85.5,
      "hopper-medium-replay": 104.0,
    },
  },
  "adept-iql": {
    source: "averages implied by the stated gains over IQL (per-task numbers not available)",
    scores: {},
    averages: { random: 26.4, medium: 74.0, "medium-replay": 84.7 },
  },
};

/** The tasks the paper's averages are over. */
const PAPER_TASKS = ["halfcheetah", "hopper", "walker2d"];

/** Display names, in the table's column order; other algorithms follow alphabetically. */
const ALGO_NAMES: Array<[string, string]> = [
  ["iql", "IQL"],
  ["adept-iql", "ADEPT+IQL"],
  ["sac", "SAC"],
  ["adept-sac", "ADEPT+SAC"],
  ["diff-iql", "Diff+IQL"],
  ["diff-sac", "Diff+SAC"],
  ["synther-iql", "SynthER+IQL"],
  ["adept-bc", "ADEPT+BC"],
  ["bc", "BC"],
  ["cql", "CQL"],
  ["td3bc", "TD3+BC"],
];
const KIND_ORDER = ["random", "medium", "medium-replay", "medium-expert", "expert"];

/** The display name of an algorithm (`adept-iql` → `ADEPT+IQL`). */
export function algoName(algo: string): string {
  return ALGO_NAMES.find(([a]) => a === algo)?.[1] ?? algo;
}

function algoRank(algo: string): number {
  const i = ALGO_NAMES.findIndex(([a]) => a === algo);
  return i < 0 ? ALGO_NAMES.length : i;
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function meanSampleStd(values: number[]): { mean: number; std: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

/** One cell: the score of each seed and their mean ± std. */
export interface ScoreCell {
  n: number;
  mean: number;
  std: number;
  seeds: number[];
  scores: number[];
}

/** A column: one algorithm at one step budget. */
export interface ScoreColumn {
  key: string;
  algo: string;
  steps: number;
  /** `IQL`, or `IQL (100k steps)` when the algorithm has runs at several budgets. */
  label: string;
  /** The paper's number for a dataset (per task), if published. */
  paper: boolean;
}

export interface ScoreRow {
  dataset: string;
  task: string;
  kind: string;
  /** By column key. */
  cells: Record<string, ScoreCell | undefined>;
  /** The paper's numbers by algorithm (only those published). */
  paper: Record<string, number | undefined>;
}

/** An average row over a kind's datasets (`random (average)`). */
export interface AverageRow {
  kind: string;
  datasets: string[];
  /** Mean of our per-dataset means, where every dataset of the kind has a cell. */
  ours: Record<string, number | undefined>;
  /** The paper's average over the same tasks (ADEPT+IQL: only over all three). */
  paper: Record<string, number | undefined>;
}

export interface ScoreTable {
  score: ScoreKind;
  columns: ScoreColumn[];
  rows: ScoreRow[];
  averages: AverageRow[];
  /** Finished runs counted, and runs left out (unfinished: no summary.json; or never evaluated). */
  runs: RunRecord[];
  unfinished: RunRecord[];
}

/** The score a finished run contributes to the table. */
export function runScore(run: RunRecord, score: ScoreKind): number | undefined {
  return run.summary?.[score]?.normalized.mean;
}

/** Groups finished runs by (dataset, algorithm, step budget) and averages over seeds. */
export function buildScoreTable(all: RunRecord[], score: ScoreKind = "last"): ScoreTable {
  const runs = all.filter((r) => r.summary !== undefined && runScore(r, score) !== undefined);
  const unfinished = all.filter((r) => !runs.includes(r));

  const budgets = new Map<string, Set<number>>();
  for (const r of runs) budgets.set(r.algo, (budgets.get(r.algo) ?? new Set()).add(r.steps));
  const columns: ScoreColumn[] = [];
  for (const [algo, steps] of budgets)
    for (const s of steps)
      columns.push({
        key: `${algo}@${s}`,
        algo,
        steps: s,
        label: steps.size > 1 ? `${algoName(algo)} (${formatSteps(s)} steps)` : algoName(algo),
        paper: algo in PAPER_SCORES,
      });
  columns.sort((a, b) => algoRank(a.algo) - algoRank(b.algo) || a.algo.localeCompare(b.algo) || a.steps - b.steps);

  const datasets = new Map<string, { task: string; kind: string }>();
  for (const r of runs) datasets.set(r.dataset, { task: r.task, kind: r.kind });
  const rank = (kind: string): number => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
  const rows: ScoreRow[] = [...datasets]
    .sort(
      ([a, x], [b, y]) => rank(x.kind) - rank(y.kind) || x.kind.localeCompare(y.kind) || x.task.localeCompare(y.task) || a.localeCompare(b),
    )
    .map(([dataset, { task, kind }]) => {
      const cells: ScoreRow["cells"] = {};
      for (const c of columns) {
        const group = runs.filter((r) => r.dataset === dataset && r.algo === c.algo && r.steps === c.steps).sort((a, b) => a.seed - b.seed);
        if (group.length === 0) continue;
        const scores = group.map((r) => runScore(r, score)!);
        cells[c.key] = { n: group.length, ...meanSampleStd(scores), seeds: group.map((r) => r.seed), scores };
      }
      const paper: ScoreRow["paper"] = {};
      for (const c of columns) paper[c.algo] = PAPER_SCORES[c.algo]?.scores[dataset];
      return { dataset, task, kind, cells, paper };
    });

  // Average rows, for kinds with two or more datasets.
  const averages: AverageRow[] = [];
  for (const kind of [...new Set(rows.map((r) => r.kind))]) {
    const kindRows = rows.filter((r) => r.kind === kind);
    if (kindRows.length < 2) continue;
    const ours: AverageRow["ours"] = {};
    const paper: AverageRow["paper"] = {};
    for (const c of columns) {
      const means = kindRows.map((r) => r.cells[c.key]?.mean);
      ours[c.key] = means.every((m) => m !== undefined) ? meanSampleStd(means as number[]).mean : undefined;
      const published = PAPER_SCORES[c.algo];
      if (!published) continue;
      const perTask = kindRows.map((r) => published.scores[r.dataset]);
      const allTasks = PAPER_TASKS.every((t) => kindRows.some((r) => r.task === t));
      paper[c.algo] = perTask.every((p) => p !== undefined)
        ? meanSampleStd(perTask as number[]).mean
        : allTasks
          ? published.averages?.[kind]
          : undefined;
    }
    averages.push({ kind, datasets: kindRows.map((r) => r.dataset), ours, paper });
  }
  return { score, columns, rows, averages, runs, unfinished };
}

function formatSteps(steps: number): string {
  if (steps >= 1e6 && steps % 1e5 === 0) return `${steps / 1e6}M`;
  if (steps >= 1e3 && steps % 100 === 0) return `${steps / 1e3}k`;
  return String(steps);
}

const fmt = (v: number | undefined): string => (v === undefined ? "–" : v.toFixed(1));

/** The most common number of seeds in the table's cells (cells with another count are marked). */
function typicalSeeds(table: ScoreTable): number {
  const counts = new Map<number, number>();
  for (const row of table.rows) for (const cell of Object.values(row.cells)) if (cell) counts.set(cell.n, (counts.get(cell.n) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? 0;
}

/** A cell's text: `12.3 ± 1.2`, with `(n=2)` when its seed count differs from the table's. */
export function formatCell(cell: ScoreCell | undefined, typical: number): string {
  if (!cell) return "–";
  const text = cell.n > 1 ? `${cell.mean.toFixed(1)} ± ${cell.std.toFixed(1)}` : cell.mean.toFixed(1);
  return cell.n === typical ? text : `${text} (n=${cell.n})`;
}

/** The table as header + body rows of strings (shared by Markdown and HTML). */
export function tableGrid(table: ScoreTable): { header: string[]; body: string[][]; averageFrom: number } {
  const typical = typicalSeeds(table);
  const header = ["dataset"];
  for (const c of table.columns) {
    header.push(c.label);
    if (c.paper) header.push(`${algoName(c.algo)} (paper)`);
  }
  const body: string[][] = [];
  for (const row of table.rows) {
    const line = [row.dataset];
    for (const c of table.columns) {
      line.push(formatCell(row.cells[c.key], typical));
      if (c.paper) line.push(fmt(row.paper[c.algo]));
    }
    body.push(line);
  }
  const averageFrom = body.length;
  for (const avg of table.averages) {
    const line = [`${avg.kind} (average)`];
    for (const c of table.columns) {
      line.push(fmt(avg.ours[c.key]));
      if (c.paper) line.push(fmt(avg.paper[c.algo]));
    }
    body.push(line);
  }
  return { header, body, averageFrom };
}

/** The notes under the table: what a cell is, the seeds, the budgets, the paper's sources. */
export function tableNotes(table: ScoreTable): string[] {
  const typical = typicalSeeds(table);
  const steps = [...new Set(table.runs.map((r) => r.steps))].sort((a, b) => a - b);
  const evalEvery = [...new Set(table.runs.map((r) => r.evalEvery).filter((v) => v !== undefined))];
  const episodes = [...new Set(table.runs.map((r) => r.evalEpisodes).filter((v) => v !== undefined))];
  const notes = [
    `Cells: D4RL normalized score of the **${table.score}** evaluation of each run (${episodes.join("/") || "?"} episodes, deterministic actions), mean ± std over seeds (sample std, n − 1); ${typical} seed${typical === 1 ? "" : "s"} per cell unless marked (n=k).`,
    `Budget: ours ${steps.map((s) => `${s.toLocaleString("en-US")}`).join(" / ")} gradient steps per run, evaluated every ${evalEvery.join("/") || "?"} steps; the paper trains for 1M steps (evaluated every 5k steps with 10 episodes), so our numbers are at ${steps.map((s) => `${((100 * s) / 1e6).toFixed(s < 1e4 ? 2 : 1)}%`).join(" / ")} of its budget.`,
    `Paper numbers: ${
      Object.entries(PAPER_SCORES)
        .filter(([algo]) => table.columns.some((c) => c.algo === algo))
        .map(([algo, p]) => `${algoName(algo)} from ${p.source}`)
        .join("; ") || "none of these algorithms has published numbers"
    }. They are on the original D4RL datasets; ours on the datasets the runs name (built by \`adept data build\` unless a D4RL file was given). "–": not published or not run.`,
  ];
  if (table.score === "best")
    notes.push(
      "The best evaluation is an optimistic statistic: the maximum over a run's noisy evaluations, chosen with the evaluation episodes themselves.",
    );
  if (table.averages.length > 0)
    notes.push(
      "Average rows: the mean over the kind's datasets of the per-dataset means, shown where every dataset of the kind has a value (the paper's ADEPT+IQL averages are over halfcheetah, hopper and walker2d).",
    );
  if (table.unfinished.length > 0)
    notes.push(
      `Left out: ${table.unfinished.length} unfinished run${table.unfinished.length === 1 ? "" : "s"} (no summary.json, or no evaluation): ${table.unfinished.map((r) => r.dir).join(", ")}.`,
    );
  return notes;
}

// ---------------------------------------------------------------------------------------------
// 3–4. Curves

/** One point of a curve: mean and the ±std band over the seeds that logged this step. */
export interface CurvePoint {
  series: string;
  metric: string;
  step: number;
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/** Mean ± std over runs of `key`, per (series label, step), for the runs given. */
export function curvePoints(
  runs: RunRecord[],
  keys: (record: Record<string, number>) => string[],
  label: (run: RunRecord) => string,
): CurvePoint[] {
  const groups = new Map<string, { series: string; metric: string; step: number; values: number[] }>();
  for (const run of runs)
    for (const record of run.metrics)
      for (const key of keys(record)) {
        const value = record[key];
        if (typeof value !== "number" || !Number.isFinite(value)) continue;
        const series = label(run);
        const id = `${series}\u0000${key}\u0000${record.step}`;
        const g = groups.get(id) ?? { series, metric: key, step: record.step!, values: [] };
        g.values.push(value);
        groups.set(id, g);
      }
  return [...groups.values()]
    .map((g) => {
      const { mean, std } = meanSampleStd(g.values);
      return { series: g.series, metric: g.metric, step: g.step, mean, lo: mean - std, hi: mean + std, n: g.values.length };
    })
    .sort((a, b) => a.series.localeCompare(b.series) || a.metric.localeCompare(b.metric) || a.step - b.step);
}

/** Diagnostic keys of the world model and the return-gap terms (Theorem 4.4). */
export const isDiagnostic = (key: string): boolean => key.startsWith("wm/") || key.startsWith("gap/");

function columnLabel(table: ScoreTable): (run: RunRecord) => string {
  return (run) => table.columns.find((c) => c.algo === run.algo && c.steps === run.steps)?.label ?? algoName(run.algo);
}

/** A line per series with its ±std band. */
/** Vega's tableau10: an algorithm keeps its colour in every chart of a report. */
const PALETTE = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"];

/** A series' colour: by its place among all the report's series. */
export interface SeriesColors {
  domain: string[];
  range: string[];
}

function seriesColors(present: string[], all: string[]): SeriesColors {
  return { domain: present, range: present.map((s) => PALETTE[Math.max(0, all.indexOf(s)) % PALETTE.length]!) };
}

function bandLayers(yTitle: string, colors: SeriesColors, points: boolean): unknown[] {
  const color = { field: "series", type: "nominal", title: "algorithm", scale: colors } as const;
  const x = { field: "step", type: "quantitative", title: "gradient step", axis: { format: "~s" } } as const;
  return [
    {
      mark: { type: "area", opacity: 0.18 },
      encoding: {
        x,
        y: { field: "lo", type: "quantitative", title: yTitle },
        y2: { field: "hi" },
        color: { ...color, legend: { symbolOpacity: 1, symbolType: "stroke", symbolStrokeWidth: 3 } },
      },
    },
    {
      mark: { type: "line", ...(points ? { point: { size: 18 } } : {}) },
      encoding: {
        x,
        y: { field: "mean", type: "quantitative", title: yTitle },
        color: { ...color, legend: { symbolOpacity: 1, symbolType: "stroke", symbolStrokeWidth: 3 } },
      },
    },
  ];
}

/** Points on the lines only while they stay readable. */
function fewPoints(points: CurvePoint[]): boolean {
  const counts = new Map<string, number>();
  for (const p of points) counts.set(`${p.series}\u0000${p.metric}`, (counts.get(`${p.series}\u0000${p.metric}`) ?? 0) + 1);
  return Math.max(0, ...counts.values()) <= 40;
}

/** Vega-Lite spec of the learning curves of one dataset. */
export function learningCurveSpec(dataset: string, points: CurvePoint[], colors: SeriesColors): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: dataset, subtitle: "D4RL normalized score, mean ± std over seeds" },
    width: 420,
    height: 240,
    data: { values: points as unknown as Array<Record<string, unknown>> },
    layer: bandLayers("normalized score", colors, fewPoints(points)),
  } as TopLevelSpec;
}

/** Vega-Lite spec of the world-model diagnostics of one dataset: one small chart per key. */
export function diagnosticsSpec(dataset: string, points: CurvePoint[], colors: SeriesColors): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: `${dataset}: world-model diagnostics`, subtitle: "mean ± std over seeds" },
    data: { values: points as unknown as Array<Record<string, unknown>> },
    facet: { field: "metric", type: "nominal", title: null },
    columns: 3,
    spec: { width: 220, height: 140, layer: bandLayers("value", colors, fewPoints(points)) },
    resolve: { scale: { y: "independent" } },
  } as TopLevelSpec;
}

/** Compiles a Vega-Lite spec and renders it to an SVG string (headless: no canvas, no network). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// ---------------------------------------------------------------------------------------------
// Writing the report

export interface ReportOptions {
  out: string;
  score?: ScoreKind;
  /** Title of the page. */
  title?: string;
}

export interface Report {
  table: ScoreTable;
  markdown: string;
  html: string;
  /** SVG files written under `<out>/figures/`. */
  figures: string[];
}

const DIAGNOSTICS_NOTE =
  "Last logged value of each run, mean over its runs (src/adept/gap.ts). ε_m: the world model's one-step error ‖ŝ′ − s′‖₂ on held-out rows, z-scored units, importance-weighted; ε_r: its reward error |r̂ − r| on the same rows; ε_π: total variation between successive policies; ESS / N: effective sample size of the world model's importance weights over its batch; clipped w: share of ratios at the clip bound c; model / real return: H-step return of the policy from logged start states in the model and in the simulator.";

const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, "_");

/** Reads the runs under `roots` and writes `report.md`, `report.html` and `figures/*.svg` to `options.out`. */
export async function writeReport(roots: string[], options: ReportOptions): Promise<Report> {
  const all = findRuns(roots);
  if (all.length === 0) throw new Error(`no runs (folders with config.json) under ${roots.join(", ")}`);
  const table = buildScoreTable(all, options.score ?? "last");
  const title = options.title ?? "adept report";
  const label = columnLabel(table);
  const series = table.columns.map((c) => c.label);
  mkdirSync(join(options.out, "figures"), { recursive: true });

  const figures: Array<{ title: string; file: string; svg: string }> = [];
  for (const row of table.rows) {
    const runs = table.runs.filter((r) => r.dataset === row.dataset);
    const curves = curvePoints(runs, (rec) => ("eval/normalized_mean" in rec ? ["eval/normalized_mean"] : []), label);
    if (curves.length > 0) {
      const present = series.filter((s) => curves.some((p) => p.series === s));
      figures.push({
        title: `Learning curves: ${row.dataset}`,
        file: `curves-${slug(row.dataset)}.svg`,
        svg: await renderSvg(learningCurveSpec(row.dataset, curves, seriesColors(present, series))),
      });
    }
  }
  for (const row of table.rows) {
    const runs = table.runs.filter((r) => r.dataset === row.dataset);
    const diag = curvePoints(runs, (rec) => Object.keys(rec).filter(isDiagnostic), label);
    if (diag.length > 0) {
      const present = series.filter((s) => diag.some((p) => p.series === s));
      figures.push({
        title: `World-model diagnostics: ${row.dataset}`,
        file: `wm-${slug(row.dataset)}.svg`,
        svg: await renderSvg(diagnosticsSpec(row.dataset, diag, seriesColors(present, series))),
      });
    }
  }
  for (const f of figures) writeFileSync(join(options.out, "figures", f.file), f.svg);

  const grid = tableGrid(table);
  const notes = tableNotes(table);
  const runList = runListGrid(table.runs, options.out);
  const diagnostics = diagnosticsGrid(table.runs);

  // Markdown.
  const md: string[] = [
    `# ${title}`,
    "",
    `Generated ${new Date().toISOString()} from ${roots.join(", ")} (${table.runs.length} finished runs).`,
    "",
  ];
  md.push(`## Scores (D4RL normalized, ${table.score} evaluation)`, "", ...markdownTable(grid.header, grid.body), "");
  for (const n of notes) md.push(`- ${n}`);
  md.push("");
  const curveFigures = figures.filter((f) => f.file.startsWith("curves-"));
  const wmFigures = figures.filter((f) => f.file.startsWith("wm-"));
  if (curveFigures.length > 0) md.push("## Learning curves", "", ...curveFigures.flatMap((f) => [`![${f.title}](figures/${f.file})`, ""]));
  if (wmFigures.length > 0)
    md.push(
      "## World-model diagnostics (ADEPT runs)",
      "",
      "`wm/*`: world-model training metrics; `gap/*`: estimates of the return-gap terms of Theorem 4.4 (ε_r, ε_m, ε_π) and the model-vs-real return.",
      "",
      ...wmFigures.flatMap((f) => [`![${f.title}](figures/${f.file})`, ""]),
    );
  if (diagnostics.body.length > 0)
    md.push("### At the end of training", "", ...markdownTable(diagnostics.header, diagnostics.body), "", `- ${DIAGNOSTICS_NOTE}`, "");
  md.push("## Runs", "", ...markdownTable(runList.header, runList.body), "");
  const markdown = `${md.join("\n")}`;
  writeFileSync(join(options.out, "report.md"), markdown);

  // HTML: the same content, the SVGs inline.
  const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const inline = (s: string): string =>
    esc(s)
      .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
      .replace(/`(.+?)`/g, "<code>$1</code>");
  const htmlTable = (header: string[], body: string[][], averageFrom = body.length): string =>
    `<table><thead><tr>${header.map((h, i) => `<th class="${numericColumn(body, i) ? (h.endsWith("(paper)") ? "p" : "") : "l"}">${esc(h)}</th>`).join("")}</tr></thead><tbody>${body
      .map(
        (row, r) =>
          `<tr class="${r >= averageFrom ? "avg" : ""}">${row.map((c, i) => `<td class="${numericColumn(body, i) ? (header[i]!.endsWith("(paper)") ? "p" : "") : "l"}">${esc(c)}</td>`).join("")}</tr>`,
      )
      .join("")}</tbody></table>`;
  const section = (heading: string, figs: typeof figures, intro = ""): string =>
    figs.length === 0 ? "" : `<h2>${esc(heading)}</h2>${intro}${figs.map((f) => `<figure>${f.svg}</figure>`).join("\n")}`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th.l,td.l{text-align:left}th.p,td.p{color:#666}tr.avg td{font-weight:600;border-top:2px solid #999}
figure{margin:1rem 0}ul.notes li{margin:.3rem 0}code{background:#f4f4f4;padding:0 .2rem}
</style></head><body>
<h1>${esc(title)}</h1>
<p>Generated ${esc(new Date().toISOString())} from ${esc(roots.join(", "))} (${table.runs.length} finished runs).</p>
<h2>Scores (D4RL normalized, ${table.score} evaluation)</h2>
${htmlTable(grid.header, grid.body, grid.averageFrom)}
<ul class="notes">${notes.map((n) => `<li>${inline(n)}</li>`).join("")}</ul>
${section("Learning curves", curveFigures)}
${section("World-model diagnostics (ADEPT runs)", wmFigures, `<p><code>wm/*</code>: world-model training metrics; <code>gap/*</code>: estimates of the return-gap terms of Theorem 4.4 (ε_r, ε_m, ε_π) and the model-vs-real return.</p>`)}
${diagnostics.body.length > 0 ? `<h3>At the end of training</h3>${htmlTable(diagnostics.header, diagnostics.body)}<p>${inline(DIAGNOSTICS_NOTE)}</p>` : ""}
<h2>Runs</h2>
${htmlTable(runList.header, runList.body)}
</body></html>
`;
  writeFileSync(join(options.out, "report.html"), html);
  return { table, markdown, html, figures: figures.map((f) => join(options.out, "figures", f.file)) };
}

function runListGrid(runs: RunRecord[], out: string): { header: string[]; body: string[][] } {
  const header = ["run", "algorithm", "dataset", "seed", "steps", "last", "best", "wall", "updates/s"];
  const body = runs.map((r) => [
    relative(out, r.dir) || ".",
    algoName(r.algo),
    r.dataset,
    String(r.seed),
    String(r.summary?.steps ?? r.steps),
    fmt(r.summary?.last?.normalized.mean),
    fmt(r.summary?.best?.normalized.mean),
    r.summary?.wallSeconds === undefined ? "–" : `${(r.summary.wallSeconds / 60).toFixed(1)} min`,
    r.summary?.updatesPerSecond === undefined ? "–" : r.summary.updatesPerSecond.toFixed(0),
  ]);
  return { header, body };
}

/** The diagnostics summarized in the report's table: key → column title. */
const DIAGNOSTIC_COLUMNS: ReadonlyArray<[key: string, title: string]> = [
  ["gap/eps_m", "ε_m"],
  ["gap/eps_r", "ε_r"],
  ["gap/eps_pi", "ε_π"],
  ["wm/ess_fraction", "ESS / N"],
  ["wm/clipped_fraction", "clipped w"],
  ["gap/model_return", "model return"],
  ["gap/real_return", "real return"],
  ["value/q_mean", "Q mean"],
];

/**
 * One row per (dataset, algorithm) with diagnostics: the last logged value of each key of
 * {@link DIAGNOSTIC_COLUMNS} in every run, averaged over seeds ("–" where never logged).
 */
export function diagnosticsGrid(runs: RunRecord[]): { header: string[]; body: string[][] } {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    if (!r.metrics.some((rec) => Object.keys(rec).some(isDiagnostic))) continue;
    const key = `${r.dataset}\u0000${r.algo}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  const lastValue = (run: RunRecord, key: string): number | undefined => {
    for (let i = run.metrics.length - 1; i >= 0; i--) {
      const v = run.metrics[i]![key];
      if (typeof v === "number" && Number.isFinite(v)) return v;
    }
    return undefined;
  };
  const body = [...groups.values()]
    .sort((a, b) => a[0]!.dataset.localeCompare(b[0]!.dataset) || algoRank(a[0]!.algo) - algoRank(b[0]!.algo))
    .map((group) => [
      group[0]!.dataset,
      algoName(group[0]!.algo),
      String(group.length),
      ...DIAGNOSTIC_COLUMNS.map(([key]) => {
        const values = group.map((r) => lastValue(r, key)).filter((v): v is number => v !== undefined);
        if (values.length === 0) return "–";
        const { mean } = meanSampleStd(values);
        return Math.abs(mean) >= 100 ? mean.toFixed(0) : mean.toFixed(2);
      }),
    ]);
  return { header: ["dataset", "algorithm", "runs", ...DIAGNOSTIC_COLUMNS.map(([, title]) => title)], body };
}

/** A column of numbers (scores, "±", "–", units): right-aligned. */
function numericColumn(body: string[][], column: number): boolean {
  return column > 0 && body.every((row) => /^[-–\d.]/.test(row[column] ?? ""));
}

function markdownTable(header: string[], body: string[][]): string[] {
  const cell = (s: string): string => s.replace(/\|/g, "\\|");
  return [
    `| ${header.map(cell).join(" | ")} |`,
    `|${header.map((_, i) => (numericColumn(body, i) ? "---:" : "---")).join("|")}|`,
    ...body.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
}
