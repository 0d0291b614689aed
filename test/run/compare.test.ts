// Paired comparisons (`adept report --compare a:b`): seed-by-seed differences, their Student-t
// interval, the verdict, the kind average paired over common seeds, and bad pairs named.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Command } from "commander";
import { register } from "../../src/cli/report.js";
import {
  buildScoreTable,
  codeWarning,
  compare,
  comparisonGrid,
  pairedDifference,
  parseComparisons,
  type RunRecord,
  runScore,
  tQuantile975,
  verdictOf,
} from "../../src/run/report/index.js";
import { assertClose, captureStdout } from "../helpers.js";

/** A finished run scoring `last` (in memory, as readRun returns it). */
function run(dataset: string, algo: string, seed: number, last: number, steps = 1000): RunRecord {
  const task = dataset.split("-")[0]!;
  const ev = { step: steps, normalized: { mean: last, std: 1 } };
  return {
    dir: `${dataset}/${algo}/seed${seed}`,
    algo,
    dataset,
    task,
    kind: dataset.slice(task.length + 1),
    seed,
    steps,
    summary: { steps, last: ev, best: ev },
    metrics: [],
  };
}

/** P(T ≤ x) for Student's t with df degrees of freedom, by Simpson's rule on its density (an independent check of the table). */
function tCdf(x: number, df: number): number {
  const logC = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  const pdf = (t: number) => Math.exp(logC - ((df + 1) / 2) * Math.log1p((t * t) / df));
  const n = 20000; // even
  const h = x / n;
  let s = pdf(0) + pdf(x);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * pdf(i * h);
  return 0.5 + (s * h) / 3;
}

