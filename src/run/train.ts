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
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Agent } from "../agents/agent.js";
import { loadAgentCheckpoint, saveAgentCheckpoint } from "../agents/checkpoint.js";
import { agentPolicy } from "../agents/policy.js";
import { ALGORITHMS, makeAgent } from "../agents/registry.js";
import { resolveDataset } from "../data/cache.js";
import type { Dataset } from "../data/dataset.js";
import { loadDataset } from "../data/load.js";
import { type DatasetStats, datasetStats, Normalizer } from "../data/normalizer.js";
import { allocateBatch, ReplayBuffer } from "../data/replay.js";
import { type EvalResult, Evaluator } from "../envs/evaluate.js";
import { resolveConfig } from "../util/config.js";
import { Rng } from "../util/rng.js";
import { MetricsAccumulator, MetricsLog } from "./metrics.js";
import { createProgress } from "./progress.js";

/** Options of {@link trainOffline}; the CLI's `adept train` flags map onto these. */
export interface TrainOptions {
  /** Algorithm name (see src/agents/registry.ts). */
  algo: string;
  /** A dataset file, or the id of a built dataset (`hopper-medium-replay`). */
  dataset: string;
  /** Gradient updates in total. */
  steps: number;
  seed: number;
  /** Run directory. */
  out: string;
  /** Algorithm config overrides (field → value or string). */
  config?: Record<string, unknown>;
  /** Batch size (D4RL/CORL: 256). */
  batchSize?: number;
  /** Evaluate every this many updates (0: only at the end; CORL: 5000). */
  evalEvery?: number;
  /** Episodes per evaluation (CORL: 10). */
  evalEpisodes?: number;
  /** Save `latest.safetensors` every this many updates. */
  checkpointEvery?: number;
  /** Write a metrics line (means since the last one) every this many updates. */
  logEvery?: number;
  /** Continue the run in `out` from its latest checkpoint. */
  resume?: boolean;
  /** Environment for evaluation (default: the dataset's task; none → no evaluation). */
  env?: string;
  /** Show a progress bar (default: true). */
  progress?: boolean;
}

/** What a finished run reports (also written to summary.json). */
export interface RunSummary {
  algo: string;
  dataset: string;
  task?: string;
  seed: number;
  steps: number;
  /** The last evaluation (D4RL normalized score, mean ± std over episodes). */
  last?: { step: number; normalized: { mean: number; std: number } };
  /** The best evaluation seen. */
  best?: { step: number; normalized: { mean: number; std: number } };
  wallSeconds: number;
  updatesPerSecond: number;
}

const DEFAULTS = { batchSize: 256, evalEvery: 5000, evalEpisodes: 10, checkpointEvery: 5000, logEvery: 1000 };

/** Loads a dataset and returns it with its statistics and a replay buffer of normalized transitions. */
export async function prepareData(spec: string): Promise<{ dataset: Dataset; path: string; stats: DatasetStats; buffer: ReplayBuffer }> {
  const path = resolveDataset(spec);
  const dataset = await loadDataset(path);
  const stats = datasetStats(dataset);
  const normalizer = new Normalizer(stats.observations);
  const observations = normalizer.normalize(dataset.observations.slice());
  const nextObservations = normalizer.normalize(dataset.nextObservations.slice());
  const rewards = dataset.rewards.map((r) => r * stats.rewardScale);
  const buffer = new ReplayBuffer({ observationDim: dataset.observationDim, actionDim: dataset.actionDim, capacity: dataset.size });
  buffer.addDataset({ ...dataset, observations, nextObservations, rewards });
  return { dataset, path, stats, buffer };
}

