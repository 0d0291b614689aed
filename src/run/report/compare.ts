/**
 * Paired comparisons of two algorithms, `adept report --compare adept-iql:iql`: the form in
 * which a paper's claim ("ADEPT+IQL beats IQL on the random datasets") is checked.
 *
 * Runs of the two algorithms with the same dataset and seed are paired (for the world-model
 * algorithms the same seed is the same pretrained stage; where a pair shares nothing, pairing
 * costs degrees of freedom but stays valid), so the difference is taken seed by seed:
 *
 *   dᵢ = score_A(seed i) − score_B(seed i)
 *   mean d ± t₀.₉₇₅(n − 1) · sd(d) / √n      (95 % confidence interval, Student t over seeds)
 *
 * For a kind's average (`random (average)`, the paper's headline rows) dᵢ is the difference of
 * the two algorithms' averages over the kind's datasets at seed i. The verdict says "A > B" or
 * "A < B" only where the interval excludes 0; otherwise no difference is shown at this many seeds.
 */
import { UserError } from "../../util/errors.js";
import type { RunRecord } from "./runs.js";
import { meanSampleStd, runScore, type ScoreColumn, type ScoreTable } from "./table.js";

/** Two-sided 95 % quantiles t₀.₉₇₅(df) of Student's t for df = 1…30 (scipy.stats.t.ppf(0.975, df)). */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * t₀.₉₇₅ with `df` degrees of freedom: the table to 30, beyond it the Cornish–Fisher expansion
 * of t about the normal quantile z = 1.959964 (error < 10⁻³ there).
 */
