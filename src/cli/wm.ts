import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { resolveDataset } from "../data/cache.js";
import type { Dataset } from "../data/index.js";
import type { OneStepReport, PhysicsOneStepReport, RolloutReport, WorldModel } from "../diffusion/index.js";
import { WORLD_MODEL_CONFIG } from "../diffusion/world-model.js";
import { WORLD_MODEL_FILES } from "../run/world-model-file.js";
import { TRAIN_RECORD_FILE, type TrainRecord, trainWorldModels } from "../run/world-model-train.js";
import type { ConfigSchema } from "../util/config.js";
import { CliError, parseInteger } from "./errors.js";
import { fieldOptions, flagValue } from "./flags.js";

/** File names inside a world-model directory written by `adept wm train`. */
const WM_FILES = {
  diffusion: WORLD_MODEL_FILES.diffusion,
  ensemble: WORLD_MODEL_FILES["gaussian-ensemble"],
  run: TRAIN_RECORD_FILE,
} as const;

/** Registers `adept wm train` and `adept wm eval`. */
export function register(program: Command): void {
  const wm = program
    .command("wm")
    .description("The guided diffusion world model: train it, and measure it against held-out data and real physics");

  const train = wm
    .command("train")
    .description("Train the diffusion world model (and optionally the Gaussian-ensemble baseline) on a dataset")
    .requiredOption("--dataset <file>", "D4RL/Minari HDF5 or .jsonl file, or a D4RL id found in $D4RL_DATASET_DIR or ~/.d4rl/datasets")
    .requiredOption("--steps <n>", "gradient steps")
    .requiredOption("--out <dir>", "output directory (world-model.safetensors, train.json)")
    .option("--seed <s>", "seed of initialization, batches and sampling", "0")
    .option("--holdout <fraction>", "fraction of episodes held out for `wm eval` (and the ensemble's elites)", "0.1")
    .option("--baseline", "also train the MOPO-style Gaussian ensemble (same batch size; its steps: --ensemble-steps)")
    .option("--ensemble-steps <n>", "gradient steps of the --baseline ensemble (default: --steps)")
    .option("--env <name>", "the environment, when the file does not say")
    .option("--log-every <n>", "print the losses every n steps (0: never)", "1000")
    .option("--checkpoint-every <n>", "save the model(s) every n steps, so that --resume loses at most that many", "5000")
    .option("--resume", "continue the models in --out to --steps (same dataset and config)");
  // Every field of the world-model config is a flag (the schema is loaded eagerly: commander needs the flags before parsing).
  // Switches are --x / --no-x (--x false still works).
  for (const [key, field] of Object.entries(WORLD_MODEL_CONFIG as ConfigSchema))
    for (const option of fieldOptions(key, field, false, `${field.doc} [default: ${String(field.default)}]`)) train.addOption(option);
  train.action(async (opts: Record<string, string | boolean | undefined>) => {
    const { watchParent } = await import("../run/parent-watch.js");
    watchParent(); // a sweep's world-model stage stops when its sweep is gone (it resumes from its last save)
    const { splitByEpisodes } = await import("../diffusion/index.js");
    const { resolveConfig } = await import("../util/config.js");
    const steps = parseInteger("--steps", String(opts.steps), 0);
    const ensembleSteps = opts.ensembleSteps === undefined ? steps : parseInteger("--ensemble-steps", String(opts.ensembleSteps), 0);
    const seed = parseInteger("--seed", String(opts.seed), 0);
    const logEvery = parseInteger("--log-every", String(opts.logEvery), 0);
    const checkpointEvery = parseInteger("--checkpoint-every", String(opts.checkpointEvery), 1);
    const holdout = Number(opts.holdout);
    if (!(holdout >= 0 && holdout < 1)) throw new CliError(`--holdout must be in [0, 1), got ${opts.holdout}`);
    const out = String(opts.out);
    const overrides = Object.fromEntries(Object.keys(WORLD_MODEL_CONFIG).map((k) => [k, flagValue(opts[k])]));
    const config = resolveConfig(WORLD_MODEL_CONFIG, overrides, "wm train");
    const datasetPath = resolveDataset(String(opts.dataset));
    const dataset = await readDataset(datasetPath, opts.env as string | undefined);
    const { train: rows, test: heldOut } = splitByEpisodes(dataset, holdout, seed);
    if (rows.length === 0) throw new CliError(`${datasetPath}: no training rows with a known next observation`);
    if (!opts.resume && existsSync(out) && readdirSync(out).length > 0)
      throw new CliError(`${out} is not empty: pass --resume to continue the models in it, or choose another --out`);
    const { record, stopped } = await trainWorldModels({
      dataset,
      datasetPath,
      rows,
      heldOut,
      holdout,
      seed,
      out,
      steps,
      config,
      baseline: opts.baseline === true,
      ensembleSteps,
      checkpointEvery,
      resume: opts.resume === true,
      onStep: (name, step, total, m) => {
        if (logEvery > 0 && (step % logEvery === 0 || step === total))
          process.stdout.write(`${name} step ${step}/${total}  ${formatMetrics(m)}\n`);
      },
    });
    if (stopped) {
      const at = Object.entries(record.updates ?? {})
        .map(([name, n]) => `${name} at step ${n}`)
        .join(", ");
      process.stderr.write(`stopped by ${stopped}: ${at}, saved in ${out} (continue with --resume)\n`);
      process.exitCode = 128 + (constants.signals[stopped] ?? 15);
      return;
    }
    process.stdout.write(
      `wrote ${out}: ${rows.length} training rows, ${steps} steps (${record.seconds.diffusion!.toFixed(1)} s)${opts.baseline ? ", with the ensemble baseline" : ""}\n`,
    );
  });

  wm.command("eval")
    .description("Held-out one-step errors; with --physics, errors against the MuJoCo simulator (one step and H-step rollouts)")
    .requiredOption("--model <dir>", "a directory written by `wm train` (or one .safetensors world model)")
    .requiredOption("--dataset <file>", "the dataset (held-out rows of the training split when it is the training file)")
    .option("--physics", "compare with the simulator reset to the logged infos/qpos, infos/qvel")
    .option("--horizon <h>", "rollout length for --physics", "10")
    .option("--rows <n>", "at most this many held-out rows (and rollout starts: a quarter of it)", "2000")
    .option("--policy <name>", "policy of the rollouts: random", "random")
    .option("--env <name>", "the environment, when the file does not say")
    .option("--seed <s>", "seed of sampling and of the random policy", "0")
    .option("--json", "print the report as JSON")
    .action(
      async (opts: {
        model: string;
        dataset: string;
        physics?: boolean;
        horizon: string;
        rows: string;
        policy: string;
        env?: string;
        seed: string;
        json?: boolean;
      }) => {
        const { loadWorldModel, oneStepErrors, physicsOneStep, physicsRollouts, splitByEpisodes, stateVariance } = await import(
          "../diffusion/index.js"
        );
        const { Rng } = await import("../util/rng.js");
        const seed = parseInteger("--seed", opts.seed, 0);
        const maxRows = parseInteger("--rows", opts.rows, 1);
        const horizon = parseInteger("--horizon", opts.horizon, 1);
        if (opts.policy !== "random")
          throw new CliError(`--policy: only "random" is available here (agents' policies come with their checkpoints)`);
        const { models, record } = loadModels(opts.model, loadWorldModel);
        const datasetPath = resolveDataset(opts.dataset);
        const dataset = await readDataset(datasetPath, opts.env);
        const sameData = record !== undefined && record.datasetSize === dataset.size;
        const split = splitByEpisodes(dataset, sameData ? record.holdout : 0, sameData ? record.seed : 0);
        let rows = sameData && split.test.length > 0 ? split.test : split.train;
        rows = rows.subarray(0, maxRows);
        const variance = stateVariance(dataset);
        const report: Record<string, { heldOut: OneStepReport; physics?: PhysicsOneStepReport; rollouts?: RolloutReport }> = {};
        let env: Awaited<ReturnType<typeof import("../envs/index.js")["makeEnv"]>> | null = null;
        if (opts.physics) {
          const { makeEnv } = await import("../envs/index.js");
          const task = dataset.task;
          if (!task) throw new CliError("--physics needs the environment: pass --env");
          if (!dataset.qpos || !dataset.qvel)
            throw new CliError(`${datasetPath}: --physics needs infos/qpos and infos/qvel in the dataset`);
          env = await makeEnv(task);
        }
        try {
          for (const [name, model] of Object.entries(models)) {
            if (model.observationDim !== dataset.observationDim || model.actionDim !== dataset.actionDim)
              throw new CliError(
                `${name} model is for S ${model.observationDim}, A ${model.actionDim}; the dataset has S ${dataset.observationDim}, A ${dataset.actionDim}`,
              );
            const entry: (typeof report)[string] = { heldOut: oneStepErrors(model, dataset, rows, new Rng(seed), variance) };
            if (env) {
              const { randomPolicy } = await import("../envs/index.js");
              entry.physics = physicsOneStep(model, dataset, rows, env, new Rng(seed), variance);
              const starts = rows.subarray(0, Math.max(1, Math.floor(rows.length / 4)));
              // Its own stream of the seed (not `seed + 1`, which is the next seed's sampling stream).
              const policy = randomPolicy(env.spec.actionSpace, new Rng(seed).fork("rollout policy"));
              entry.rollouts = physicsRollouts(model, dataset, starts, env, policy, { horizon, rng: new Rng(seed), variance });
            }
            report[name] = entry;
          }
        } finally {
          env?.close();
        }
        const header = {
          dataset: datasetPath,
          rows: rows.length,
          split: sameData ? `held-out ${record!.holdout} of episodes (seed ${record!.seed})` : "all rows (not the training file)",
        };
        process.stdout.write(opts.json ? `${JSON.stringify({ ...header, models: report }, null, 2)}\n` : formatReport(header, report));
      },
    );
}

