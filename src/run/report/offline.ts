/**
 * Runs without a simulator: what the report shows in place of simulator scores — their
 * offline estimates (FQE during training, `--ope-every`) and, as figures, their loss curves.
 */
import { algoName } from "./paper-scores.js";
import type { RunRecord } from "./runs.js";

/** Finished runs that were never scored in a simulator. */
export function offlineRuns(runs: RunRecord[]): RunRecord[] {
  return runs.filter((r) => r.summary !== undefined && r.summary.last === undefined && r.summary.best === undefined);
}

/** One row per run with an offline estimate: FQE's estimate, its interval and the action distance. */
export function opeGrid(runs: RunRecord[]): { header: string[]; body: string[][] } {
  const f = (x: number | undefined): string =>
    x === undefined || !Number.isFinite(x) ? "–" : Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2);
  const body = runs
    .filter((r) => r.summary?.ope !== undefined)
    .sort((a, b) => a.dataset.localeCompare(b.dataset) || a.algo.localeCompare(b.algo) || a.seed - b.seed)
    .map((r) => {
      const o = r.summary!.ope!;
      return [r.dataset, algoName(r.algo), String(r.seed), String(o.step), f(o.fqe), `[${f(o.low)}, ${f(o.high)}]`, f(o.actionRmse)];
    });
  return { header: ["dataset", "algorithm", "seed", "step", "FQE estimate", "95 % interval", "action RMSE"], body };
}

/** Loss keys charted for runs without a simulator. */
export const isLoss = (key: string): boolean => key.startsWith("loss/") || key.startsWith("ope/fqe");

export const OPE_NOTE =
  "FQE estimate: fitted Q evaluation (src/ope/fqe.ts) of the run's policy at that step on its own training data — the discounted return (γ 0.99) from the data's initial states, in the data's reward units, with a bootstrap interval over initial states. Comparable between runs on the same data, not a simulator score. Action RMSE: distance of the policy's actions to the data's, in [−1, 1] units.";
