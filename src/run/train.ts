/**
 * The offline training loop, shared by every algorithm:
 *
 *   load dataset → statistics → normalized replay buffer → agent
 *   repeat: sample → update → (log) → (evaluate in the simulator) → (checkpoint)
 *
 * A run directory holds `config.json` (resolved), `metrics.jsonl`, the current checkpoint
 * unit (`checkpoints/step-…/`, linked as `latest.safetensors`; see checkpoint-unit.ts),
 * `best.safetensors` and `summary.json` (`status`: finished, stopped or diverged). One
 * process writes a run directory at a time (lock.ts). `resume` continues from the current
 * unit with every piece of state restored (networks, optimizers, RNG streams, counters, the
 * metrics being averaged) and refuses settings that differ from config.json (resume.ts);
 * SIGINT and SIGTERM write a checkpoint before the process exits; a non-finite loss or
 * parameter stops the run at that step (divergence.ts).
 */
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ADEPT_VARIANTS, isAdeptVariant, resolveAdeptConfig, variantSchema } from "../adept/config.js";
import { AdeptLearner } from "../adept/learner.js";
import { restoreAgentCheckpoint, saveAgentCheckpoint } from "../agents/checkpoint.js";
import { agentPolicy } from "../agents/policy.js";
import { ALGORITHMS, makeAgent } from "../agents/registry.js";
import { resolveDataset } from "../data/cache.js";
import { datasetFingerprint } from "../data/fingerprint.js";
import { resolveDatasetPath } from "../data/load.js";
import type { GaussianEnsembleWorldModel } from "../diffusion/ensemble.js";
import type { DiffusionWorldModel } from "../diffusion/world-model.js";
import { type EvalResult, Evaluator } from "../envs/evaluate.js";
import { openEnv } from "../envs/source.js";
import { type Learner, PlainLearner } from "../learner/learner.js";
import { type OfflineData, prepareData, type RewardScaling } from "../learner/offline-data.js";
import { MOPO_SCHEMA, MopoLearner } from "../mopo/learner.js";
import { backendRecord } from "../tensor/backend.js";
import { yieldToEventLoop } from "../util/async.js";
import { codeRecord, noteCodeChange } from "../util/code-version.js";
import { type ConfigSchema, resolveConfig } from "../util/config.js";
import { UserError } from "../util/errors.js";
import { MetricsAccumulator } from "../util/metrics.js";
import { createProgress } from "../util/progress.js";
import { type RngState, runSeed, runStream } from "../util/rng.js";
import { faultPoint } from "./_fault.js";
import {
  AGENT_FILE,
  type CheckpointUnit,
  cleanCheckpoints,
  currentCheckpoint,
  latestPath as latestOf,
  writeCheckpointUnit,
} from "./checkpoint-unit.js";
import { DivergenceError, ExplosionWatch, type NonFinite, nonFiniteLoss, nonFiniteTensor } from "./divergence.js";
import { RunLock } from "./lock.js";
import { parseLogFormats, RunLogs } from "./logs/index.js";
import { RUN_OPTIONS, type RunOptions } from "./options.js";
import { checkDataFitsEnv, envWidths, FreshRunDir } from "./preflight.js";
import { checkResume, fileSha256, type RunConfig } from "./resume.js";
import { type TrainingOpe, trainingOpe } from "./training-ope.js";
import { type ReusedWorldModel, reuseWorldModel, worldModelFile, worldModelKindOf } from "./world-model-file.js";

/**
 * Options of {@link trainOffline}; the CLI's `adept train` flags map onto these. The run
 * options with a default (steps, seed, batch size, evaluation, checkpoint and log intervals)
 * are those of {@link RUN_OPTIONS}, where their defaults and docs live.
 */
