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
import { type BehaviourInfo, saveBehaviourPolicy } from "../collect/behaviour.js";
import type { DatasetStats } from "../data/normalizer.js";
import { allocateBatch, loadReplayBuffer, ReplayBuffer, saveReplayBuffer } from "../data/replay.js";
import { Evaluator } from "../envs/evaluate.js";
import { makeEnv } from "../envs/registry.js";
import type { LocomotionTask } from "../envs/scores.js";
import { MetricsAccumulator, MetricsLog } from "../run/metrics.js";
import { createProgress } from "../run/progress.js";
import { Rng } from "../util/rng.js";
import { loadAgentCheckpoint, saveAgentCheckpoint } from "./checkpoint.js";
import { agentPolicy } from "./policy.js";
import { SAC, type SACConfig } from "./sac.js";

export interface OnlineSACOptions {
  task: LocomotionTask;
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
  const o = { warmupSteps: 10_000, batchSize: 256, evalEvery: 10_000, evalEpisodes: 5, snapshotEvery: 10_000, checkpointEvery: 10_000, targetScore: Number.NaN, ...options };
  mkdirSync(join(o.out, "snapshots"), { recursive: true });
  const paths = {
    agent: join(o.out, "agent.safetensors"),
    buffer: join(o.out, "buffer.bin"),
    progress: join(o.out, "progress.json"),
    final: join(o.out, "final-policy.safetensors"),
  };
  const env = await makeEnv(o.task, { seed: o.seed });
  const evaluator = await Evaluator.create(o.task, Math.min(o.evalEpisodes, 10));
  const S = env.spec.observationSpace.dim, A = env.spec.actionSpace.dim;
  const stats = identityStats(S, A);
  const log = new MetricsLog(join(o.out, "metrics.jsonl"));
  const warmupRng = new Rng(o.seed + 7);
  const samplerRng = new Rng(o.seed + 11);

  let agent: SAC;
  let buffer: ReplayBuffer;
  let p: Progress;
  if (o.resume && existsSync(paths.progress)) {
    agent = loadAgentCheckpoint(paths.agent).agent as SAC;
    buffer = await loadReplayBuffer(paths.buffer);
    const saved = JSON.parse(readFileSync(paths.progress, "utf8")) as Progress & { warmupRng: ReturnType<Rng["getState"]>; samplerRng: ReturnType<Rng["getState"]> };
    p = saved;
    warmupRng.setState(saved.warmupRng);
    samplerRng.setState(saved.samplerRng);
    log.truncateAfter(p.envSteps);
  } else {
    agent = new SAC(S, A, o.sac ?? {}, o.seed);
    buffer = new ReplayBuffer({ observationDim: S, actionDim: A, capacity: o.totalSteps });
    p = { envSteps: 0, episodes: 0, bestScore: -Infinity, reachedTarget: false, evaluations: [] };
  }
  const info = (steps: number, score?: number): BehaviourInfo => ({ task: o.task, steps, seed: o.seed, score, command: o.command ?? "" });
  const checkpoint = async (): Promise<void> => {
    saveAgentCheckpoint(paths.agent, agent, { stats, task: o.task });
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
      if (p.envSteps > o.warmupSteps) {
        buffer.sample(samplerRng, batch);
        acc.add(agent.update(batch));
      }
      // 3. Evaluate, snapshot, checkpoint.
      if (p.envSteps % o.snapshotEvery === 0) saveBehaviourPolicy(join(o.out, "snapshots", `step-${p.envSteps}.safetensors`), agent, info(p.envSteps));
      if (p.envSteps % o.evalEvery === 0) {
        const r = evaluator.run(agentPolicy(agent, stats), { episodes: o.evalEpisodes, seed: o.seed + 1000 });
        p.evaluations.push([p.envSteps, r.normalized.mean]);
        p.bestScore = Math.max(p.bestScore, r.normalized.mean);
        log.write(p.envSteps, { ...acc.flush(), "eval/normalized_mean": r.normalized.mean, "eval/normalized_std": r.normalized.std, "eval/return_mean": r.return.mean });
        if (r.normalized.mean >= o.targetScore) {
          p.reachedTarget = true;
          saveBehaviourPolicy(paths.final, agent, info(p.envSteps, r.normalized.mean));
        }
        bar.update(p.envSteps, `score ${r.normalized.mean.toFixed(1)}`);
      }
      if (p.envSteps % o.checkpointEvery === 0 || p.reachedTarget) await checkpoint();
      if (p.envSteps % 100 === 0) bar.update(p.envSteps);
    }
    if (!p.reachedTarget && !stop) saveBehaviourPolicy(paths.final, agent, info(p.envSteps, p.evaluations.at(-1)?.[1]));
    await checkpoint();
  } finally {
    bar.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    env.close();
    evaluator.close();
  }
  return { ...p, finalPolicy: paths.final };
}
