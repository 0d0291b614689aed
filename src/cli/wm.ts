import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { resolveDataset } from "../data/cache.js";
import type { Dataset } from "../data/index.js";
import type {
  FitOptions,
  OneStepReport,
  PhysicsOneStepReport,
  RolloutReport,
  WorldModel,
  WorldModelMetrics,
  WorldModelProvenance,
} from "../diffusion/index.js";
import { WORLD_MODEL_CONFIG } from "../diffusion/world-model.js";
import type { ConfigSchema } from "../util/config.js";
import { CliError, parseInteger } from "./errors.js";
import { fieldOptions, flagValue } from "./flags.js";

/** File names inside a world-model directory written by `adept wm train`. */
export const WM_FILES = { diffusion: "world-model.safetensors", ensemble: "ensemble.safetensors", run: "train.json" } as const;

/** What `wm train` records next to the weights (the eval reuses the held-out split). */
interface TrainRecord {
  dataset: string;
  datasetSize: number;
  steps: number;
  seed: number;
  holdout: number;
  config: object;
  ensembleConfig?: object;
  ensembleSteps?: number;
  metrics: Record<string, Record<string, number>>;
  /** Training seconds of each model over every session (from `secondsFrom[name]` where that is set). */
  seconds: Record<string, number>;
  /** Where a model's seconds count from: the step it was resumed at from a save that kept no time. */
  secondsFrom?: Record<string, number>;
  /** Updates of each model when this record was written (the time above is of these updates). */
  updates?: Record<string, number>;
  /** false while the models train (the record is rewritten at every save), true once all reached their steps. */
  complete?: boolean;
  /** The kernels of the last session that trained (src/tensor/backend.ts). */
  backend?: object;
}

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
    watchParent(); // a sweep's world-model stage stops when its sweep is gone (it resumes from its checkpoint)
    const { DiffusionWorldModel, GaussianEnsembleWorldModel, splitByEpisodes } = await import("../diffusion/index.js");
    const { datasetFingerprint } = await import("../data/fingerprint.js");
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
    const { train: rows, test } = splitByEpisodes(dataset, holdout, seed);
    if (rows.length === 0) throw new CliError(`${datasetPath}: no training rows with a known next observation`);
    if (!opts.resume && existsSync(out) && readdirSync(out).length > 0)
      throw new CliError(`${out} is not empty: pass --resume to continue the models in it, or choose another --out`);
    // One writer per directory, as for runs (a queue's stage may move between workers): released at exit.
    mkdirSync(out, { recursive: true });
    const { RunLock } = await import("../run/lock.js");
    RunLock.acquire(out);
    const { backendRecord } = await import("../tensor/backend.js");
    const provenance = { fingerprint: datasetFingerprint(dataset), heldOutFraction: holdout, splitSeed: seed, file: datasetPath };
    const recordPath = join(out, WM_FILES.run);
    // The time a resumed model already trained, from the record its last save wrote (an older
    // adept wrote the record only at the end: its time is then counted from the resumed step).
    const before = opts.resume ? previousRecord(recordPath) : undefined;
    // What earlier sessions recorded of a model this one does not train (the ensemble, when only
    // the diffusion model goes on) stays as it was.
    const record: TrainRecord = {
      ...before,
      dataset: datasetPath,
      datasetSize: dataset.size,
      steps,
      seed,
      holdout,
      config,
      metrics: { ...before?.metrics },
      seconds: { ...before?.seconds },
      updates: { ...before?.updates },
      complete: false,
    };
    const writeRecord = (): void => {
      writeFileSync(`${recordPath}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
      renameSync(`${recordPath}.tmp`, recordPath); // a stage's status reads it: never half of it
    };
    // SIGINT / SIGTERM (Ctrl-C, a sweep stopping): the model in training is saved at the step it
    // reached, so a resume loses nothing. Training yields to the event loop between slices so
    // that the signal is seen within a fraction of a second.
    let stopSignal: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      stopSignal = signal;
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const log = (name: string, offset: number, total: number) => (t: number, m: Record<string, number>) => {
      const step = offset + t + 1;
      if (logEvery > 0 && (step % logEvery === 0 || step === total))
        process.stdout.write(`${name} step ${step}/${total}  ${formatMetrics(m)}\n`);
    };
    // Each model is saved (atomically) every --checkpoint-every steps and when stopped. Its batches
    // and noise come from its own RNG, which the file keeps, so a model trained in slices, saved
    // at any step and resumed equals one trained in a single call.
    const SLICE = 100;
    const trainModel = async <M extends TrainableWorldModel>(
      name: "diffusion" | "ensemble",
      path: string,
      total: number,
      fresh: () => M,
      load: (p: string) => M,
    ): Promise<M> => {
      const model =
        opts.resume && existsSync(path) ? resumable(load(path), path, provenance, name === "diffusion" ? config : undefined) : fresh();
      model.provenance = provenance;
      // The time of earlier sessions, from the record of the last save (a kill between saving the
      // model and its record leaves at most one save interval uncounted); none in a record of an
      // older adept, which kept no updates: the time then counts from here.
      const recorded = before?.updates?.[name];
      const known = recorded !== undefined && recorded <= model.updates;
      const priorSeconds = known ? (before?.seconds[name] ?? 0) : 0;
      const from = known ? (before?.secondsFrom?.[name] ?? 0) : model.updates;
      if (from > 0) record.secondsFrom = { ...record.secondsFrom, [name]: from };
      else if (record.secondsFrom) delete record.secondsFrom[name];
      record.seconds[name] = priorSeconds;
      record.updates![name] = model.updates;
      const t0 = performance.now();
      const save = (): void => {
        model.save(path);
        record.seconds[name] = priorSeconds + (performance.now() - t0) / 1000;
        record.updates![name] = model.updates;
        writeRecord();
      };
      if (model.updates < total) record.backend = backendRecord(); // the kernels of the session that trains
      let metrics: Record<string, number> = before?.metrics[name] ?? {};
      mkdirSync(out, { recursive: true });
      while (model.updates < total && stopSignal === undefined) {
        const n = Math.min(SLICE, total - model.updates, checkpointEvery - (model.updates % checkpointEvery));
        metrics = model.fit(dataset, n, { rows, onStep: log(name, model.updates, total) });
        if (model.updates % checkpointEvery === 0 || model.updates === total) save();
        await new Promise((resolve) => setImmediate(resolve)); // let a signal in
      }
      if (stopSignal !== undefined || !existsSync(path)) save();
      record.metrics[name] = metrics;
      return model;
    };
    const stopped = (): boolean => {
      if (stopSignal === undefined) return false;
      const at = Object.entries(record.updates ?? {})
        .map(([name, n]) => `${name} at step ${n}`)
        .join(", ");
      process.stderr.write(`stopped by ${stopSignal}: ${at}, saved in ${out} (continue with --resume)\n`);
      process.exitCode = 128 + (constants.signals[stopSignal] ?? 15);
      return true;
    };
    await trainModel(
      "diffusion",
      join(out, WM_FILES.diffusion),
      steps,
      () => DiffusionWorldModel.fromDataset(dataset, config, seed, rows),
      (p) => DiffusionWorldModel.load(p),
    );
    if (stopped()) return;
    if (opts.baseline) {
      const path = join(out, WM_FILES.ensemble);
      const ensemble = await trainModel(
        "ensemble",
        path,
        ensembleSteps,
        () => GaussianEnsembleWorldModel.fromDataset(dataset, { batchSize: config.batchSize, clip: config.clip }, seed, rows),
        (p) => GaussianEnsembleWorldModel.load(p),
      );
      if (stopped()) return;
      // MOPO's elites, by held-out error (the training rows when nothing is held out).
      record.metrics.ensembleHeldOutMse = Object.fromEntries(
        ensemble.selectElites(dataset, test.length > 0 ? test : rows).map((v, e) => [`member${e}`, v]),
      );
      record.ensembleConfig = ensemble.config;
      record.ensembleSteps = ensembleSteps;
      ensemble.save(path);
    }
    record.complete = true;
    writeRecord();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
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

/**
 * A saved model to continue: trained on the same data (fingerprint) and, for the diffusion
 * model, with the config the flags ask for; otherwise a one-line error naming the file.
 */
/** What `wm train` needs of a model: training, its config, and where its data came from. */
type TrainableWorldModel = WorldModel & {
  fit(dataset: Dataset, steps: number, options?: FitOptions): WorldModelMetrics;
  provenance?: WorldModelProvenance;
  readonly config: object;
};

function resumable<M extends TrainableWorldModel>(
  model: M,
  path: string,
  provenance: { fingerprint: string; file: string },
  config?: object,
): M {
  if (model.provenance?.fingerprint !== provenance.fingerprint)
    throw new CliError(`${path}: trained on other data than ${provenance.file} (dataset fingerprints differ); it cannot be resumed on it`);
  if (config)
    for (const [key, value] of Object.entries(config)) {
      const saved = (model.config as Record<string, unknown>)[key];
      if (saved !== value)
        throw new CliError(`${path}: trained with ${key} ${JSON.stringify(saved)}, the flags ask for ${JSON.stringify(value)}`);
    }
  return model;
}

/** The record a previous session wrote into a world-model directory, if it reads as one. */
function previousRecord(path: string): TrainRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, "utf8")) as TrainRecord;
    return typeof record.seconds === "object" && record.seconds !== null ? record : undefined;
  } catch {
    return undefined; // none yet, or torn: the time counts from the resumed step
  }
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
