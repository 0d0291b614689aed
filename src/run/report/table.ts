/**
 * The report's tables, as data and as grids of strings (header + body rows) that the
 * renderers lay out: the score table in the layout of the paper's Table 1 (rows = datasets,
 * columns = algorithms, cells = D4RL normalized score mean ± std over seeds, the paper's
 * number beside ours) with its notes, the end-of-training diagnostics, and the run list.
 */
import { relative } from "node:path";
import { algoName, algoRank, PAPER_SCORES, PAPER_TASKS, paperDataset } from "./paper-scores.js";
import type { RunRecord } from "./runs.js";

/**
 * Which evaluation of a run the table reports: the last, the best, or the mean of the last
 * three (`last3`: less noisy than one evaluation of a few episodes, and like `last` chosen
 * without looking at the scores).
 */
export type ScoreKind = "last" | "best" | "last3";
export const SCORE_KINDS: readonly ScoreKind[] = ["last", "best", "last3"];

const KIND_ORDER = ["random", "medium", "medium-replay", "medium-expert", "expert"];

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
  /** The paper's dataset the numbers are for: this one, or the full size of a rebuilt one. */
  paperDataset: string;
  /** The row's dataset is a rebuilt size of {@link ScoreRow.paperDataset} (its paper numbers are marked). */
  resized: boolean;
}

/** An average row over a kind's datasets (`random (average)`). */
export interface AverageRow {
  kind: string;
  datasets: string[];
  /** Mean of our per-dataset means, where every dataset of the kind has a cell. */
  ours: Record<string, number | undefined>;
  /** The paper's average over the same tasks (ADEPT+IQL: only over all three). */
  paper: Record<string, number | undefined>;
  /** Some of the datasets are rebuilt sizes (the paper's average is marked). */
  resized: boolean;
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
  if (score !== "last3") return run.summary?.[score]?.normalized.mean;
  if (!run.summary?.last) return undefined;
  const scores = run.metrics.filter((m) => "eval/normalized_mean" in m).map((m) => m["eval/normalized_mean"]!);
  const tail = scores.slice(-3);
  return tail.length === 0 ? undefined : tail.reduce((a, b) => a + b, 0) / tail.length;
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
      const { id, resized } = paperDataset(dataset);
      const paper: ScoreRow["paper"] = {};
      for (const c of columns) paper[c.algo] = PAPER_SCORES[c.algo]?.scores[id];
      return { dataset, task, kind, cells, paper, paperDataset: id, resized };
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
      const perTask = kindRows.map((r) => published.scores[r.paperDataset]);
      const allTasks = PAPER_TASKS.every((t) => kindRows.some((r) => r.task === t));
      paper[c.algo] = perTask.every((p) => p !== undefined)
        ? meanSampleStd(perTask as number[]).mean
        : allTasks
          ? published.averages?.[paperDataset(`${kindRows[0]!.task}-${kind}`).id.slice(kindRows[0]!.task.length + 1)]
          : undefined;
    }
    averages.push({ kind, datasets: kindRows.map((r) => r.dataset), ours, paper, resized: kindRows.some((r) => r.resized) });
  }
  return { score, columns, rows, averages, runs, unfinished };
}

function formatSteps(steps: number): string {
  if (steps >= 1e6 && steps % 1e5 === 0) return `${steps / 1e6}M`;
  if (steps >= 1e3 && steps % 100 === 0) return `${steps / 1e3}k`;
  return String(steps);
}

