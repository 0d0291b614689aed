// adept report on fabricated run directories with known numbers: the table's means and
// stds over seeds, the paper's numbers in the right rows and columns, the notes, and the
// Markdown, HTML (inline SVG, nothing fetched) and figures written.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Command } from "commander";
import { register } from "../../src/cli/report.js";
import {
  buildScoreTable,
  findRuns,
  meanSampleStd,
  type Report,
  runListGrid,
  tableGrid,
  tableNotes,
  writeReport,
} from "../../src/run/report/index.js";
import { captureStdout } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "adept-report-"));
const runs = join(dir, "runs");

/**
 * A run directory like `adept train` writes: evaluations at 500 and 1000 steps (the last one
 * scores `last`, the best `best`), and wm/gap keys for ADEPT variants.
 */
function fabricate(
  dataset: string,
  algo: string,
  seed: number,
  last: number,
  best: number,
  options: { finished?: boolean; steps?: number } = {},
): void {
  const steps = options.steps ?? 1000;
  const out = join(runs, dataset, algo, `seed${seed}`);
  mkdirSync(out, { recursive: true });
  const task = dataset.split("-")[0];
  writeFileSync(
    join(out, "config.json"),
    JSON.stringify({
      algo,
      dataset,
      datasetPath: `/data/${dataset}.hdf5`,
      task,
      seed,
      steps,
      batchSize: 256,
      evalEvery: steps / 2,
      evalEpisodes: 10,
      config: {},
    }),
  );
  const adept = algo.startsWith("adept");
  const lines = [
    { step: steps / 2, time: 1, "loss/q": 1, ...(adept ? { "wm/ess": 500 + seed, "gap/eps_r": 0.1 * (seed + 1) } : {}) },
    { step: steps / 2, time: 1, "eval/normalized_mean": best, "eval/normalized_std": 1, "eval/return_mean": 100 },
    { step: steps, time: 2, "loss/q": 0.5, ...(adept ? { "wm/ess": 600 + seed, "gap/eps_r": 0.05 * (seed + 1) } : {}) },
    { step: steps, time: 2, "eval/normalized_mean": last, "eval/normalized_std": 1, "eval/return_mean": 90 },
  ];
  writeFileSync(join(out, "metrics.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
  if (options.finished === false) return;
  const ev = (step: number, mean: number) => ({ step, normalized: { mean, std: 1 } });
  writeFileSync(
    join(out, "summary.json"),
    JSON.stringify({
      algo,
      dataset,
      task,
      seed,
      steps,
      last: ev(steps, last),
      best: ev(steps / 2, Math.max(best, last)),
      wallSeconds: 60,
      updatesPerSecond: 16.7,
    }),
  );
}

describe("adept report", () => {
  let report: Report;

  before(async () => {
    // hopper-random: IQL over three seeds (last 5, 7, 9 → 7 ± 2; best 6, 10, 11 → 9 ± 2.646)
    fabricate("hopper-random", "iql", 0, 5, 6);
    fabricate("hopper-random", "iql", 1, 7, 10);
    fabricate("hopper-random", "iql", 2, 9, 11);
    // ADEPT+IQL over two seeds only (→ marked n=2), with world-model diagnostics
    fabricate("hopper-random", "adept-iql", 0, 20, 20);
    fabricate("hopper-random", "adept-iql", 1, 30, 30);
    // halfcheetah-random: IQL and SAC; one SAC run unfinished (left out)
    fabricate("halfcheetah-random", "iql", 0, 10, 10);
    fabricate("halfcheetah-random", "iql", 1, 12, 12);
    fabricate("halfcheetah-random", "iql", 2, 14, 14);
    fabricate("halfcheetah-random", "sac", 0, 1, 2);
    fabricate("halfcheetah-random", "sac", 1, 3, 4);
    fabricate("halfcheetah-random", "sac", 2, 5, 6);
    fabricate("halfcheetah-random", "sac", 3, 99, 99, { finished: false });
    // a medium dataset with a model-free baseline the paper has no numbers for
    fabricate("walker2d-medium", "bc", 0, 40, 41);
    fabricate("walker2d-medium", "bc", 1, 44, 45);
    fabricate("walker2d-medium", "bc", 2, 42, 43);
    report = await writeReport([runs], { out: join(dir, "report"), score: "last" });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("finds every run directory recursively", () => {
    assert.equal(findRuns([runs]).length, 15);
    assert.equal(report.table.runs.length, 14);
    assert.deepEqual(
      report.table.unfinished.map((r) => r.seed),
      [3],
    );
  });

  it("averages over seeds: mean ± sample std per (dataset, algorithm)", () => {
    const row = (d: string) => report.table.rows.find((r) => r.dataset === d)!;
    const cell = row("hopper-random").cells["iql@1000"]!;
    assert.equal(cell.n, 3);
    assert.deepEqual(cell.seeds, [0, 1, 2]);
    assert.equal(cell.mean, 7);
    assert.ok(Math.abs(cell.std - 2) < 1e-12);
    const adept = row("hopper-random").cells["adept-iql@1000"]!;
    assert.equal(adept.mean, 25);
    assert.ok(Math.abs(adept.std - Math.sqrt(50)) < 1e-12);
    // last3: the mean of each run's last three evaluations (here its two: 6 and 5, 10 and 7, 11 and 9).
    const last3 = buildScoreTable(findRuns([runs]), "last3").rows.find((r) => r.dataset === "hopper-random")!.cells["iql@1000"]!;
    assert.deepEqual(last3.scores, [5.5, 8.5, 10]);
    const sac = row("halfcheetah-random").cells["sac@1000"]!;
    assert.equal(sac.n, 3, "the unfinished seed is left out");
    assert.equal(sac.mean, 3);
    // best evaluation
    const best = buildScoreTable(findRuns([runs]), "best");
    const b = best.rows.find((r) => r.dataset === "hopper-random")!.cells["iql@1000"]!;
    assert.equal(b.mean, 9);
    assert.ok(Math.abs(b.std - meanSampleStd([6, 10, 11]).std) < 1e-12);
  });

  it("lays the table out like the paper's Table 1: datasets as rows, algorithms as columns, paper beside ours", () => {
    const grid = tableGrid(report.table);
    assert.deepEqual(grid.header, ["dataset", "IQL", "IQL (paper)", "ADEPT+IQL", "ADEPT+IQL (paper)", "SAC", "SAC (paper)", "BC"]);
    const byName = Object.fromEntries(grid.body.map((r) => [r[0], r]));
    // rows: random before medium, tasks alphabetical
    assert.deepEqual(
      grid.body.map((r) => r[0]),
      ["halfcheetah-random", "hopper-random", "walker2d-medium", "random (average)"],
    );
    assert.deepEqual(byName["hopper-random"], ["hopper-random", "7.0 ± 2.0", "7.5", "25.0 ± 7.1 (n=2)", "–", "–", "11.3", "–"]);
    assert.deepEqual(byName["halfcheetah-random"], ["halfcheetah-random", "12.0 ± 2.0", "12.5", "–", "–", "3.0 ± 2.0", "30.5", "–"]);
    assert.deepEqual(byName["walker2d-medium"], ["walker2d-medium", "–", "78.3", "–", "–", "–", "0.9", "42.0 ± 2.0"]);
    // averages over halfcheetah and hopper: ours where both exist, the paper's over the same tasks;
    // ADEPT+IQL's published average is over all three tasks, so not shown for two.
    assert.deepEqual(byName["random (average)"], ["random (average)", "9.5", "10.0", "–", "–", "–", "20.9", "–"]);
  });

  it("states the score, seeds, budget and sources in notes", () => {
    const md = report.markdown;
    assert.match(md, /\*\*last\*\* evaluation of each run \(10 episodes/);
    assert.match(md, /3 seeds per cell unless marked \(n=k\)/);
    assert.match(md, /ours 1,000 gradient steps per run, evaluated every 500 steps; the paper trains for 1M steps/);
    assert.match(md, /IQL from Table 1; SAC from Table 1; ADEPT\+IQL from averages implied/);
    assert.match(md, /Left out: 1 unfinished run .*sac\/seed3/);
  });

  it("writes report.md with the table and figures, and a self-contained report.html with inline SVG", () => {
    const md = readFileSync(join(dir, "report", "report.md"), "utf8");
    assert.match(md, /\| dataset \| IQL \| IQL \(paper\) \|/);
    assert.match(md, /\| hopper-random \| 7\.0 ± 2\.0 \| 7\.5 \|/);
    assert.match(md, /!\[Learning curves: hopper-random\]\(figures\/curves-hopper-random\.svg\)/);
    assert.match(md, /!\[World-model diagnostics: hopper-random\]\(figures\/wm-hopper-random\.svg\)/);
    assert.doesNotMatch(md, /wm-halfcheetah-random/, "no diagnostics where no run logged any");
    // the diagnostics table: last logged value per run, averaged over the runs (ε_r: 0.05, 0.10 → 0.075)
    assert.match(md, /\| dataset \| algorithm \| runs \| score \(last\) \| ε_m \| ε_r \|/);
    assert.match(md, /\| hopper-random \| ADEPT\+IQL \| 2 \| 25\.0 \| – \| 0\.08 \|/, "beside the scores (20, 30)");
    assert.doesNotMatch(md, /\| halfcheetah-random \| IQL \| 3 \|/, "no diagnostics row for runs without any");
    for (const f of report.figures) assert.ok(existsSync(f), f);
    assert.equal(report.figures.length, 7); // three learning-curve charts, three of losses/values, one of diagnostics

    const html = readFileSync(join(dir, "report", "report.html"), "utf8");
    assert.match(html, /^<!doctype html>/);
    assert.equal((html.match(/<svg /g) ?? []).length, 7);
    assert.match(html, /<td class="">7\.0 ± 2\.0<\/td><td class="p">7\.5<\/td>/);
    assert.doesNotMatch(html, /<script|<link |src="http|href="http/, "nothing is fetched");
    // the charts carry the data: algorithm names in the legends, each panel titled in words with its unit
    const curves = readFileSync(join(dir, "report", "figures", "curves-hopper-random.svg"), "utf8");
    assert.match(curves, /ADEPT\+IQL/);
    assert.match(curves, /normalized score/);
    const wm = readFileSync(join(dir, "report", "figures", "wm-hopper-random.svg"), "utf8");
    assert.match(wm, /ESS of the importance weights/);
    assert.match(wm, /rows \(of the batch\)/);
    assert.match(wm, /ε_r: reward error/);
    assert.match(wm, /\|r̂ − r\|, reward units/);
    assert.doesNotMatch(wm, />value</, "every axis names its unit");
    const training = readFileSync(join(dir, "report", "figures", "training-hopper-random.svg"), "utf8");
    assert.match(training, /critic loss \(TD\)/);
    assert.match(training, /squared TD error/);
    assert.match(training, /ADEPT\+IQL/);
    assert.match(md, /!\[Losses and value estimates: hopper-random\]\(figures\/training-hopper-random\.svg\)/);
    // sized for the page: the learning curves span most of its 1200 px
    const width = Number(/<svg[^>]* width="(\d+)/.exec(curves)?.[1]);
    assert.ok(width > 900 && width <= 1200, `learning curves ${width} px wide`);
  });

  it("finds the paper's numbers for a rebuilt size of a D4RL dataset, marked as a different size", () => {
    const rebuilt = (algo: string, seed: number, score: number) => ({
      ...findRuns([join(runs, "hopper-random", "iql", "seed0")])[0]!,
      algo,
      seed,
      dataset: "hopper-medium-replay-50000",
      kind: "medium-replay-50000",
      summary: { steps: 1000, last: { step: 1000, normalized: { mean: score, std: 0 } } },
    });
    const table = buildScoreTable([rebuilt("iql", 0, 50), rebuilt("iql", 1, 60), rebuilt("sac", 0, 5)]);
    const grid = tableGrid(table);
    assert.deepEqual(grid.body[0], ["hopper-medium-replay-50000", "55.0 ± 7.1", "73.9 †", "5.0 (n=1)", "70.4 †"]);
    assert.equal(table.rows[0]!.paperDataset, "hopper-medium-replay");
    assert.ok(
      tableNotes(table).some((n) =>
        /†: the paper's number for the full-size D4RL dataset .*hopper-medium-replay-50000 → hopper-medium-replay/.test(n),
      ),
    );
    // a size in thousands, and an id that is not a rebuilt size of any published dataset
    assert.equal(buildScoreTable([{ ...rebuilt("iql", 0, 1), dataset: "walker2d-random-20k" }]).rows[0]!.paper.iql, 5.4);
    assert.equal(buildScoreTable([{ ...rebuilt("iql", 0, 1), dataset: "my-logs-2000" }]).rows[0]!.paper.iql, undefined);
  });

  it("shows each run's kernels and code in the run list, and every change a resume made to them", () => {
    const record = (kernels: string, threads: number) => ({ kernels, backend: kernels.split("/")[1], threads, summary: "…" });
    const at = join(dir, "kernels");
    mkdirSync(at, { recursive: true });
    const config = JSON.parse(readFileSync(join(runs, "hopper-random", "iql", "seed0", "config.json"), "utf8"));
    writeFileSync(
      join(at, "config.json"),
      JSON.stringify({
        ...config,
        backend: record("native/openblas", 2),
        code: { version: "0.1.0", commit: "2ebbafc".padEnd(40, "0"), dirty: false },
        resumedOn: [
          { step: 400, backend: record("native/openblas", 2), code: { version: "0.1.0", commit: "2ebbafc".padEnd(40, "0"), dirty: false } },
          { step: 700, backend: record("native/portable-avx512", 1) }, // an older adept: no code recorded
          {
            step: 800,
            backend: record("native/portable-avx512", 1),
            code: { version: "0.1.0", commit: "1cbb218".padEnd(40, "0"), dirty: true },
          },
        ],
      }),
    );
    // begun by an adept that recorded no code, resumed by one that does
    const later = join(dir, "kernels-later");
    mkdirSync(later, { recursive: true });
    const resumedOn = [{ step: 500, backend: record("native/openblas", 1), code: { version: "0.1.0", commit: "1cbb218".padEnd(40, "0") } }];
    writeFileSync(join(later, "config.json"), JSON.stringify({ ...config, backend: record("native/openblas", 1), resumedOn }));
    const old = findRuns([join(runs, "walker2d-medium", "bc", "seed0")]);
    const grid = runListGrid([...findRuns([at]), ...findRuns([later]), ...old], dir);
    assert.deepEqual(grid.header.slice(-2), ["kernels", "code"]);
    assert.deepEqual(
      grid.body.map((row) => row.slice(-2)),
      [
        ["openblas 2T → portable-avx512 1T", "0.1.0 at 2ebbafc → ? → 0.1.0 at 1cbb218, modified"],
        ["openblas 1T", "? → 0.1.0 at 1cbb218"],
        ["–", "–"], // a run from before kernels and code were recorded
      ],
    );
  });

  it("the CLI writes the report and rejects bad input with one line", async () => {
    const program = new Command().exitOverride();
    register(program);
    const printed = await captureStdout(() =>
      program.parseAsync(["node", "adept", "report", runs, "--out", join(dir, "cli"), "--score", "best"]),
    );
    assert.match(printed, /14 finished runs, 3 datasets × 4 algorithms \(1 unfinished left out\)/);
    assert.match(readFileSync(join(dir, "cli", "report.md"), "utf8"), /\*\*best\*\* evaluation/);
    await assert.rejects(
      program.parseAsync(["node", "adept", "report", runs, "--out", join(dir, "x"), "--score", "median"]),
      /--score must be last, best, last3; got "median"/,
    );
    await assert.rejects(
      program.parseAsync(["node", "adept", "report", join(dir, "nothing"), "--out", join(dir, "x")]),
      /no such directory/,
    );
  });
});