export function tQuantile975(df: number): number {
  if (!(Number.isInteger(df) && df >= 1)) throw new RangeError(`t quantile: degrees of freedom must be an integer ≥ 1, got ${df}`);
  if (df <= T_975.length) return T_975[df - 1]!;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

/** The paired difference over n seeds: mean, 95 % interval (absent for one seed). */
export interface PairedDifference {
  n: number;
  mean: number;
  low?: number;
  high?: number;
}

export function pairedDifference(differences: number[]): PairedDifference {
  const n = differences.length;
  const { mean, std } = meanSampleStd(differences);
  if (n < 2) return { n, mean };
  const half = (tQuantile975(n - 1) * std) / Math.sqrt(n);
  return { n, mean, low: mean - half, high: mean + half };
}

export type Verdict = "A > B" | "A < B" | "no difference shown" | "one seed";

export function verdictOf(d: PairedDifference): Verdict {
  if (d.low === undefined || d.high === undefined) return "one seed";
  return d.low > 0 ? "A > B" : d.high < 0 ? "A < B" : "no difference shown";
}

export interface ComparisonRow {
  /** A dataset, or `<kind> (average)`. */
  label: string;
  average: boolean;
  /** Mean over the paired seeds of each algorithm's score (per dataset, or of its kind average). */
  a: number;
  b: number;
  difference: PairedDifference;
  /** Seeds where A scored higher, of {@link PairedDifference.n}. */
  wins: number;
  /** (A − B) / |B| of the means, the paper's "+211.8 %" (average rows only). */
  relative?: number;
  /**
   * The difference's 95 % interval over |B| (average rows with two or more seeds): conditional on
   * B's mean, so it leaves B's own uncertainty out and is narrower than a full ratio interval.
   */
  relativeInterval?: [number, number];
  verdict: Verdict;
}

export interface Comparison {
  a: ScoreColumn;
  b: ScoreColumn;
  rows: ComparisonRow[];
  /** The code of the paired runs (their run-list labels; "?" for runs that recorded none) with how many runs each made. */
  codes: Array<{ code: string; runs: number }>;
}

/** Parses `a:b` pairs; each side an algorithm (or variant) of the table, or `algo@steps` where it has several budgets. */
export function parseComparisons(specs: string[], table: ScoreTable): Array<[ScoreColumn, ScoreColumn]> {
  const column = (name: string, spec: string): ScoreColumn => {
    const [algo, steps] = name.split("@");
    const matches = table.columns.filter((c) => c.algo === algo && (steps === undefined || String(c.steps) === steps));
    if (matches.length === 1) return matches[0]!;
    const known = [...new Set(table.columns.map((c) => c.algo))].join(", ");
    if (matches.length === 0) throw new UserError(`--compare ${spec}: no finished runs of "${name}" (algorithms: ${known || "none"})`);
    throw new UserError(
      `--compare ${spec}: "${algo}" has runs at several budgets (${matches.map((c) => c.steps).join(", ")}); name one as ${algo}@<steps>`,
    );
  };
  return specs.map((spec) => {
    const sides = spec.split(":");
    if (sides.length !== 2 || !sides[0] || !sides[1]) throw new UserError(`--compare: expected A:B (e.g. adept-iql:iql), got "${spec}"`);
    return [column(sides[0], spec), column(sides[1], spec)];
  });
}

/** The paired comparison of columns a and b on every dataset where both have runs of a common seed, and on each kind's average. */
export function compare(table: ScoreTable, a: ScoreColumn, b: ScoreColumn): Comparison {
  const runsOf = (column: ScoreColumn, dataset: string): Map<number, RunRecord> =>
    new Map(table.runs.filter((r) => r.dataset === dataset && r.algo === column.algo && r.steps === column.steps).map((r) => [r.seed, r]));
  const row = (label: string, average: boolean, pairs: Array<[number, number]>): ComparisonRow => {
    const difference = pairedDifference(pairs.map(([x, y]) => x - y));
    const meanA = meanSampleStd(pairs.map(([x]) => x)).mean;
    const meanB = meanSampleStd(pairs.map(([, y]) => y)).mean;
    const relative = average && meanB !== 0;
    const { low, high } = difference;
    return {
      label,
      average,
      a: meanA,
      b: meanB,
      difference,
      wins: pairs.filter(([x, y]) => x > y).length,
      ...(relative ? { relative: (meanA - meanB) / Math.abs(meanB) } : {}),
      ...(relative && low !== undefined && high !== undefined
        ? { relativeInterval: [low / Math.abs(meanB), high / Math.abs(meanB)] as [number, number] }
        : {}),
      verdict: verdictOf(difference),
    };
  };
  const rows: ComparisonRow[] = [];
  const paired = new Map<string, Map<number, [number, number]>>(); // dataset → seed → (A, B)
  const codes = new Map<string, number>(); // of the runs that make the pairs
  for (const { dataset } of table.rows) {
    const ra = runsOf(a, dataset);
    const rb = runsOf(b, dataset);
    const seeds = [...ra.keys()].filter((s) => rb.has(s)).sort((x, y) => x - y);
    if (seeds.length === 0) continue;
    for (const run of new Set(seeds.flatMap((s) => [ra.get(s)!, rb.get(s)!]))) {
      const code = run.code ?? "?";
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    const sa = new Map(seeds.map((s) => [s, runScore(ra.get(s)!, table.score)!]));
    const sb = new Map(seeds.map((s) => [s, runScore(rb.get(s)!, table.score)!]));
    paired.set(dataset, new Map(seeds.map((s) => [s, [sa.get(s)!, sb.get(s)!]])));
    rows.push(
      row(
        dataset,
        false,
        seeds.map((s) => [sa.get(s)!, sb.get(s)!]),
      ),
    );
  }
  // Each kind's average, over the seeds that every dataset of the kind has for both.
  for (const avg of table.averages) {
    const perDataset = avg.datasets.map((d) => paired.get(d));
    if (perDataset.some((p) => p === undefined)) continue;
    const seeds = [...perDataset[0]!.keys()].filter((s) => perDataset.every((p) => p!.has(s)));
    if (seeds.length === 0) continue;
    const mean = (values: number[]) => values.reduce((x, y) => x + y, 0) / values.length;
    const pairs = seeds.map((s): [number, number] => [
      mean(perDataset.map((p) => p!.get(s)![0])),
      mean(perDataset.map((p) => p!.get(s)![1])),
    ]);
    rows.push(row(`${avg.kind} (average)`, true, pairs));
  }
  return { a, b, rows, codes: [...codes].map(([code, runs]) => ({ code, runs })) };
}

/**
 * A warning when the paired runs may have been made by more than one version of the code: a seed
 * pair across two versions compares the code as well as the algorithms (an ulp moves every later
 * number of a training run). So: two or more labels (runs that recorded none, "?", count as one
 * unknown version), or modified code, which may differ from run to run under one label.
 * Undefined when every run recorded one unmodified version, or none recorded any.
 */
export function codeWarning(c: Comparison): string | undefined {
  const modified = c.codes.some(({ code }) => code.includes(", modified"));
  if (c.codes.length < 2 && !modified) return undefined;
  if (c.codes.length === 1 && c.codes[0]!.code === "?") return undefined;
  const runs = (n: number) => `${n} run${n === 1 ? "" : "s"}`;
  const list = c.codes.map(({ code, runs: n }) => `${code === "?" ? "not recorded" : code}: ${runs(n)}`).join("; ");
  const what = c.codes.length > 1 ? `${c.codes.length} versions of the code` : "modified code";
  return `These runs were made by ${what} (${list}): where a seed's pair spans two versions, it compares the code as well as the algorithms.`;
}

const signed = (v: number): string => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)}`;

/** A row's verdict with the algorithms' names: "ADEPT+IQL > IQL", "no difference shown", "one seed". */
export function verdictText(c: Comparison, r: ComparisonRow): string {
  return r.verdict === "A > B" ? `${c.a.label} > ${c.b.label}` : r.verdict === "A < B" ? `${c.a.label} < ${c.b.label}` : r.verdict;
}

/** A comparison as header + body rows of strings (shared by Markdown and HTML). */
export function comparisonGrid(c: Comparison): { header: string[]; body: string[][] } {
  const [nameA, nameB] = [c.a.label, c.b.label];
  const header = ["dataset", nameA, nameB, `${nameA} − ${nameB} (95 % CI)`, "seeds A > B", "relative", "verdict"];
  const body = c.rows.map((r) => {
    const d = r.difference;
    const interval = d.low === undefined ? signed(d.mean) : `${signed(d.mean)} [${signed(d.low)}, ${signed(d.high!)}]`;
    return [
      r.label,
      r.a.toFixed(1),
      r.b.toFixed(1),
      interval,
      `${r.wins} / ${d.n}`,
      r.relative === undefined
        ? "–"
        : r.relativeInterval === undefined
          ? `${signed(100 * r.relative)} %`
          : `${signed(100 * r.relative)} % [${signed(100 * r.relativeInterval[0])}, ${signed(100 * r.relativeInterval[1])} %]`,
      verdictText(c, r),
    ];
  });
  return { header, body };
}

/** The heading of a comparison's section. */
export const comparisonTitle = (c: Comparison): string => `${c.a.label} vs ${c.b.label}`;

export const COMPARISON_NOTE =
  "Runs paired by seed (same dataset and seed; for world-model algorithms, the same pretrained stage). Each row is its own test, with no correction for the number of rows. A − B: mean of the per-seed differences with its 95 % confidence interval (Student t over the seeds); an average row pairs each seed's average over the kind's datasets. The verdict names a winner only where the interval excludes 0. Relative: (A − B) / |B| of the average scores, as the paper states its gains, with the interval of A − B over |B|: conditional on B's mean, it leaves B's own seed-to-seed spread out and so is narrower than a full interval of the ratio.";
