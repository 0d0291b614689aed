/**
 * The table of bench/precision-learning.sh: per algorithm, the final D4RL normalized score
 * (last evaluation, mean over seeds ± the seed spread as sample std) in fp32 and bf16, and
 * for ADEPT+IQL the world model's held-out s′ nMSE (`adept wm eval`) in each precision.
 *
 *   node dist/bench/precision-table.js runs/precision
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = process.argv[2] ?? "runs/precision";
const meanStd = (xs: number[]): string => {
  if (xs.length === 0) return "–";
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const s = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${m.toFixed(1)} ± ${s.toFixed(1)} (n ${xs.length})`;
};
const seedsOf = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith("seed")) : []);

console.log("| algorithm | fp32 score | bf16 score | fp32 wm s′ nMSE | bf16 wm s′ nMSE |");
console.log("|---|---:|---:|---:|---:|");
for (const algo of ["iql", "adept-iql"]) {
  const cells: string[] = [];
  const nmse: string[] = [];
  for (const precision of ["fp32", "bf16"]) {
    const dir = join(root, precision, algo);
    const scores: number[] = [];
    const errors: number[] = [];
    for (const seed of seedsOf(dir)) {
      const summary = join(dir, seed, "summary.json");
      if (existsSync(summary)) {
        const last = JSON.parse(readFileSync(summary, "utf8")).last;
        if (last) scores.push(last.normalized.mean);
      }
      const wm = join(dir, seed, "wm-eval.json");
      if (existsSync(wm)) {
        const report = JSON.parse(readFileSync(wm, "utf8")) as { models: Record<string, { heldOut: { nextState: { nmse: number } } }> };
        for (const entry of Object.values(report.models)) errors.push(entry.heldOut.nextState.nmse);
      }
    }
    cells.push(meanStd(scores));
    nmse.push(errors.length ? `${(errors.reduce((a, b) => a + b, 0) / errors.length).toFixed(4)} (n ${errors.length})` : "–");
  }
  console.log(`| ${algo} | ${cells.join(" | ")} | ${algo === "adept-iql" ? nmse.join(" | ") : "– | –"} |`);
}