/** log Γ(z) (Lanczos, g = 7). */
function lgamma(z: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lgamma(1 - z);
  z -= 1;
  let x = c[0]!;
  for (let i = 1; i < 9; i++) x += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

describe("paired comparisons", () => {
  it("t₀.₉₇₅(df) is the 97.5 % point of Student's t, from the table to df 30 and the expansion beyond", () => {
    for (let df = 1; df <= 30; df++) assertClose([tCdf(tQuantile975(df), df)], [0.975], 2e-4, 0, `df ${df}`);
    for (const df of [31, 40, 60, 120, 1000]) assertClose([tCdf(tQuantile975(df), df)], [0.975], 1e-4, 0, `df ${df}`);
    assert.ok(tQuantile975(40) > 2.02 && tQuantile975(1000) > 1.96, "wider than the normal quantile");
    assert.throws(() => tQuantile975(0), /degrees of freedom must be an integer ≥ 1/);
  });

  it("the interval is mean ± t·sd/√n of the per-seed differences; a winner only where it excludes 0", () => {
    const d = pairedDifference([1, 2, 3]); // mean 2, sd 1
    assertClose([d.low!, d.high!], [2 - 4.303 / Math.sqrt(3), 2 + 4.303 / Math.sqrt(3)], 1e-9, 0, "interval");
    assert.equal(verdictOf(d), "no difference shown", "−0.48 < 0 < 4.48");
    assert.equal(verdictOf(pairedDifference([3, 3.5, 4])), "A > B");
    assert.equal(verdictOf(pairedDifference([-3, -3.5, -4])), "A < B");
    assert.equal(verdictOf(pairedDifference([5])), "one seed");
  });

  it("the score of a run: last, best, or last3, the mean of its last three evaluations", () => {
    const evaluated = {
      ...run("hopper-random", "iql", 0, 4),
      metrics: [1, 2, 3, 4].map((v, i) => ({ step: i, "eval/normalized_mean": v, "loss/q": 0 })),
    };
    assert.deepEqual([runScore(evaluated, "last"), runScore(evaluated, "last3")], [4, 3]);
    assert.equal(runScore({ ...evaluated, summary: undefined }, "last3"), undefined, "unfinished: no score");
  });

  const runs = [
    // hopper: A beats B on every seed by 2, 3, 4
    run("hopper-random", "adept-iql", 0, 12),
    run("hopper-random", "adept-iql", 1, 13),
    run("hopper-random", "adept-iql", 2, 14),
    run("hopper-random", "iql", 0, 10),
    run("hopper-random", "iql", 1, 10),
    run("hopper-random", "iql", 2, 10),
    // halfcheetah: A loses on seeds 0 and 1; B's seed 2 is missing (not paired anywhere)
    run("halfcheetah-random", "adept-iql", 0, 5),
    run("halfcheetah-random", "adept-iql", 1, 6),
    run("halfcheetah-random", "adept-iql", 2, 99),
    run("halfcheetah-random", "iql", 0, 8),
    run("halfcheetah-random", "iql", 1, 8),
    run("halfcheetah-random", "sac", 0, 1),
  ];
  const table = buildScoreTable(runs);

  it("pairs runs by seed per dataset, and the kind average over the seeds every dataset has", () => {
    const [[a, b]] = parseComparisons(["adept-iql:iql"], table) as [[never, never]];
    const c = compare(table, a, b);
    const hopper = c.rows.find((r) => r.label === "hopper-random")!;
    assert.deepEqual([hopper.a, hopper.b, hopper.difference.mean, hopper.wins, hopper.difference.n], [13, 10, 3, 3, 3]);
    assert.equal(hopper.verdict, "A > B");
    const cheetah = c.rows.find((r) => r.label === "halfcheetah-random")!;
    assert.deepEqual([cheetah.a, cheetah.b, cheetah.difference.n, cheetah.wins], [5.5, 8, 2, 0], "seed 2 has no IQL run: left out");
    // The average pairs seeds 0 and 1: A (12+5)/2, (13+6)/2 = 8.5, 9.5; B 9, 9 → differences −0.5, +0.5.
    const average = c.rows.find((r) => r.label === "random (average)")!;
    assert.ok(average.average);
    assert.deepEqual([average.a, average.b, average.difference.mean, average.difference.n, average.wins], [9, 9, 0, 2, 1]);
    assert.equal(average.relative, 0);
    // Differences ±0.5 over 2 seeds: half-width t(1) · 0.5 = 12.706 · 0.5, over |B| = 9.
    const [low, high] = average.relativeInterval!;
    assert.ok(Math.abs(high - (12.706 * 0.5) / 9) < 1e-3 && Math.abs(low + high) < 1e-12, `relative interval [${low}, ${high}]`);
    assert.equal(c.rows.find((r) => r.label === "hopper-random")!.relativeInterval, undefined, "dataset rows: no relative");
    assert.equal(average.verdict, "no difference shown");
    const grid = comparisonGrid(c);
    assert.deepEqual(grid.header.slice(0, 4), ["dataset", "ADEPT+IQL", "IQL", "ADEPT+IQL − IQL (95 % CI)"]);
    const hopperLine = grid.body.find((l) => l[0] === "hopper-random")!;
    assert.equal(hopperLine[4], "3 / 3");
    assert.equal(hopperLine.at(-1), "ADEPT+IQL > IQL");
    assert.equal(grid.body.find((l) => l[0] === "random (average)")![5], "+0.0 % [−70.6, +70.6 %]");
  });

  it("an average's relative change: (A − B)/|B| with A − B's interval over |B|; none for one seed", () => {
    // hopper's runs and the same scores on walker2d: the average's differences are 2, 3, 4 → mean 3,
    // se 1/√3, t(2) = 4.303; B's mean 10.
    const hopper = runs.filter((r) => r.dataset === "hopper-random");
    const twin = (r: RunRecord): RunRecord => ({
      ...r,
      dataset: "walker2d-random",
      task: "walker2d",
      dir: r.dir.replace("hopper", "walker2d"),
    });
    const hopperOnly = buildScoreTable([...hopper, ...hopper.map(twin)]);
    const [[a, b]] = parseComparisons(["adept-iql:iql"], hopperOnly) as [[never, never]];
    const average = compare(hopperOnly, a, b).rows.find((r) => r.average)!;
    const half = 4.303 / Math.sqrt(3);
    assert.ok(Math.abs(average.relative! - 0.3) < 1e-12);
    const [low, high] = average.relativeInterval!;
    assert.ok(Math.abs(low - (3 - half) / 10) < 1e-3 && Math.abs(high - (3 + half) / 10) < 1e-3, `[${low}, ${high}]`);
    assert.equal(comparisonGrid(compare(hopperOnly, a, b)).body.at(-1)![5], "+30.0 % [+5.2, +54.8 %]");
    // A negative B mean: the change is over |B|, so a higher A is a positive change.
    const negativeRuns = [run("hopper-random", "adept-iql", 0, -1), run("hopper-random", "iql", 0, -2)];
    const negative = buildScoreTable([...negativeRuns, ...negativeRuns.map(twin)]);
    const [[na, nb]] = parseComparisons(["adept-iql:iql"], negative) as [[never, never]];
    const one = compare(negative, na, nb).rows.find((r) => r.average)!;
    assert.deepEqual([one.relative, one.relativeInterval], [0.5, undefined], "one seed: no interval");
    assert.equal(comparisonGrid(compare(negative, na, nb)).body.at(-1)![5], "+50.0 %");
  });

  it("a dataset only one side has is no row; bad pairs are named", () => {
    const [[a, b]] = parseComparisons(["adept-iql:sac"], table) as [[never, never]];
    assert.deepEqual(
      compare(table, a, b).rows.map((r) => r.label),
      ["halfcheetah-random"],
    );
    assert.throws(() => parseComparisons(["adept-iql"], table), /--compare: expected A:B \(e\.g\. adept-iql:iql\), got "adept-iql"/);
    assert.throws(
      () => parseComparisons(["adept-iql:mopo"], table),
      /--compare adept-iql:mopo: no finished runs of "mopo" \(algorithms: .*iql/,
    );
    const budgets = buildScoreTable([...runs, run("hopper-random", "iql", 0, 3, 2000)]);
    assert.throws(
      () => parseComparisons(["adept-iql:iql"], budgets),
      /"iql" has runs at several budgets \(1000, 2000\); name one as iql@<steps>/,
    );
    assert.equal(parseComparisons(["adept-iql:iql@2000"], budgets)[0]![1].steps, 2000);
  });

  it("warns when the paired runs may have been made by more than one version of the code", () => {
    const at = (r: RunRecord, code?: string): RunRecord => (code ? { ...r, code } : r);
    const compareWith = (codeOf: (algo: string, seed: number) => string | undefined) => {
      const t = buildScoreTable([
        ...[0, 1].flatMap((seed) => [
          at(run("hopper-random", "adept-iql", seed, 5 + seed), codeOf("adept-iql", seed)),
          at(run("hopper-random", "iql", seed, 4), codeOf("iql", seed)),
        ]),
        // not in any pair, so not counted: a seed only one side has, another budget, another dataset only one side has
        at(run("hopper-random", "adept-iql", 2, 9), "0.1.0 at ccccccc"),
        at(run("hopper-random", "iql", 0, 4, 2000), "0.1.0 at ccccccc"),
        at(run("walker2d-random", "iql", 0, 1), "0.1.0 at ccccccc"),
      ]);
      const [[a, b]] = parseComparisons(["adept-iql:iql@1000"], t) as [[never, never]];
      return compare(t, a, b);
    };
    const one = compareWith(() => "0.1.0 at aaaaaaa");
    assert.deepEqual(one.codes, [{ code: "0.1.0 at aaaaaaa", runs: 4 }]);
    assert.equal(codeWarning(one), undefined);
    assert.equal(codeWarning(compareWith(() => undefined)), undefined, "no run recorded its code: no evidence");
    const mixed = compareWith((algo, seed) => (algo === "iql" && seed === 1 ? "0.1.0 at bbbbbbb" : "0.1.0 at aaaaaaa"));
    assert.equal(
      codeWarning(mixed),
      "These runs were made by 2 versions of the code (0.1.0 at aaaaaaa: 3 runs; 0.1.0 at bbbbbbb: 1 run): where a seed's pair spans two versions, it compares the code as well as the algorithms.",
    );
    const unrecorded = compareWith((algo) => (algo === "iql" ? undefined : "0.1.0 at aaaaaaa"));
    assert.match(codeWarning(unrecorded)!, /2 versions of the code \(0\.1\.0 at aaaaaaa: 2 runs; not recorded: 2 runs\)/);
    const modified = compareWith(() => "0.1.0 at aaaaaaa, modified");
    assert.match(codeWarning(modified)!, /^These runs were made by modified code \(0\.1\.0 at aaaaaaa, modified: 4 runs\)/);
  });

  const dir = mkdtempSync(join(tmpdir(), "adept-compare-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("adept report --compare prints each verdict and writes the section", async () => {
    // every run by one commit, but for SAC's: the IQL comparison has no warning, the SAC one has
    const codeOf = (r: RunRecord) => ({ version: "0.1.0", commit: (r.algo === "sac" ? "b" : "a").repeat(40), dirty: false });
    for (const r of runs) {
      const out = join(dir, "runs", r.dir);
      mkdirSync(out, { recursive: true });
      writeFileSync(
        join(out, "config.json"),
        JSON.stringify({ algo: r.algo, dataset: r.dataset, task: r.task, seed: r.seed, steps: r.steps, code: codeOf(r) }),
      );
      writeFileSync(join(out, "summary.json"), JSON.stringify({ status: "finished", ...r.summary }));
    }
    const program = new Command().exitOverride();
    register(program);
    const printed = await captureStdout(() =>
      program.parseAsync([
        "node",
        "adept",
        "report",
        join(dir, "runs"),
        "--out",
        join(dir, "report"),
        "--compare",
        "adept-iql:iql,adept-iql:sac",
      ]),
    );
    assert.match(
      printed,
      /ADEPT\+IQL vs IQL: halfcheetah-random no difference shown; hopper-random ADEPT\+IQL > IQL; random \(average\) no difference shown/,
    );
    assert.match(printed, /ADEPT\+IQL vs SAC: halfcheetah-random one seed/);
    const md = readFileSync(join(dir, "report", "report.md"), "utf8");
    assert.match(md, /## Paired comparisons \(last evaluation\)\n\n### ADEPT\+IQL vs IQL\n/);
    assert.match(md, /\| hopper-random \| 13\.0 \| 10\.0 \| \+3\.0 \[\+0\.5, \+5\.5\] \| 3 \/ 3 \| – \| ADEPT\+IQL > IQL \|/);
    const [iqlSection, sacSection] = md.split("### ADEPT+IQL vs SAC");
    assert.doesNotMatch(iqlSection!, /versions of the code/);
    assert.match(sacSection!, /These runs were made by 2 versions of the code \(0\.1\.0 at aaaaaaa: 1 run; 0\.1\.0 at bbbbbbb: 1 run\)/);
  });
});