/** A number with one decimal, "–" for none. */
export const fmt = (v: number | undefined): string => (v === undefined ? "–" : v.toFixed(1));

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
      if (c.paper) line.push(row.resized && row.paper[c.algo] !== undefined ? `${fmt(row.paper[c.algo])} †` : fmt(row.paper[c.algo]));
    }
    body.push(line);
  }
  const averageFrom = body.length;
  for (const avg of table.averages) {
    const line = [`${avg.kind} (average)`];
    for (const c of table.columns) {
      line.push(fmt(avg.ours[c.key]));
      if (c.paper) line.push(avg.resized && avg.paper[c.algo] !== undefined ? `${fmt(avg.paper[c.algo])} †` : fmt(avg.paper[c.algo]));
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
  const resized = table.rows.filter((r) => r.resized);
  if (resized.length > 0)
    notes.push(
      `†: the paper's number for the full-size D4RL dataset of the same kind (${resized.map((r) => `${r.dataset} → ${r.paperDataset}`).join(", ")}); our dataset there is a rebuilt size, so the two are not the same benchmark.`,
    );
  if (table.score === "last3")
    notes.push(
      "last3: the mean of a run's last three evaluations (one evaluation of 10 episodes is noisy; the last three are chosen, like the last, without looking at the scores).",
    );
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

/** Diagnostic keys of the world model and the return-gap terms (Theorem 4.4). */
export const isDiagnostic = (key: string): boolean => key.startsWith("wm/") || key.startsWith("gap/");

/** One row per run: where it is, what it trained, its scores and speed, the kernels that speed is of, and its code. */
export function runListGrid(runs: RunRecord[], out: string): { header: string[]; body: string[][] } {
  const header = ["run", "algorithm", "dataset", "seed", "steps", "last", "best", "wall", "updates/s", "kernels", "code"];
  const body = runs.map((r) => [
    relative(out, r.dir) || ".",
    algoName(r.algo),
    r.dataset,
    String(r.seed),
    String(r.summary?.steps ?? r.steps),
    fmt(r.summary?.last?.normalized.mean),
    fmt(r.summary?.best?.normalized.mean),
    r.summary?.wallSeconds === undefined
      ? "–"
      : `${(r.summary.wallSeconds / 60).toFixed(1)} min${r.summary.wallSecondsFrom ? ` (from step ${r.summary.wallSecondsFrom})` : ""}`,
    r.summary?.updatesPerSecond === undefined ? "–" : r.summary.updatesPerSecond.toFixed(0),
    r.kernels ?? "–", // what the speed figures were measured on
    r.code ?? "–", // runs compared seed by seed should share it
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
  ["wm/clipped_high_fraction", "w at c"],
  ["wm/max_share", "largest w"],
  ["gap/model_return", "model return"],
  ["gap/real_return", "real return"],
  ["value/q_mean", "Q mean"],
];

/**
 * One row per (dataset, algorithm, step budget) with diagnostics: the mean score of its runs
 * (the `score` evaluation), then the last logged value of each key of {@link DIAGNOSTIC_COLUMNS}
 * in every run, averaged over seeds ("–" where never logged). An algorithm with runs at several
 * budgets is labelled with the budget, as in the score table.
 */
export function diagnosticsGrid(runs: RunRecord[], score: ScoreKind = "last"): { header: string[]; body: string[][] } {
  const groups = new Map<string, RunRecord[]>();
  const budgets = new Map<string, Set<number>>();
  for (const r of runs) {
    if (!r.metrics.some((rec) => Object.keys(rec).some(isDiagnostic))) continue;
    budgets.set(r.algo, (budgets.get(r.algo) ?? new Set()).add(r.steps));
    const key = `${r.dataset}\u0000${r.algo}\u0000${r.steps}`;
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
    .sort((a, b) => a[0]!.dataset.localeCompare(b[0]!.dataset) || algoRank(a[0]!.algo) - algoRank(b[0]!.algo) || a[0]!.steps - b[0]!.steps)
    .map((group) => [
      group[0]!.dataset,
      budgets.get(group[0]!.algo)!.size > 1
        ? `${algoName(group[0]!.algo)} (${formatSteps(group[0]!.steps)} steps)`
        : algoName(group[0]!.algo),
      String(group.length),
      fmt(meanOf(group.map((r) => runScore(r, score)).filter((v): v is number => v !== undefined))), // beside its diagnostics
      ...DIAGNOSTIC_COLUMNS.map(([key]) => {
        const values = group.map((r) => lastValue(r, key)).filter((v): v is number => v !== undefined);
        if (values.length === 0) return "–";
        const { mean } = meanSampleStd(values);
        return Math.abs(mean) >= 100 ? mean.toFixed(0) : mean.toFixed(2);
      }),
    ]);
  return { header: ["dataset", "algorithm", "runs", `score (${score})`, ...DIAGNOSTIC_COLUMNS.map(([, title]) => title)], body };
}

const meanOf = (values: number[]): number | undefined => (values.length === 0 ? undefined : meanSampleStd(values).mean);
