/**
 * The report's charts: learning curves (normalized score vs step, mean ± std band over
 * seeds), one per dataset, and panels of the other logged curves (the learner's losses and
 * value estimates, the world model's losses and diagnostics), one panel per key, titled in
 * words with the unit on the axis. Vega-Lite specs compiled and rendered to SVG in Node (no
 * canvas, no network). Sizes fit the HTML page (1200 px of content).
 */
import type { TopLevelSpec } from "vega-lite";
import { metricName, metricOrder } from "./metric-names.js";
import { algoName } from "./paper-scores.js";
import type { RunRecord } from "./runs.js";
import { meanSampleStd, type ScoreTable } from "./table.js";

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

/** A run's series label: its score-table column's (`IQL`, or `IQL (100k steps)`). */
export function columnLabel(table: ScoreTable): (run: RunRecord) => string {
  return (run) => table.columns.find((c) => c.algo === run.algo && c.steps === run.steps)?.label ?? algoName(run.algo);
}

/** Vega's tableau10: an algorithm keeps its colour in every chart of a report. */
const PALETTE = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"];

/** A series' colour: by its place among all the report's series. */
export interface SeriesColors {
  domain: string[];
  range: string[];
}

/** The colours of the series `present` in one chart, by their place in `all`. */
export function seriesColors(present: string[], all: string[]): SeriesColors {
  return { domain: present, range: present.map((s) => PALETTE[Math.max(0, all.indexOf(s)) % PALETTE.length]!) };
}

/** A line per series with its ±std band. */
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
    width: 900,
    height: 300,
    data: { values: points as unknown as Array<Record<string, unknown>> },
    layer: bandLayers("normalized score", colors, fewPoints(points)),
  } as TopLevelSpec;
}

/** Panels per row, and each panel's plot size: three across the page. */
const PANEL = { columns: 3, width: 260, height: 150 };

/**
 * Vega-Lite spec of one panel per metric key of one dataset (the series: the algorithms),
 * each titled in words with its unit on the y-axis; panels line up on a grid.
 */
export function panelsSpec(title: string, points: CurvePoint[], colors: SeriesColors): TopLevelSpec {
  const keys = [...new Set(points.map((p) => p.metric))].sort(metricOrder);
  const few = fewPoints(points);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle: "mean ± std over seeds" },
    columns: PANEL.columns,
    concat: keys.map((key) => {
      const name = metricName(key);
      return {
        title: { text: name.title, subtitle: key, fontSize: 12, subtitleFontSize: 10, subtitleColor: "#777" },
        width: PANEL.width,
        height: PANEL.height,
        data: { values: points.filter((p) => p.metric === key) as unknown as Array<Record<string, unknown>> },
        layer: bandLayers(name.unit, colors, few),
      };
    }),
    resolve: { scale: { color: "shared" } },
  } as TopLevelSpec;
}

/** The world-model diagnostics of one dataset (`wm/*`, `gap/*`; or `what` else), one panel per key. */
export function diagnosticsSpec(
  dataset: string,
  points: CurvePoint[],
  colors: SeriesColors,
  what = "world-model diagnostics",
): TopLevelSpec {
  return panelsSpec(`${dataset}: ${what}`, points, colors);
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