export interface TrainOptions extends Partial<RunOptions> {
  /** Algorithm name (see src/agents/registry.ts). */
  algo: string;
  /** A dataset file, or the id of a built dataset (`hopper-medium-replay`). */
  dataset: string;
  /** Run directory. */
  out: string;
  /** Algorithm config overrides (field → value or string). */
  config?: Record<string, unknown>;
  /** Continue the run in `out` from its latest checkpoint. */
  resume?: boolean;
  /** Environment for evaluation (default: the dataset's task; none → no evaluation). */
  env?: string;
  /** Show a progress bar (default: true). */
  progress?: boolean;
  /** Reward scaling (default: {@link defaultRewardScaling} of the algorithm). */
  rewardScaling?: RewardScaling;
  /**
   * A pretrained world model to start from instead of pretraining one (ADEPT variants: a
   * diffusion model; mopo: a Gaussian ensemble), as a file or a `wm train` directory.
   */
  worldModel?: string;
  /** A name for this configuration of `algo` (a sweep's variant), recorded in config.json for reports. */
  variant?: string;
  /**
   * The options the caller set on purpose (the CLI: the flags typed). On resume only these
   * are compared with config.json, and the others are taken from it. Default: every option
   * that is not undefined.
   */
  explicit?: readonly string[];
}

/** What a run reports when it ends (also written to summary.json). */
export interface RunSummary {
  /** `finished`: all steps done; `stopped`: by a signal, resumable; `diverged`: a loss or parameter became non-finite. */
  status: "finished" | "stopped" | "diverged";
  /** The signal that stopped the run. */
  signal?: NodeJS.Signals;
  /** Where a diverged run stopped: the step and the first non-finite quantity. */
  diverged?: { step: number; quantity: string; value: string };
  algo: string;
  dataset: string;
  task?: string;
  seed: number;
  steps: number;
  /**
   * The last evaluation (normalized score, mean ± std over episodes; for an environment
   * without reference scores, such as a JS module's, the mean return in its place).
   */
  last?: { step: number; normalized: { mean: number; std: number } };
  /** The best evaluation seen. */
  best?: { step: number; normalized: { mean: number; std: number } };
  /** The last offline estimate, for runs without a simulator (`opeEvery`). */
  ope?: TrainingOpe;
  /** Wall seconds of every session of the run, loading and world-model pretraining included (from {@link RunSummary.wallSecondsFrom} where that is set). */
  wallSeconds: number;
  /** Set when the run resumed from a checkpoint of an older adept, which kept no time: the step from which wallSeconds counts. */
  wallSecondsFrom?: number;
  /** Updates per second of the last session's update loop (the session that wrote the summary). */
  updatesPerSecond: number;
}

/** The reference setting per algorithm: CORL scales rewards for IQL/CQL-style learners, never for TD3+BC. */
export function defaultRewardScaling(algo: string): RewardScaling {
  return algo === "td3bc" ? "none" : "auto";
}

/** Every name `--algo` accepts: the offline agents, the ADEPT variants and MOPO. */
export function algorithmNames(): string[] {
  return [...Object.keys(ALGORITHMS), ...Object.keys(ADEPT_VARIANTS), "mopo"];
}

/** The config schema of an `--algo` name. */
export function schemaOf(algo: string): ConfigSchema {
  if (isAdeptVariant(algo)) return variantSchema(algo);
  if (algo === "mopo") return MOPO_SCHEMA;
  const entry = ALGORITHMS[algo];
  if (!entry) throw new UserError(`unknown algorithm "${algo}" (known: ${algorithmNames().join(", ")})`);
  return entry.schema;
}

/** The learner for an `--algo` name: plain offline RL, or an ADEPT variant. */
function createLearner(
  algo: string,
  data: OfflineData,
  config: Record<string, unknown>,
  seed: number,
  batchSize: number,
  options: { progress: boolean; resuming: boolean; dataset: string; worldModel?: ReusedWorldModel["model"] },
): Learner {
  if (isAdeptVariant(algo))
    return AdeptLearner.create(algo, data, resolveAdeptConfig(algo, config), seed, batchSize, {
      ...options,
      worldModel: options.worldModel as DiffusionWorldModel | undefined,
    });
  if (algo === "mopo")
    return MopoLearner.create(data, config, seed, batchSize, {
      ...options,
      worldModel: options.worldModel as GaussianEnsembleWorldModel | undefined,
    });
  const agent = makeAgent(algo, data.dataset.observationDim, data.dataset.actionDim, config, runSeed(seed, "agent"));
  return new PlainLearner(agent, data.buffer, runStream(seed, "sampler"), batchSize);
}