function loadModels(path: string, load: (p: string) => WorldModel): { models: Record<string, WorldModel>; record?: TrainRecord } {
  if (!existsSync(path)) throw new CliError(`${path} does not exist`);
  if (!statSync(path).isDirectory()) {
    const model = load(path);
    return { models: { [model.kind]: model } };
  }
  const models: Record<string, WorldModel> = {};
  for (const [name, file] of [
    ["diffusion", WM_FILES.diffusion],
    ["ensemble", WM_FILES.ensemble],
  ] as const) {
    if (existsSync(join(path, file))) models[name] = load(join(path, file));
  }
  if (Object.keys(models).length === 0) throw new CliError(`${path}: no ${WM_FILES.diffusion} or ${WM_FILES.ensemble} inside`);
  const runFile = join(path, WM_FILES.run);
  if (!existsSync(runFile)) return { models };
  try {
    return { models, record: JSON.parse(readFileSync(runFile, "utf8")) as TrainRecord };
  } catch {
    throw new CliError(`${runFile}: not valid JSON (written by \`adept wm train\`; remove it to evaluate on all rows)`);
  }
}

async function readDataset(path: string, env?: string): Promise<Dataset> {
  const { loadDataset, parseTask } = await import("../data/index.js");
  return loadDataset(path, env ? { task: parseTask(env) } : {});
}

