/**
 * The validation of offline policy evaluation against the simulator (issue 17, docs/ope.md
 * "Validation on MuJoCo"): on one task, checkpoints of spread quality (several algorithms,
 * training data and steps), each scored by the simulator and by every OPE estimate on one
 * logged dataset; then, per estimate, Spearman's ρ with the simulator's scores and regret@1
 * (src/ope/rank.ts).
 *
 *   ADEPT_CACHE=… ADEPT_THREADS=1 nice -n 5 node dist/bench/ope-validation.js --task hopper
 *     [--data hopper-medium-replay] [--out runs/ope-validation] [--results results/ope-validation]
 *     [--episodes 10] [--wm-steps 5000] [--ensemble-steps 5000] [--rollouts 100] [--seed 0]
 *     [--tag NAME] [--plan plan.json] [--fqe-steps N --fqe-critics K --fqe-lr X …]
 *     [--horizon H|mean]
 *
 * A variant of the OPE settings (FQE flags; --horizon, --rollouts, world-model steps) needs a
 * --tag: the estimates that change go to their own folder (fqe-TAG/, models-h<H>-TAG/), the
 * others are reused, and the table is <results>/<task>-TAG.json. The rollouts' folder is
 * named by their horizon (models-h<H>/): --horizon mean is the data's mean episode length
 * (the default before it became the task's time limit).
 *
 * Stages, each resumable (a finished piece is a file under --out and is not redone; a killed
 * run picks up where it stopped):
 *   1. checkpoints   `adept train` per plan entry, one run extended stage by stage (--resume;
 *                    schedules span the last stage), the agent copied out at each stage's
 *                    step (<out>/<task>/checkpoints/)
 *   2. simulator     each checkpoint, `--episodes` episodes of the task (normalized score)
 *   3. world models  the diffusion model and the Gaussian ensemble, trained once on the data
 *   4. OPE           evaluateOffline per checkpoint, in two pieces: FQE (+ value, TD error,
 *                    action RMSE; <out>/<task>/fqe/) and rollouts in both models (+ the
 *                    off-support fraction; <out>/<task>/models-h<H>/)
 *   5. table         <results>/<task>[-tag].json and .csv: one row per checkpoint, and ρ and
 *                    regret@1 per estimate; a Markdown summary on stdout
 * CPU seconds (own + waited-for children) are recorded per stage, with the load average.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadAgentCheckpoint } from "../src/agents/checkpoint.js";
import { agentPolicy } from "../src/agents/policy.js";
import { resolveDataset } from "../src/data/cache.js";
import type { Dataset } from "../src/data/dataset.js";
import { loadDataset } from "../src/data/load.js";
import { DiffusionWorldModel, GaussianEnsembleWorldModel, loadWorldModel } from "../src/diffusion/index.js";
import type { WorldModel } from "../src/diffusion/types.js";
import { Evaluator } from "../src/envs/evaluate.js";
import { evaluateOffline, FQE_CONFIG, type OpeReport, prepareOpeData, regretAt1, rolloutHorizon, spearman } from "../src/ope/index.js";
import { schemaOf } from "../src/run/train.js";
import { kebab } from "../src/util/config.js";

/** One training run of the plan: an algorithm on `<task>-<data>`, copied out at each of `steps`. */
interface PlanEntry {
  algo: string;
  data: string;
  steps: number[];
}

/**
 * Spread by construction: BC, TD3+BC and IQL on the logged data early and later in training,
 * plus BC on the task's random data (poor) and on its medium data (decent) — 11 checkpoints.
 */
const DEFAULT_PLAN: PlanEntry[] = [
  { algo: "bc", data: "medium-replay", steps: [1000, 5000, 20000] },
  { algo: "td3bc", data: "medium-replay", steps: [2000, 10000, 30000] },
  { algo: "iql", data: "medium-replay", steps: [2000, 10000, 30000] },
  { algo: "bc", data: "random", steps: [5000] },
  { algo: "bc", data: "medium", steps: [5000] },
];