/** What the loop keeps in every checkpoint besides the agent and the learner's own state. */
interface LoopState {
  samplerRng: RngState;
  best?: RunSummary["best"];
  last?: RunSummary["last"];
  /** Lines metrics.jsonl had at the checkpoint: a resume keeps exactly those. */
  metricsLines?: number;
  /** The running means of the next metrics line. */
  pending?: ReturnType<MetricsAccumulator["state"]>;
  explosion?: ReturnType<ExplosionWatch["state"]>;
  /** The step of the last evaluation (the final one is not repeated by a resume). */
  evaluatedAt?: number;
  /** The last offline estimate (runs without a simulator). */
  ope?: TrainingOpe;
  /** Seconds of training up to the checkpoint, over every session (absent in older checkpoints)… */
  trainingSeconds?: number;
  /** …counted from this step (0, or the step an older checkpoint without the time was resumed at). */
  trainingSecondsFrom?: number;
}

/** Trains an offline agent end to end (see the module comment). */
export async function trainOffline(options: TrainOptions): Promise<RunSummary> {
  const explicit = new Set(options.explicit ?? Object.keys(options).filter((k) => options[k as keyof TrainOptions] !== undefined));
  const run = resolveConfig(RUN_OPTIONS, pickRunOptions(options), "", false); // checked, defaults filled
  schemaOf(options.algo); // an unknown algorithm fails before anything is created
  resolveDataset(options.dataset); // a missing dataset too
  // And an unknown environment; a JS module's is loaded and checked. Its task is the one config.json records.
  const envTask = options.env === undefined ? undefined : (await openEnv(options.env)).entry.task;
  // 1. The run directory: ours alone while we write it (a second writer is refused), cleared of
  // what a killed writer left; a fresh run that fails before its first update leaves it as it
  // found it (removed, if this run created it), so the fixed command works.
  const fresh = new FreshRunDir(options.out, FRESH_FILES);
  const lock = RunLock.acquire(options.out);
  const state = { fresh: true, started: false };
  try {
    return await trainLocked(options, run, explicit, envTask, state);
  } catch (error) {
    if (state.fresh && !state.started) {
      lock.release(); // first, so that a directory this run created is empty and goes too
      fresh.abandon();
    }
    throw error;
  } finally {
    lock.release();
  }
}

/** What a fresh run writes into its directory (removed again when it fails before its first update). */
const FRESH_FILES = [
  "config.json",
  "metrics.jsonl",
  "metrics.csv",
  "tensorboard",
  "latest.safetensors",
  "best.safetensors",
  "summary.json",
  "checkpoints",
];

