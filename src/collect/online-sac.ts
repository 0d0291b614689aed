/**
 * Online SAC: the interaction loop that trains behaviour policies for dataset building.
 *
 *   warm-up: uniform random actions for `warmupSteps` steps
 *   then, every environment step: act (stochastic) → store the transition → one SAC update
 *   every `evalEvery` steps: deterministic evaluation in fresh environments
 *   every `snapshotEvery` steps: save the actor (for rebuilding medium-replay)
 *   every `checkpointEvery` steps: save agent, replay buffer and counters (resumable)
 *
 * Training stops at `totalSteps` or, when `targetScore` is set, at the first evaluation at or
 * above it (D4RL's "medium" policies stop at about a third of expert performance).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadAgentCheckpoint, saveAgentCheckpoint } from "../agents/checkpoint.js";
import { agentPolicy } from "../agents/policy.js";
import { SAC, type SACConfig } from "../agents/sac.js";
import type { DatasetStats } from "../data/normalizer.js";
import { allocateBatch, loadReplayBuffer, ReplayBuffer, saveReplayBuffer } from "../data/replay.js";
import type { BatchPolicy } from "../envs/policy.js";
import { makeEnv } from "../envs/registry.js";
import { isLocomotionTask, normalizedScore } from "../envs/scores.js";
import { yieldToEventLoop } from "../util/async.js";
import { MetricsAccumulator, MetricsLog } from "../util/metrics.js";
import { createProgress } from "../util/progress.js";
import { Rng, runSeed, runStream } from "../util/rng.js";
import { type BehaviourInfo, saveBehaviourPolicy } from "./behaviour.js";

/** What online SAC needs of an environment (LocomotionEnv has it; so can a toy task). */
export interface OnlineEnv {
  readonly spec: { observationSpace: { dim: number }; actionSpace: { dim: number } };
  reset(seed?: number): Float32Array;
  step(action: Float32Array): { observation: Float32Array; reward: number; terminated: boolean; truncated: boolean };
  close(): void;
}

export interface OnlineSACOptions {
  /** A locomotion task (scores are D4RL-normalized), or any name with `makeEnv` given (scores are returns). */
  task: string;
  /** Creates an environment (default: the locomotion task). */
  makeEnv?: () => Promise<OnlineEnv>;
  /** Run directory (checkpoints, buffer, metrics, snapshots/). */
  out: string;
  seed: number;
  /** Environment steps at most. */
  totalSteps: number;
  /** Stop at the first deterministic evaluation with normalized score ≥ this (NaN: never). */
  targetScore?: number;
  /** Uniform random actions before learning starts (CleanRL / SB3: 5k–10k). */
  warmupSteps?: number;
  batchSize?: number;
  evalEvery?: number;
  evalEpisodes?: number;
  snapshotEvery?: number;
  checkpointEvery?: number;
  resume?: boolean;
  sac?: Partial<SACConfig>;
  progress?: boolean;
  /** Recorded in saved policies. */
  command?: string;
}

/** Identity statistics: online SAC acts on raw observations. */
function identityStats(S: number, A: number): DatasetStats {
  const f = (d: number) => ({ mean: Array(d).fill(0), std: Array(d).fill(1), min: Array(d).fill(-Infinity), max: Array(d).fill(Infinity) });
  return { version: 1, eps: 0, observations: f(S), actions: f(A), rewards: f(1), rewardScale: 1 };
}

interface Progress {
  envSteps: number;
  episodes: number;
  bestScore: number;
  reachedTarget: boolean;
  /** Scores of every evaluation: [envSteps, normalized mean]. */
  evaluations: [number, number][];
}