const fqeFlags = Object.fromEntries(Object.keys(FQE_CONFIG).map((k) => [kebab(k), { type: "string" as const }]));
const { values: args } = parseArgs({
  options: {
    task: { type: "string" },
    data: { type: "string" },
    out: { type: "string", default: "runs/ope-validation" },
    results: { type: "string", default: "results/ope-validation" },
    episodes: { type: "string", default: "10" },
    "wm-steps": { type: "string", default: "5000" },
    "ensemble-steps": { type: "string" },
    rollouts: { type: "string", default: "100" },
    seed: { type: "string", default: "0" },
    tag: { type: "string" },
    horizon: { type: "string" },
    plan: { type: "string" },
    ...fqeFlags,
  },
});
if (!args.task) throw new Error("--task <hopper|halfcheetah|walker2d> is required");
const task = args.task;
const dataId = args.data ?? `${task}-medium-replay`;
const seed = Number(args.seed);
const episodes = Number(args.episodes);
const wmSteps = Number(args["wm-steps"]);
const ensembleSteps = Number(args["ensemble-steps"] ?? wmSteps);
const rollouts = Number(args.rollouts);
const plan: PlanEntry[] = args.plan ? JSON.parse(readFileSync(args.plan, "utf8")) : DEFAULT_PLAN;
const given = args as Record<string, unknown>;
const fqeConfig = Object.fromEntries(
  Object.keys(FQE_CONFIG)
    .filter((k) => given[kebab(k)] !== undefined)
    .map((k) => [k, Number(given[kebab(k)])]),
);
const fqeVariant = Object.keys(fqeConfig).length > 0;
const modelVariant = rollouts !== 100 || wmSteps !== 5000 || ensembleSteps !== wmSteps;
if (!args.tag && (fqeVariant || modelVariant || args.horizon !== undefined))
  throw new Error("a variant of the OPE settings needs --tag NAME (its results go to their own files)");
const suffix = args.tag ? `-${args.tag}` : "";
const root = join(args.out, task);
const dirs = {
  checkpoints: join(root, "checkpoints"),
  sim: join(root, "sim"),
  wm: join(root, "wm"),
  fqe: join(root, fqeVariant ? `fqe${suffix}` : "fqe"),
};
for (const dir of [...Object.values(dirs), args.results]) mkdirSync(dir, { recursive: true });
const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");
const childEnv = { ...process.env, ADEPT_THREADS: process.env.ADEPT_THREADS ?? "1" };