async function trainLocked(
  options: TrainOptions,
  run: RunOptions,
  explicit: ReadonlySet<string>,
  envTask: string | undefined,
  state: { fresh: boolean; started: boolean },
): Promise<RunSummary> {
  const sessionStartedAt = Date.now(); // the session's wall clock: loading and any pretraining count
  const out = options.out;
  const entries = readdirSync(out).filter((f) => f !== ".lock");
  if (!options.resume && entries.length > 0)
    throw new UserError(`run directory ${out} is not empty: pass --resume to continue it, or choose another --out`);
  cleanCheckpoints(out); // temporary files and units an interrupted writer left (we hold the lock)
  const configPath = join(out, "config.json");
  const unit: CheckpointUnit | undefined = options.resume ? currentCheckpoint(out) : undefined;
  const resuming = unit !== undefined;
  state.fresh = !resuming;
  state.started = resuming; // a failing resume never deletes anything
  const saved: RunConfig | undefined = resuming ? readRunConfig(configPath) : undefined;
  if (options.resume && !resuming) {
    if (entries.some((f) => f !== "log.txt"))
      process.stderr.write(`no checkpoint in ${out} yet: starting fresh (its metrics.jsonl and summary are cleared)\n`);
    for (const f of ["metrics.jsonl", "summary.json", "best.safetensors", "config.json"]) rmSync(join(out, f), { force: true });
  }
  if (saved && unit && !unit.unit && (isAdeptVariant(saved.algo) || saved.algo === "mopo"))
    throw new UserError(
      `${out}: its checkpoint was written by an older adept, whose ${saved.algo} checkpoints were not one unit; start a new run`,
    );

  // 2. The run's settings: from the command, or, when resuming, config.json's (the command may
  // only change the few that do not change the run; see resume.ts).
  const rewardScalingAsked = options.rewardScaling ?? defaultRewardScaling(options.algo);
  const datasetPath = resolveDatasetPath(resolveDataset(options.dataset));
  const datasetSha256 = await fileSha256(datasetPath);
  if (saved) {
    checkResume(
      out,
      saved,
      {
        algo: options.algo,
        datasetSha256,
        datasetPath,
        task: envTask,
        ...(options.variant !== undefined ? { variant: options.variant } : {}),
        seed: run.seed,
        batchSize: run.batchSize,
        evalEvery: run.evalEvery,
        evalEpisodes: run.evalEpisodes,
        rewardScaling: rewardScalingAsked,
        config: options.config ?? {},
        explicit,
      },
      schemaOf,
    );
  }
  // A resume keeps config.json's value of anything the command does not set explicitly.
  const pick = (key: "steps" | "logEvery" | "checkpointEvery" | "opeEvery" | "opeSteps"): number =>
    explicit.has(key) || saved === undefined ? run[key] : (saved[key] ?? run[key]);
  const o = {
    algo: options.algo,
    dataset: options.dataset,
    seed: saved?.seed ?? run.seed,
    out,
    batchSize: saved?.batchSize ?? run.batchSize,
    evalEvery: saved?.evalEvery ?? run.evalEvery,
    evalEpisodes: saved?.evalEpisodes ?? run.evalEpisodes,
    task: saved ? saved.task : envTask,
    steps: pick("steps"),
    logEvery: pick("logEvery"),
    checkpointEvery: pick("checkpointEvery"),
    opeEvery: pick("opeEvery"),
    opeSteps: pick("opeSteps"),
    progress: options.progress,
    rewardScaling: (saved?.rewardScaling ?? rewardScalingAsked) as RewardScaling,
  };
  // checkpointEvery 0 (the default) is the evaluation interval: a resume then never redoes more
  // than one evaluation interval, and never finds evaluations logged after the last checkpoint.
  if (o.checkpointEvery === 0) o.checkpointEvery = o.evalEvery > 0 ? o.evalEvery : 5000;
  const schema = schemaOf(o.algo);
  let config = saved ? saved.config : resolveConfig(schema, withRunDefaults(schema, options.config ?? {}, o.steps), o.algo);
  // BC's `bestFraction` (CORL's BC-x%) keeps the best episodes before statistics and buffer.
  const bestFraction = typeof config.bestFraction === "number" ? config.bestFraction : 1;
  const data = await prepareData(datasetPath, o.rewardScaling, bestFraction, o.task);
  const { dataset, stats } = data;
  const task = dataset.task;
  // A pretrained world model is checked against the data and config before anything trains.
  let reused: ReusedWorldModel | null = null;
  if (options.worldModel && saved) {
    // Resuming restores the run's own copy of the model from the checkpoint; the flag may only repeat the original.
    const kind = worldModelKindOf(o.algo);
    if (!kind || !saved.worldModel || worldModelFile(options.worldModel, kind) !== saved.worldModel.file)
      throw new UserError(
        `${options.worldModel}: this run started from ${saved.worldModel?.file ?? "a world model it pretrained itself"}; resume it without --world-model`,
      );
  } else if (options.worldModel) {
    reused = reuseWorldModel(
      options.worldModel,
      o.algo,
      { ...dataset, path: datasetPath },
      datasetFingerprint(dataset),
      config,
      Object.keys(options.config ?? {}),
    );
    config = reused.config;
  }
  // A finished run asked for no more steps than it has (its flags checked above): nothing to do,
  // and nothing is rewritten (its summary keeps the time and speed of the sessions that trained it).
  if (resuming) {
    const finished = finishedSummary(out);
    if (finished && finished.steps >= o.steps) {
      process.stderr.write(`${out} already finished at step ${finished.steps}: nothing to resume (pass a larger --steps to go on)\n`);
      return finished;
    }
  }
  // Fail before work: the data must fit the environment before anything trains.
  if (task) checkDataFitsEnv(dataset, datasetPath, await envWidths(task));
  const log = await RunLogs.open(out, parseLogFormats(run.log));
  const latestPath = latestOf(out);
  const bestPath = join(out, "best.safetensors");

  // 3. The learner: fresh, or restored from the current checkpoint unit.
  const learner = createLearner(o.algo, data, config, o.seed, o.batchSize, {
    progress: o.progress !== false,
    resuming,
    dataset: o.dataset,
    ...(reused ? { worldModel: reused.model } : {}),
  });
  const agent = learner.agent;
  const acc = new MetricsAccumulator();
  const explosion = new ExplosionWatch((line) => process.stderr.write(`${line}\n`));
  let best: RunSummary["best"];
  let last: RunSummary["last"];
  let evaluatedAt = -1;
  let ope: TrainingOpe | undefined;
  let lastCheckpoint: number | undefined;
  let priorSeconds = 0; // training time of the sessions before this one
  let secondsFrom = 0;
  if (resuming && unit) {
    const info = restoreAgentCheckpoint(unit.agentPath, agent);
    const extra = info.extra as unknown as LoopState;
    learner.restoreSampler(extra.samplerRng);
    if (unit.unit) await learner.loadExtra?.(unit.dir);
    best = extra.best;
    last = extra.last;
    evaluatedAt = extra.evaluatedAt ?? -1;
    ope = extra.ope;
    priorSeconds = extra.trainingSeconds ?? 0;
    secondsFrom = extra.trainingSeconds === undefined ? agent.updates : (extra.trainingSecondsFrom ?? 0);
    acc.restore(extra.pending);
    explosion.restore(extra.explosion);
    if (extra.metricsLines !== undefined) log.truncateToLines(extra.metricsLines);
    else log.truncateAfter(agent.updates);
    lastCheckpoint = agent.updates;
    rmSync(join(out, "summary.json"), { force: true }); // a stopped run's: it goes on now
    // The kernels and code of this part of the run beside those it started on (results/ readers see both).
    const code = codeRecord();
    const codeBefore = saved?.resumedOn?.at(-1)?.code ?? saved?.code;
    noteCodeChange(out, codeBefore, code, agent.updates, "its numbers");
    writeRunConfig(configPath, {
      ...(saved as RunConfig),
      steps: o.steps,
      resumedOn: [...(saved?.resumedOn ?? []), { step: agent.updates, backend: backendRecord(), code }],
    });
    process.stderr.write(`resuming ${out} from step ${agent.updates} (${unit.unit ? unit.dir : unit.agentPath})\n`);
  } else {
    const runConfig: RunConfig = {
      algo: o.algo,
      ...(options.variant ? { variant: options.variant } : {}),
      dataset: o.dataset,
      datasetPath,
      datasetSha256,
      task,
      seed: o.seed,
      steps: o.steps,
      batchSize: o.batchSize,
      evalEvery: o.evalEvery,
      evalEpisodes: o.evalEpisodes,
      checkpointEvery: o.checkpointEvery,
      logEvery: o.logEvery,
      opeEvery: o.opeEvery,
      opeSteps: o.opeSteps,
      rewardScaling: o.rewardScaling,
      rewardScale: stats.rewardScale,
      ...(reused ? { worldModel: reused.record } : {}),
      config,
      backend: backendRecord(), // which kernels produced this run's numbers
      code: codeRecord(), // and which code
    };
    writeRunConfig(configPath, runConfig);
  }

  let stopSignal: NodeJS.Signals | undefined;
  const startedAt = Date.now();
  const startStep = agent.updates;
  const sessionSeconds = (): number => (Date.now() - sessionStartedAt) / 1000;
  const summaryOf = (status: RunSummary["status"]): RunSummary => {
    const training = (Date.now() - startedAt) / 1000; // the update loop alone: the speed
    return {
      status,
      ...(stopSignal && status === "stopped" ? { signal: stopSignal } : {}),
      algo: o.algo,
      dataset: o.dataset,
      task,
      seed: o.seed,
      steps: agent.updates,
      ...(last ? { last } : {}),
      ...(best ? { best } : {}),
      ...(ope ? { ope } : {}),
      wallSeconds: priorSeconds + sessionSeconds(),
      ...(secondsFrom > 0 ? { wallSecondsFrom: secondsFrom } : {}),
      updatesPerSecond: (agent.updates - startStep) / Math.max(training, 1e-9),
    };
  };
  // 4. Divergence: losses every update, parameters at each log line, evaluation and checkpoint.
  let paramsCheckedAt = -1;
  const diverge = (step: number, found: NonFinite): never => {
    if (acc.pending > 0) log.write(step, acc.flush());
    const where =
      lastCheckpoint === undefined
        ? "no checkpoint was written before it"
        : `the last finite checkpoint is ${latestPath} (step ${lastCheckpoint})`;
    writeSummary(out, {
      ...summaryOf("diverged"),
      diverged: { step, quantity: found.quantity, value: String(found.value) },
    });
    throw new DivergenceError(step, found, where);
  };
  const checkParameters = (): void => {
    if (paramsCheckedAt === agent.updates) return;
    const found = nonFiniteTensor(agent.state().tensors);
    if (found) diverge(agent.updates, found);
    paramsCheckedAt = agent.updates;
  };

  const loopState = (): LoopState => ({
    samplerRng: learner.samplerState(),
    best,
    last,
    metricsLines: log.lineCount(),
    pending: acc.state(),
    explosion: explosion.state(),
    evaluatedAt,
    ope,
    trainingSeconds: priorSeconds + sessionSeconds(),
    trainingSecondsFrom: secondsFrom,
  });
  const saveAgent = (path: string): void =>
    saveAgentCheckpoint(path, agent, { stats, task, extra: loopState() as unknown as Record<string, unknown> });
  const checkpoint = async (): Promise<void> => {
    checkParameters(); // a checkpoint on disk is always finite
    await writeCheckpointUnit(out, agent.updates, async (dir) => {
      saveAgent(join(dir, AGENT_FILE));
      faultPoint("unit-agent");
      await learner.saveExtra?.(dir);
    });
    lastCheckpoint = agent.updates;
  };

  // 5. Evaluation in the simulator, when the task is known.
  // Created at the first evaluation: a resumed run that stops before one does not pay for the simulator.
  let evaluator: Evaluator | null | undefined = task && o.evalEpisodes > 0 ? undefined : null;
  // Without a simulator, offline estimates stand in for scores when asked for (`opeEvery`).
  const offline = evaluator === null && o.opeEvery > 0 ? trainingOpe(dataset, stats, agent, o.opeSteps, o.seed) : null;
  const evaluateNow = async (): Promise<EvalResult | null> => {
    checkParameters();
    evaluatedAt = agent.updates;
    const diagnostics = (await learner.diagnostics?.()) ?? {};
    faultPoint("eval");
    if (evaluator === undefined) evaluator = await Evaluator.create(task as string, Math.min(o.evalEpisodes, 10));
    if (!evaluator) {
      if (offline) {
        const result = offline();
        ope = result.summary;
        Object.assign(diagnostics, result.metrics);
      }
      if (Object.keys(diagnostics).length) log.write(agent.updates, diagnostics);
      return null;
    }
    const result = evaluator.run(agentPolicy(agent, stats), { episodes: o.evalEpisodes, seed: runSeed(o.seed, "eval") });
    const score = { step: agent.updates, normalized: result.normalized ?? result.return };
    last = score;
    if (!best || score.normalized.mean > best.normalized.mean) {
      best = score;
      saveAgent(bestPath);
    }
    log.write(agent.updates, {
      ...(result.normalized ? { "eval/normalized_mean": result.normalized.mean, "eval/normalized_std": result.normalized.std } : {}),
      "eval/return_mean": result.return.mean,
      "eval/length_mean": result.lengths.reduce((a, b) => a + b, 0) / result.lengths.length,
      ...diagnostics,
    });
    return result;
  };

  // 6. The loop. A signal sets a flag; the loop checkpoints and stops at the next update.
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSignal ??= signal;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const progress = createProgress(`train ${o.algo}`, o.steps, { enabled: o.progress !== false });
  try {
    while (agent.updates < o.steps && stopSignal === undefined) {
      const metrics = learner.step();
      state.started = true; // trained: from here on the run directory is the run's record
      acc.add(metrics);
      faultPoint("update");
      const step = agent.updates;
      const bad = nonFiniteLoss(metrics);
      if (bad) diverge(step, bad);
      explosion.baseline(metrics);
      if (step % o.logEvery === 0 || step === o.steps) {
        const line = acc.flush();
        log.write(step, line);
        faultPoint("log");
        explosion.observe(step, line);
        checkParameters();
      }
      const due = evaluator !== null ? o.evalEvery : offline ? o.opeEvery : o.evalEvery;
      if (due > 0 && step % due === 0 && step < o.steps) await evaluateNow();
      if (step % o.checkpointEvery === 0) await checkpoint();
      if (step % 50 === 0 || step === o.steps) {
        progress.update(step, last ? `score ${last.normalized.mean.toFixed(1)}` : "");
        await yieldToEventLoop(); // lets SIGINT/SIGTERM handlers run
      }
    }
    if (stopSignal === undefined && evaluatedAt !== agent.updates) await evaluateNow();
    await checkpoint();
  } finally {
    progress.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    (evaluator as Evaluator | null | undefined)?.close(); // (assigned in evaluateNow)
  }
  if (stopSignal !== undefined) {
    const summary = summaryOf("stopped");
    writeSummary(out, summary);
    process.stderr.write(
      `stopped by ${stopSignal} at step ${agent.updates}; checkpoint written to ${latestPath} (continue with --resume)\n`,
    );
    return summary;
  }
  const summary = summaryOf("finished");
  writeSummary(out, summary);
  return summary;
}