/** Trains an offline agent end to end (see the module comment). */
export async function trainOffline(options: TrainOptions): Promise<RunSummary> {
  const o = { ...DEFAULTS, ...options };
  const entry = ALGORITHMS[o.algo];
  if (!entry) throw new Error(`unknown algorithm "${o.algo}" (known: ${Object.keys(ALGORITHMS).join(", ")})`);
  if (!(Number.isInteger(o.steps) && o.steps > 0)) throw new Error(`steps must be a positive integer, got ${o.steps}`);
  mkdirSync(o.out, { recursive: true });
  const latestPath = join(o.out, "latest.safetensors");
  const bestPath = join(o.out, "best.safetensors");
  if (!o.resume && readdirSync(o.out).length > 0)
    throw new Error(`run directory ${o.out} is not empty: pass --resume to continue it, or choose another --out`);

  const { dataset, path: datasetPath, stats, buffer } = await prepareData(o.dataset);
  const task = o.env ?? dataset.task;
  const log = new MetricsLog(join(o.out, "metrics.jsonl"));
  const samplerRng = new Rng(o.seed + 1);

  // 1. The agent: fresh, or restored from the latest checkpoint.
  let agent: Agent;
  let best: RunSummary["best"];
  let last: RunSummary["last"];
  if (o.resume && existsSync(latestPath)) {
    const loaded = loadAgentCheckpoint(latestPath);
    agent = loaded.agent;
    const extra = loaded.info.extra as { samplerRng: ReturnType<Rng["getState"]>; best?: RunSummary["best"]; last?: RunSummary["last"] };
    samplerRng.setState(extra.samplerRng);
    best = extra.best;
    last = extra.last;
    log.truncateAfter(agent.updates);
  } else {
    const config = resolveConfig(entry.schema, withRunDefaults(entry.schema, o.config ?? {}, o.steps), o.algo);
    agent = makeAgent(o.algo, dataset.observationDim, dataset.actionDim, config, o.seed);
    writeFileSync(
      join(o.out, "config.json"),
      `${JSON.stringify({ algo: o.algo, dataset: o.dataset, datasetPath, task, seed: o.seed, steps: o.steps, batchSize: o.batchSize, evalEvery: o.evalEvery, evalEpisodes: o.evalEpisodes, config }, null, 2)}\n`,
    );
  }

  const checkpoint = (path: string): void =>
    saveAgentCheckpoint(path, agent, { stats, task, extra: { samplerRng: samplerRng.getState(), best, last } });

  // 2. Evaluation in the simulator, when the task is known.
  const evaluator = task && o.evalEpisodes > 0 ? await Evaluator.create(task, Math.min(o.evalEpisodes, 10)) : null;
  const evaluateNow = (): EvalResult | null => {
    if (!evaluator) return null;
    const result = evaluator.run(agentPolicy(agent, stats), { episodes: o.evalEpisodes, seed: o.seed + 1000 });
    const score = { step: agent.updates, normalized: result.normalized };
    last = score;
    if (!best || score.normalized.mean > best.normalized.mean) {
      best = score;
      checkpoint(bestPath);
    }
    log.write(agent.updates, {
      "eval/normalized_mean": result.normalized.mean,
      "eval/normalized_std": result.normalized.std,
      "eval/return_mean": result.return.mean,
      "eval/length_mean": result.lengths.reduce((a, b) => a + b, 0) / result.lengths.length,
    });
    return result;
  };

  // 3. The loop. A signal sets a flag; the loop checkpoints and stops at the next update.
  let stopRequested = false;
  const onSignal = (): void => {
    stopRequested = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const batch = allocateBatch({ observationDim: dataset.observationDim, actionDim: dataset.actionDim }, o.batchSize);
  const acc = new MetricsAccumulator();
  const progress = createProgress(`train ${o.algo}`, o.steps, { enabled: o.progress !== false });
  const started = Date.now();
  const startStep = agent.updates;
  try {
    while (agent.updates < o.steps && !stopRequested) {
      buffer.sample(samplerRng, batch);
      acc.add(agent.update(batch));
      const step = agent.updates;
      if (step % o.logEvery === 0 || step === o.steps) log.write(step, acc.flush());
      if (o.evalEvery > 0 && step % o.evalEvery === 0 && step < o.steps) evaluateNow();
      if (step % o.checkpointEvery === 0) checkpoint(latestPath);
      if (step % 50 === 0 || step === o.steps) progress.update(step, last ? `score ${last.normalized.mean.toFixed(1)}` : "");
    }
    if (!stopRequested) evaluateNow();
    checkpoint(latestPath);
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

/** Run-dependent defaults: a schema's `maxSteps` (e.g. IQL's cosine schedule) follows the step budget. */
function withRunDefaults(schema: Record<string, unknown>, overrides: Record<string, unknown>, steps: number): Record<string, unknown> {
  return "maxSteps" in schema && overrides.maxSteps === undefined ? { ...overrides, maxSteps: steps } : overrides;
}

/** Reads a finished run's summary.json. */
export function readSummary(dir: string): RunSummary {
  return JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as RunSummary;
}