/** CPU seconds of this process and of the children it has waited for (Linux /proc). */
function cpuSeconds(): number {
  const own = process.cpuUsage();
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  const children = (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime in ticks (USER_HZ 100)
  return (own.user + own.system) / 1e6 + children;
}

/** Runs `fn`, returning its result and the CPU seconds and load average it saw. */
async function measured<T>(fn: () => T | Promise<T>): Promise<{ value: T; cpuSeconds: number; load: number }> {
  const cpu = cpuSeconds();
  const load = loadavg()[0]!;
  const value = await fn();
  return { value, cpuSeconds: cpuSeconds() - cpu, load: (load + loadavg()[0]!) / 2 };
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${path}.tmp`, path); // whole or absent, whatever kills us
}
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

interface Checkpoint {
  id: string;
  algo: string;
  data: string;
  steps: number;
  file: string;
  trainCpuSeconds?: number;
}

// 1. Checkpoints: each plan entry is one run, extended to each stage's step and copied out.
const checkpoints: Checkpoint[] = [];
for (const entry of plan) {
  const run = join(root, "train", `${entry.algo}-${entry.data}`);
  for (const steps of entry.steps) {
    const id = `${entry.algo}-${entry.data}-${steps}`;
    const file = join(dirs.checkpoints, `${id}.safetensors`);
    const meta = `${file}.json`;
    if (!existsSync(meta)) {
      const words = ["train", "--algo", entry.algo, "--dataset", `${task}-${entry.data}`, "--out", run, "--steps", String(steps)];
      words.push("--seed", String(seed), "--eval-episodes", "0", "--checkpoint-every", "1000000", "--no-progress", "--resume");
      // A schedule over the run (IQL's cosine actor lr) is resolved at the first stage: give it
      // the last stage's budget, or the actor would stop learning after the first stage.
      if ("maxSteps" in schemaOf(entry.algo)) words.push("--max-steps", String(Math.max(...entry.steps)));
      console.error(`[${task}] train ${id}`);
      const { cpuSeconds: cpu, load } = await measured(() => {
        const r = spawnSync(process.execPath, [cli, ...words], { stdio: ["ignore", "ignore", "inherit"], env: childEnv });
        if (r.status !== 0) throw new Error(`adept ${words.join(" ")} exited ${r.status}`);
      });
      copyFileSync(realpathSync(join(run, "latest.safetensors")), file);
      writeJson(meta, { id, algo: entry.algo, data: entry.data, steps, command: `adept ${words.join(" ")}`, cpuSeconds: cpu, load });
    }
    const m = readJson<{ cpuSeconds: number }>(meta);
    checkpoints.push({ id, algo: entry.algo, data: entry.data, steps, file, trainCpuSeconds: m.cpuSeconds });
  }
}

const policyOf = (file: string) => {
  const { agent, info } = loadAgentCheckpoint(file);
  return agentPolicy(agent, info.stats);
};

// 2. The simulator's score of each checkpoint.
interface SimRecord {
  normalized: { mean: number; std: number };
  return: { mean: number; std: number };
  meanLength: number;
  episodes: number;
  seed: number;
  cpuSeconds: number;
}
let evaluator: Evaluator | undefined;
for (const c of checkpoints) {
  const path = join(dirs.sim, `${c.id}.json`);
  if (existsSync(path)) continue;
  evaluator ??= await Evaluator.create(task, Math.min(episodes, 10));
  const ev = evaluator;
  console.error(`[${task}] simulator ${c.id}`);
  const { value: r, cpuSeconds: cpu } = await measured(() => ev.run(policyOf(c.file), { episodes, seed: 1000 + seed }));
  const meanLength = r.lengths.reduce((a, b) => a + b, 0) / r.lengths.length;
  if (!r.normalized) throw new Error(`${task} has no reference scores to normalize by`);
  writeJson(path, { normalized: r.normalized, return: r.return, meanLength, episodes, seed: r.seed, cpuSeconds: cpu } satisfies SimRecord);
}
evaluator?.close();

// 3. The world models, once per task on the logged data.
const datasetPath = resolveDataset(dataId);
let dataset: Dataset | undefined;
const data = async (): Promise<Dataset> => {
  dataset ??= await loadDataset(datasetPath);
  return dataset;
};
const wmCpu: Record<string, number> = {};
const models: WorldModel[] = [];
for (const [kind, steps] of [
  ["diffusion", wmSteps],
  ["ensemble", ensembleSteps],
] as const) {
  const path = join(dirs.wm, `${kind}-${steps}.safetensors`);
  if (!existsSync(path)) {
    const d = await data();
    console.error(`[${task}] world model ${kind}, ${steps} steps on ${dataId}`);
    const { cpuSeconds: cpu } = await measured(() => {
      const model =
        kind === "diffusion" ? DiffusionWorldModel.fromDataset(d, {}, seed) : GaussianEnsembleWorldModel.fromDataset(d, {}, seed);
      model.fit(d, steps);
      model.save(path);
    });
    writeJson(`${path}.json`, { steps, dataset: dataId, cpuSeconds: cpu });
  }
  wmCpu[kind] = readJson<{ cpuSeconds: number }>(`${path}.json`).cpuSeconds;
  models.push(loadWorldModel(path));
}

// 4. OPE of each checkpoint on the logged data: FQE, and the model rollouts, kept apart so
// that a variant of one reuses the other.
interface OpeRecord {
  report: OpeReport;
  cpuSeconds: number;
  load: number;
  fqeConfig?: Record<string, number>;
}
const opeData = prepareOpeData(await data(), 0.1, seed);
// The rollouts' horizon, resolved here because it names their folder.
const meanLength = Math.max(1, Math.round(opeData.meanEpisodeLength));
const horizon = args.horizon === undefined ? rolloutHorizon(opeData) : args.horizon === "mean" ? meanLength : Number(args.horizon);
const opeDirs = { fqe: dirs.fqe, models: join(root, `models-h${horizon}${modelVariant ? suffix : ""}`) };
mkdirSync(opeDirs.models, { recursive: true });
for (const c of checkpoints) {
  for (const piece of ["fqe", "models"] as const) {
    const path = join(opeDirs[piece], `${c.id}.json`);
    if (existsSync(path)) continue;
    console.error(`[${task}] ${piece} ${c.id}`);
    const options =
      piece === "fqe" ? { fqe: true, worldModels: [], fqeConfig, seed } : { fqe: false, worldModels: models, rollouts, horizon, seed };
    const { value: report, cpuSeconds: cpu, load } = await measured(() => evaluateOffline(opeData, policyOf(c.file), options));
    writeJson(path, { report, cpuSeconds: cpu, load, ...(piece === "fqe" ? { fqeConfig } : {}) } satisfies OpeRecord);
  }
}

// 5. The table: one row per checkpoint; ρ and regret@1 per estimate against the simulator.
const rows = checkpoints.map((c) => {
  const sim = readJson<SimRecord>(join(dirs.sim, `${c.id}.json`));
  const { report: fqeReport, cpuSeconds: fqeCpu } = readJson<OpeRecord>(join(dirs.fqe, `${c.id}.json`));
  const { report: modelReport, cpuSeconds: modelCpu } = readJson<OpeRecord>(join(opeDirs.models, `${c.id}.json`));
  const fqe = fqeReport.fqe!;
  const model = (kind: string) => modelReport.models.find((m) => m.model === kind)!;
  const diffusion = model("diffusion"),
    ensemble = model("gaussian-ensemble");
  return {
    id: c.id,
    algo: c.algo,
    trainData: `${task}-${c.data}`,
    steps: c.steps,
    simNormalized: sim.normalized.mean,
    simNormalizedStd: sim.normalized.std,
    simReturn: sim.return.mean,
    simLength: sim.meanLength,
    fqe: fqe.estimate,
    fqeLow: fqe.low,
    fqeHigh: fqe.high,
    fqeValue: fqe.value,
    fqeTdRmse: fqe.heldOutTdRmse,
    diffusionReturn: diffusion.return.mean,
    diffusionDiscounted: diffusion.discountedReturn.mean,
    diffusionLength: diffusion.meanLength,
    ensembleReturn: ensemble.return.mean,
    ensembleDiscounted: ensemble.discountedReturn.mean,
    ensembleLength: ensemble.meanLength,
    actionRmse: fqeReport.diagnostics.actionRmse,
    offSupportDiffusion: modelReport.diagnostics.outOfSupport.diffusion,
    offSupportEnsemble: modelReport.diagnostics.outOfSupport["gaussian-ensemble"],
    cpuSeconds: { train: c.trainCpuSeconds, sim: sim.cpuSeconds, fqe: fqeCpu, models: modelCpu },
  };
});
type Row = (typeof rows)[number];
/** Each estimate as a score (higher: better policy); action distance is the naive baseline. */
const METHODS: Record<string, (r: Row) => number> = {
  fqe: (r) => r.fqe,
  "fqe-value": (r) => r.fqeValue,
  diffusion: (r) => r.diffusionReturn,
  "diffusion-discounted": (r) => r.diffusionDiscounted,
  ensemble: (r) => r.ensembleReturn,
  "ensemble-discounted": (r) => r.ensembleDiscounted,
  "-action-rmse": (r) => -r.actionRmse,
};
const truth = rows.map((r) => r.simNormalized);
const methods = Object.fromEntries(
  Object.entries(METHODS).map(([name, score]) => {
    const s = rows.map(score);
    return [name, { spearman: spearman(s, truth), regretAt1: regretAt1(s, truth), picks: rows[s.indexOf(Math.max(...s))]!.id }];
  }),
);
const cpuTotal =
  rows.reduce((sum, r) => sum + (r.cpuSeconds.train ?? 0) + r.cpuSeconds.sim + r.cpuSeconds.fqe + r.cpuSeconds.models, 0) +
  wmCpu.diffusion! +
  wmCpu.ensemble!;
const result = {
  task,
  data: dataId,
  dataset: datasetPath,
  checkpoints: rows.length,
  settings: {
    episodes,
    seed,
    wmSteps,
    ensembleSteps,
    rollouts,
    horizon,
    dataMeanEpisodeLength: meanLength,
    fqeConfig,
    tag: args.tag ?? null,
  },
  command: `node dist/bench/ope-validation.js ${process.argv.slice(2).join(" ")}`,
  machine: { cpu: cpus()[0]?.model, cores: cpus().length },
  cpuSeconds: { total: cpuTotal, worldModels: wmCpu },
  methods,
  rows,
};
const base = join(args.results, `${task}${suffix}`);
writeJson(`${base}.json`, result);
const columns = Object.keys(rows[0]!).filter((k) => k !== "cpuSeconds") as (keyof Row)[];
const csv = [columns.join(","), ...rows.map((r) => columns.map((k) => String(r[k])).join(","))].join("\n");
writeFileSync(`${base}.csv`, `${csv}\n`);

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
console.log(`\n${task}: ${rows.length} checkpoints, OPE on ${dataId}; CPU ${f(cpuTotal / 60, 1)} min\n`);
console.log("| checkpoint | simulator (normalized) | FQE | FQE value | diffusion return | ensemble return | action RMSE |");
console.log("|---|---|---|---|---|---|---|");
for (const r of [...rows].sort((a, b) => b.simNormalized - a.simNormalized))
  console.log(
    `| ${r.id} | ${f(r.simNormalized, 1)} ± ${f(r.simNormalizedStd, 1)} | ${f(r.fqe)} | ${f(r.fqeValue)} | ${f(r.diffusionReturn, 1)} | ${f(r.ensembleReturn, 1)} | ${f(r.actionRmse, 3)} |`,
  );
console.log("\n| estimate | Spearman ρ | regret@1 | picks |\n|---|---|---|---|");
for (const [name, m] of Object.entries(methods)) console.log(`| ${name} | ${f(m.spearman)} | ${f(m.regretAt1, 1)} | ${m.picks} |`);