/** Write then rename: a reader (a sweep's status, maybe on another machine) never sees half a summary. */
function writeSummary(dir: string, summary: RunSummary): void {
  const path = join(dir, "summary.json");
  writeFileSync(`${path}.tmp-${process.pid}`, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(`${path}.tmp-${process.pid}`, path);
}

function readRunConfig(path: string): RunConfig {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as RunConfig;
  } catch (error) {
    throw new UserError(`${path}: cannot read the run's config (${(error as Error).message}); it is needed to resume`);
  }
}

function writeRunConfig(path: string, config: RunConfig): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** The run options among `options` (the rest are the run's identity and switches). */
function pickRunOptions(options: TrainOptions): Record<string, unknown> {
  return Object.fromEntries(Object.keys(RUN_OPTIONS).map((key) => [key, options[key as keyof RunOptions]]));
}

/** Run-dependent defaults: a schema's `maxSteps` (e.g. IQL's cosine schedule) follows the step budget. */
function withRunDefaults(schema: Record<string, unknown>, overrides: Record<string, unknown>, steps: number): Record<string, unknown> {
  return "maxSteps" in schema && overrides.maxSteps === undefined ? { ...overrides, maxSteps: steps } : overrides;
}

/** The run's summary.json when it says the run finished; undefined when absent, unreadable or not finished. */
function finishedSummary(dir: string): RunSummary | undefined {
  try {
    const summary = readSummary(dir);
    return summary.status === "finished" && Number.isInteger(summary.steps) ? summary : undefined;
  } catch {
    return undefined; // no summary (a stopped run's was removed when it resumed) or a torn one: train on
  }
}

/** Reads a finished run's summary.json. */
export function readSummary(dir: string): RunSummary {
  return JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as RunSummary;
}
