/**
 * The offline training loop, shared by every algorithm:
 *
 *   load dataset → statistics → normalized replay buffer → agent
 *   repeat: sample → update → (log) → (evaluate in the simulator) → (checkpoint)
 *
 * A run directory holds `config.json` (resolved), `metrics.jsonl`, `latest.safetensors`,
 * `best.safetensors` and, at the end, `summary.json`. `resume` continues from `latest`
 * with every piece of state restored (networks, optimizers, RNG streams, counters); SIGINT
 * and SIGTERM write a checkpoint before the process exits.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ADEPT_VARIANTS, isAdeptVariant, resolveAdeptConfig, variantSchema } from "../adept/config.js";
import { AdeptLearner } from "../adept/learner.js";
import { restoreAgentCheckpoint, saveAgentCheckpoint } from "../agents/checkpoint.js";
import { agentPolicy } from "../agents/policy.js";
import { ALGORITHMS, makeAgent } from "../agents/registry.js";
import { datasetFingerprint } from "../data/fingerprint.js";
import type { GaussianEnsembleWorldModel } from "../diffusion/ensemble.js";
import type { DiffusionWorldModel } from "../diffusion/world-model.js";
import { type EvalResult, Evaluator } from "../envs/evaluate.js";
import { type Learner, PlainLearner } from "../learner/learner.js";
import { type OfflineData, prepareData, type RewardScaling } from "../learner/offline-data.js";
import { MOPO_SCHEMA, MopoLearner } from "../mopo/learner.js";
import { yieldToEventLoop } from "../util/async.js";
import { type ConfigSchema, resolveConfig } from "../util/config.js";
import { UserError } from "../util/errors.js";
import { MetricsAccumulator } from "../util/metrics.js";
import { createProgress } from "../util/progress.js";
import { type RngState, runSeed, runStream } from "../util/rng.js";
import { parseLogFormats, RunLogs } from "./logs/index.js";
import { RUN_OPTIONS, type RunOptions } from "./options.js";
import { checkDataFitsEnv, envWidths, FreshRunDir } from "./preflight.js";
import { type TrainingOpe, trainingOpe } from "./training-ope.js";
import { type ReusedWorldModel, reuseWorldModel, type WorldModelRecord, worldModelFile, worldModelKindOf } from "./world-model-file.js";

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
}

/** What a finished run reports (also written to summary.json). */
export interface RunSummary {
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
  wallSeconds: number;
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

/** Trains an offline agent end to end (see the module comment). */
export async function trainOffline(options: TrainOptions): Promise<RunSummary> {
  const run = resolveConfig(RUN_OPTIONS, pickRunOptions(options), "", false);
  const o = { ...options, ...run };
  const schema = schemaOf(o.algo);
  const latest = join(o.out, "latest");
  const latestPath = `${latest}.safetensors`;
  const bestPath = join(o.out, "best.safetensors");
  const resuming = Boolean(o.resume) && existsSync(latestPath);
  if (!o.resume && existsSync(o.out) && readdirSync(o.out).length > 0)
    throw new UserError(`run directory ${o.out} is not empty: pass --resume to continue it, or choose another --out`);

  const rewardScaling = o.rewardScaling ?? defaultRewardScaling(o.algo);
  // 1. The run's config: resolved from the flags, or the run's own when resuming.
  const configPath = join(o.out, "config.json");
  const saved = resuming
    ? (JSON.parse(readFileSync(configPath, "utf8")) as { config: Record<string, unknown>; worldModel?: WorldModelRecord })
    : null;
  let config = saved ? saved.config : resolveConfig(schema, withRunDefaults(schema, o.config ?? {}, o.steps), o.algo);
  // BC's `bestFraction` (CORL's BC-x%) keeps the best episodes before statistics and buffer.
  const data = await prepareData(o.dataset, rewardScaling, typeof config.bestFraction === "number" ? config.bestFraction : 1);
  const { dataset, path: datasetPath, stats } = data;
  const task = o.env ?? dataset.task;
  // A pretrained world model is checked against the data and config before anything is written.
  let reused: ReusedWorldModel | null = null;
  if (o.worldModel && saved) {
    // Resuming restores the run's own copy of the model; the flag may only repeat the original.
    const kind = worldModelKindOf(o.algo);
    if (!kind || !saved.worldModel || worldModelFile(o.worldModel, kind) !== saved.worldModel.file)
      throw new UserError(
        `${o.worldModel}: this run started from ${saved.worldModel?.file ?? "a world model it pretrained itself"}; resume it without --world-model`,
      );
  } else if (o.worldModel) {
    reused = reuseWorldModel(
      o.worldModel,
      o.algo,
      { ...dataset, path: datasetPath },
      datasetFingerprint(dataset),
      config,
      Object.keys(o.config ?? {}),
    );
    config = reused.config;
  }
  // Fail before work: the data must fit the environment before anything trains or is written.
  if (task) checkDataFitsEnv(dataset, datasetPath, await envWidths(task));
  const evaluator = task && o.evalEpisodes > 0 ? await Evaluator.create(task, Math.min(o.evalEpisodes, 10)) : null;
  // A fresh run that fails before its first update removes what it wrote (see preflight.ts).
  const fresh = resuming
    ? null
    : new FreshRunDir(o.out, ["config.json", "metrics.jsonl", "metrics.csv", "tensorboard", "latest.safetensors", "best.safetensors"]);
  const log = await RunLogs.open(o.out, parseLogFormats(o.log));

  // 2. The learner: fresh, or restored from the latest checkpoint.
  let learner: Learner;
  try {
    learner = createLearner(o.algo, data, config, o.seed, o.batchSize, {
      progress: o.progress !== false,
      resuming,
      dataset: o.dataset,
      ...(reused ? { worldModel: reused.model } : {}),
    });
  } catch (error) {
    evaluator?.close();
    fresh?.abandon();
    throw error;
  }
  const agent = learner.agent;
  let best: RunSummary["best"];
  let last: RunSummary["last"];
  if (resuming) {
    const info = restoreAgentCheckpoint(latestPath, agent);
    const extra = info.extra as { samplerRng: RngState; best?: RunSummary["best"]; last?: RunSummary["last"] };
    learner.restoreSampler(extra.samplerRng);
    await learner.loadExtra?.(latest);
    best = extra.best;
    last = extra.last;
    log.truncateAfter(agent.updates);
  } else {
    writeFileSync(
      configPath,
      `${JSON.stringify({ algo: o.algo, ...(o.variant ? { variant: o.variant } : {}), dataset: o.dataset, datasetPath, task, seed: o.seed, steps: o.steps, batchSize: o.batchSize, evalEvery: o.evalEvery, evalEpisodes: o.evalEpisodes, rewardScaling, rewardScale: stats.rewardScale, ...(reused ? { worldModel: reused.record } : {}), config }, null, 2)}\n`,
    );
  }

  const saveAgent = (path: string): void =>
    saveAgentCheckpoint(path, agent, { stats, task, extra: { samplerRng: learner.samplerState(), best, last } });
  const checkpoint = async (): Promise<void> => {
    await learner.saveExtra?.(latest); // first the extra state, so an agent checkpoint never points at missing files
    saveAgent(latestPath);
  };

  // 3. Evaluation in the simulator, when the task is known (the evaluator was made above).
  // Without a simulator, offline estimates stand in for scores when asked for (`opeEvery`).
  const offline = !evaluator && o.opeEvery > 0 ? trainingOpe(dataset, stats, agent, o.opeSteps, o.seed) : null;
  let ope: TrainingOpe | undefined;
  const evaluateNow = async (): Promise<EvalResult | null> => {
    const diagnostics = (await learner.diagnostics?.()) ?? {};
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

  // 4. The loop. A signal sets a flag; the loop checkpoints and stops at the next update.
  let stopRequested = false;
  const onSignal = (): void => {
    stopRequested = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const acc = new MetricsAccumulator();
  const progress = createProgress(`train ${o.algo}`, o.steps, { enabled: o.progress !== false });
  const started = Date.now();
  const startStep = agent.updates;
  try {
    while (agent.updates < o.steps && !stopRequested) {
      try {
        acc.add(learner.step());
      } catch (error) {
        if (agent.updates === startStep) fresh?.abandon(); // nothing trained yet: leave --out as it was
        throw error;
      }
      const step = agent.updates;
      if (step % o.logEvery === 0 || step === o.steps) log.write(step, acc.flush());
      const due = evaluator ? o.evalEvery : offline ? o.opeEvery : o.evalEvery;
      if (due > 0 && step % due === 0 && step < o.steps) await evaluateNow();
      if (step % o.checkpointEvery === 0) await checkpoint();
      if (step % 50 === 0 || step === o.steps) {
        progress.update(step, last ? `score ${last.normalized.mean.toFixed(1)}` : "");
        await yieldToEventLoop(); // lets SIGINT/SIGTERM handlers run
      }
    }
    if (!stopRequested) await evaluateNow();
    await checkpoint();
  } finally {
    progress.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    evaluator?.close();
  }
  const wallSeconds = (Date.now() - started) / 1000;
  const summary: RunSummary = {
    algo: o.algo,
    dataset: o.dataset,
    task,
    seed: o.seed,
    steps: agent.updates,
    ...(last ? { last } : {}),
    ...(best ? { best } : {}),
    ...(ope ? { ope } : {}),
    wallSeconds,
    updatesPerSecond: (agent.updates - startStep) / Math.max(wallSeconds, 1e-9),
  };
  if (stopRequested) {
    process.stderr.write(`stopped at step ${agent.updates}; checkpoint written to ${latestPath} (continue with --resume)\n`);
    return summary;
  }
  writeFileSync(join(o.out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/** The run options among `options` (the rest are the run's identity and switches). */
function pickRunOptions(options: TrainOptions): Record<string, unknown> {
  return Object.fromEntries(Object.keys(RUN_OPTIONS).map((key) => [key, options[key as keyof RunOptions]]));
}

/** Run-dependent defaults: a schema's `maxSteps` (e.g. IQL's cosine schedule) follows the step budget. */
function withRunDefaults(schema: Record<string, unknown>, overrides: Record<string, unknown>, steps: number): Record<string, unknown> {
  return "maxSteps" in schema && overrides.maxSteps === undefined ? { ...overrides, maxSteps: steps } : overrides;
}

/** Reads a finished run's summary.json. */
export function readSummary(dir: string): RunSummary {
  return JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as RunSummary;
}