function formatMetrics(m: Record<string, number>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} ${v.toPrecision(4)}`)
    .join("  ");
}

function formatReport(
  header: { dataset: string; rows: number; split: string },
  report: Record<string, { heldOut: OneStepReport; physics?: PhysicsOneStepReport; rollouts?: RolloutReport }>,
): string {
  const names = Object.keys(report);
  const num = (x: number): string => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3)) : "–");
  const lines = [
    `dataset ${header.dataset}: ${header.rows} rows, ${header.split}`,
    "",
    `${"".padEnd(34)}${names.map((n) => n.padStart(12)).join("")}`,
  ];
  const row = (label: string, f: (e: (typeof report)[string]) => number | undefined): void => {
    lines.push(`${label.padEnd(34)}${names.map((n) => num(f(report[n]!) ?? Number.NaN).padStart(12)).join("")}`);
  };
  lines.push("held-out one step");
  row("  s′ nMSE (copy s: baseline)", (e) => e.heldOut.copyBaseline.nmse);
  row("  s′ nMSE", (e) => e.heldOut.nextState.nmse);
  row("  reward MSE", (e) => e.heldOut.reward.mse);
  row("  reward MAE", (e) => e.heldOut.reward.mae);
  row("  terminal precision", (e) => e.heldOut.terminal.precision);
  row("  terminal recall", (e) => e.heldOut.terminal.recall);
  if (report[names[0]!]!.physics) {
    lines.push("vs physics, one step from logged qpos/qvel");
    row("  logged s′ vs simulator nMSE", (e) => e.physics!.datasetVsSimulator.nextState.nmse);
    row("  s′ nMSE", (e) => e.physics!.nextState.nmse);
    row("  reward MAE", (e) => e.physics!.reward.mae);
    row("  terminal precision", (e) => e.physics!.terminal.precision);
    row("  terminal recall", (e) => e.physics!.terminal.recall);
    const H = report[names[0]!]!.rollouts!.horizon;
    lines.push(`vs physics, ${H}-step rollouts (random policy), s′ nMSE / reward MAE per step`);
    for (let t = 0; t < H; t++) {
      const alive = report[names[0]!]!.rollouts!.perStep[t]!.alive;
      row(`  step ${t + 1} (alive ${alive}) nMSE`, (e) => e.rollouts!.perStep[t]!.nmse);
      row(`  step ${t + 1} reward MAE`, (e) => e.rollouts!.perStep[t]!.rewardMae);
    }
  }
  return `${lines.join("\n")}\n`;
}