/** Runs (or resumes) online SAC; returns the final progress record. */
export async function trainOnlineSAC(options: OnlineSACOptions): Promise<Progress & { finalPolicy: string }> {
  const o = {
    warmupSteps: 10_000,
    batchSize: 256,
    evalEvery: 10_000,
    evalEpisodes: 5,
    snapshotEvery: 10_000,
    checkpointEvery: 10_000,
    targetScore: Number.NaN,
    ...options,
  };
  mkdirSync(join(o.out, "snapshots"), { recursive: true });
  const paths = {
    agent: join(o.out, "agent.safetensors"),
    buffer: join(o.out, "buffer.bin"),
    progress: join(o.out, "progress.json"),
    final: join(o.out, "final-policy.safetensors"),
  };
  const create = o.makeEnv ?? (async () => makeEnv(o.task, { seed: runSeed(o.seed, "env") }) as Promise<OnlineEnv>);
  const env = await create();
  const evalEnv = await create();
  const score = (episodeReturn: number): number => (isLocomotionTask(o.task) ? normalizedScore(o.task, episodeReturn) : episodeReturn);
  const S = env.spec.observationSpace.dim,
    A = env.spec.actionSpace.dim;
  const stats = identityStats(S, A);
  const log = new MetricsLog(join(o.out, "metrics.jsonl"));
  const warmupRng = runStream(o.seed, "warmup");
  const samplerRng = runStream(o.seed, "sampler");

  let agent: SAC;
  let buffer: ReplayBuffer;
  let p: Progress;
  const emptyBuffer = (): ReplayBuffer => new ReplayBuffer({ observationDim: S, actionDim: A, capacity: o.totalSteps });
  if (o.resume && existsSync(paths.progress)) {
    agent = loadAgentCheckpoint(paths.agent).agent as SAC;
    // A run carried between machines may come without its (large) replay buffer: training
    // then continues from the agent with a fresh buffer, refilled by the current policy.
    if (existsSync(paths.buffer)) buffer = await loadReplayBuffer(paths.buffer);
    else {
      process.stderr.write(`online SAC: ${paths.buffer} is missing; continuing with an empty replay buffer\n`);
      buffer = emptyBuffer();
    }
    const saved = JSON.parse(readFileSync(paths.progress, "utf8")) as Progress & {
      warmupRng: ReturnType<Rng["getState"]>;
      samplerRng: ReturnType<Rng["getState"]>;
    };
    p = saved;
    warmupRng.setState(saved.warmupRng);
    samplerRng.setState(saved.samplerRng);
    log.truncateAfter(p.envSteps);
  } else {
    agent = new SAC(S, A, o.sac ?? {}, runSeed(o.seed, "agent"));
    buffer = emptyBuffer();
    p = { envSteps: 0, episodes: 0, bestScore: -Infinity, reachedTarget: false, evaluations: [] };
  }
  const info = (steps: number, s?: number): BehaviourInfo => ({ task: o.task, steps, seed: o.seed, score: s, command: o.command ?? "" });
  const checkpoint = async (): Promise<void> => {
    saveAgentCheckpoint(paths.agent, agent, { stats, task: isLocomotionTask(o.task) ? o.task : undefined });
    await saveReplayBuffer(paths.buffer, buffer);
    writeFileSync(paths.progress, JSON.stringify({ ...p, warmupRng: warmupRng.getState(), samplerRng: samplerRng.getState() }));
  };

  const batch = allocateBatch({ observationDim: S, actionDim: A }, o.batchSize);
  const acc = new MetricsAccumulator();
  const obs = new Float32Array(S);
  const action = new Float32Array(A);
  obs.set(env.reset()); // a resumed run starts a fresh episode (the one in progress is not saved)
  let episodeReturn = 0;
  let stop = false;
  const onSignal = (): void => {
    stop = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const bar = createProgress(`online SAC ${o.task}`, o.totalSteps, { enabled: o.progress !== false });
  try {
    while (p.envSteps < o.totalSteps && !p.reachedTarget && !stop) {
      // 1. Act and store.
      if (p.envSteps < o.warmupSteps) warmupRng.fillUniform(action, -1, 1);
      else action.set(agent.act(obs, 1, false));
      const result = env.step(action);
      buffer.add(obs, action, result.reward, result.observation, result.terminated);
      episodeReturn += result.reward;
      if (result.terminated || result.truncated) {
        p.episodes++;
        acc.add({ "rollout/episode_return": episodeReturn });
        episodeReturn = 0;
        obs.set(env.reset());
      } else obs.set(result.observation);
      p.envSteps++;

      // 2. Learn.
      if (p.envSteps > o.warmupSteps && buffer.size >= o.batchSize) {
        buffer.sample(samplerRng, batch);
        acc.add(agent.update(batch));
      }
      // 3. Evaluate, snapshot, checkpoint.
      if (p.envSteps % o.snapshotEvery === 0)
        saveBehaviourPolicy(join(o.out, "snapshots", `step-${p.envSteps}.safetensors`), agent, info(p.envSteps));
      if (p.envSteps % o.evalEvery === 0) {
        const returns = evaluateEpisodes(evalEnv, agentPolicy(agent, stats), o.evalEpisodes, runSeed(o.seed, "eval"));
        const scores = returns.map(score);
        const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
        const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
        p.evaluations.push([p.envSteps, mean]);
        p.bestScore = Math.max(p.bestScore, mean);
        log.write(p.envSteps, {
          ...acc.flush(),
          "eval/score_mean": mean,
          "eval/score_std": std,
          "eval/return_mean": returns.reduce((a, b) => a + b, 0) / returns.length,
        });
        if (mean >= o.targetScore) {
          p.reachedTarget = true;
          saveBehaviourPolicy(paths.final, agent, info(p.envSteps, mean));
        }
        bar.update(p.envSteps, `score ${mean.toFixed(1)}`);
      }
      if (p.envSteps % o.checkpointEvery === 0 || p.reachedTarget) await checkpoint();
      if (p.envSteps % 100 === 0) {
        bar.update(p.envSteps);
        await yieldToEventLoop(); // lets SIGINT/SIGTERM handlers run
      }
    }
    if (!p.reachedTarget && !stop) saveBehaviourPolicy(paths.final, agent, info(p.envSteps, p.evaluations.at(-1)?.[1]));
    await checkpoint();
  } finally {
    bar.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    env.close();
    evalEnv.close();
  }
  return { ...p, finalPolicy: paths.final };
}

/** Undiscounted returns of `episodes` episodes of a deterministic policy, one at a time. */
function evaluateEpisodes(env: OnlineEnv, policy: BatchPolicy, episodes: number, seed: number): number[] {
  const seeds = new Rng(seed);
  const returns: number[] = [];
  for (let e = 0; e < episodes; e++) {
    let obs = env.reset(seeds.nextUint32());
    let total = 0;
    for (;;) {
      const r = env.step(policy(obs, 1));
      total += r.reward;
      if (r.terminated || r.truncated) break;
      obs = r.observation;
    }
    returns.push(total);
  }
  return returns;
}
