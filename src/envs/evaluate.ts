// Batched evaluation: N environments stepped together, the policy called once per step on
// the rows of the environments still running, each episode finishing on its own.
import { Rng } from "../util/rng.js";
import type { BatchPolicy } from "./policy.js";
import { type EnvEntry, scoreOf } from "./registry.js";
import { type EpisodicEnv, openEnv } from "./source.js";

/** Options of one evaluation run. */
export interface EvaluateOptions {
  /** Number of episodes (D4RL/CORL protocol: 10). */
  episodes: number;
  /** Seeds every episode's reset noise: episode i gets the i-th draw of `Rng(seed)`. */
  seed: number;
  /** Called as each episode ends, in completion order (e.g. for a progress bar). */
  onEpisode?: (done: number, total: number) => void;
}

/** Summary statistics; `std` is the population std (ddof 0), as numpy's default that D4RL/CORL report. */
export interface MeanStd {
  mean: number;
  std: number;
}

/** What an evaluation returns; per-episode arrays are in episode order. */
export interface EvalResult {
  env: string;
  task: string;
  episodes: number;
  seed: number;
  /** Undiscounted episode returns. */
  returns: number[];
  /** Steps per episode (≤ maxEpisodeSteps). */
  lengths: number[];
  /** True where the episode ended in an unhealthy state rather than at the time limit. */
  terminated: boolean[];
  /**
   * Normalized score per episode, 100 (return − random) / (expert − random), with the task's
   * reference scores (D4RL's for the built-ins). Absent for an environment without references.
   */
  normalizedScores?: number[];
  normalized?: MeanStd;
  return: MeanStd;
}

/**
 * N environments of one task, reusable across evaluations (a training loop evaluates every
 * few thousand steps without recompiling models). Owns its environments: call `close()`.
 */
export class Evaluator {
  readonly entry: EnvEntry;
  readonly envs: readonly EpisodicEnv[];
  private readonly obsBatch: Float32Array; // [N, obsDim]
  private readonly actionRows: Float64Array[]; // N × [actDim]
  /** Each env's latest observation (from reset or step), copied into the batch at each step. */
  private readonly latest: Float32Array[]; // N × [obsDim]

  private constructor(entry: EnvEntry, envs: EpisodicEnv[]) {
    this.entry = entry;
    this.envs = envs;
    const { observationSpace, actionSpace } = (envs[0] as EpisodicEnv).spec;
    this.obsBatch = new Float32Array(envs.length * observationSpace.dim);
    this.actionRows = envs.map(() => new Float64Array(actionSpace.dim));
    this.latest = envs.map(() => new Float32Array(observationSpace.dim));
  }

  /**
   * Creates `numEnvs` environments for `name`: any name `resolveEnv` accepts (a registered
   * task, a D4RL or Gym id) or the path of a JavaScript environment module (`./my-env.js`).
   */
  static async create(name: string, numEnvs = 10, options: { maxEpisodeSteps?: number } = {}): Promise<Evaluator> {
    const source = await openEnv(name);
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`numEnvs must be a positive integer, got ${numEnvs}`);
    const envs: EpisodicEnv[] = [];
    try {
      for (let i = 0; i < numEnvs; i++) envs.push(await source.create(options));
    } catch (error) {
      for (const env of envs) env.close();
      throw error;
    }
    return new Evaluator(source.entry, envs);
  }

  /** Runs `episodes` episodes of `policy`, at most N at a time. */
  run(policy: BatchPolicy, options: EvaluateOptions): EvalResult {
    const { episodes, seed } = options;
    if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`episodes must be a positive integer, got ${episodes}`);
    const envs = this.envs;
    const spec = (envs[0] as EpisodicEnv).spec;
    const obsDim = spec.observationSpace.dim;
    const actDim = spec.actionSpace.dim;
    // Episode i's reset seed depends on (seed, i) only, so the initial states are the same
    // whatever N is; a row-independent deterministic policy then gives the same returns.
    const seedStream = new Rng(seed);
    const episodeSeeds = Array.from({ length: episodes }, () => seedStream.nextUint32());
    const returns = new Array<number>(episodes).fill(0);
    const lengths = new Array<number>(episodes).fill(0);
    const terminated = new Array<boolean>(episodes).fill(false);

    const latest = this.latest;
    // 1. Fill the slots. `active[r]` is the env index whose observation is batch row r.
    const slotEpisode = new Int32Array(envs.length).fill(-1);
    const active: number[] = [];
    let nextEpisode = 0;
    for (let k = 0; k < envs.length && nextEpisode < episodes; k++) {
      slotEpisode[k] = nextEpisode;
      (latest[k] as Float32Array).set((envs[k] as EpisodicEnv).reset(episodeSeeds[nextEpisode++]));
      active.push(k);
    }
    // 2. Step all running environments together until every episode has ended.
    let finished = 0;
    while (active.length > 0) {
      const n = active.length;
      for (let r = 0; r < n; r++) this.obsBatch.set(latest[active[r] as number] as Float32Array, r * obsDim);
      const actions = policy(this.obsBatch, n); // [n, actDim]
      if (actions.length < n * actDim) throw new RangeError(`policy returned ${actions.length} values for ${n} rows of ${actDim} actions`);
      let write = 0;
      for (let r = 0; r < n; r++) {
        const k = active[r] as number;
        const env = envs[k] as EpisodicEnv;
        const row = this.actionRows[k] as Float64Array;
        for (let j = 0; j < actDim; j++) row[j] = actions[r * actDim + j] as number;
        const result = env.step(row);
        (latest[k] as Float32Array).set(result.observation);
        const episode = slotEpisode[k] as number;
        returns[episode] = (returns[episode] as number) + result.reward;
        lengths[episode] = (lengths[episode] as number) + 1;
        let running = true;
        if (result.terminated || result.truncated) {
          terminated[episode] = result.terminated;
          options.onEpisode?.(++finished, episodes);
          if (nextEpisode < episodes) {
            slotEpisode[k] = nextEpisode;
            (latest[k] as Float32Array).set(env.reset(episodeSeeds[nextEpisode++]));
          } else running = false;
        }
        if (running) active[write++] = k; // compact in place, keeping slot order
      }
      active.length = write;
    }

    const scored = this.entry.referenceScores ? returns.map((g) => scoreOf(this.entry, g)) : undefined;
    return {
      env: this.entry.name,
      task: this.entry.task,
      episodes,
      seed,
      returns,
      lengths,
      terminated,
      ...(scored ? { normalizedScores: scored, normalized: meanPopulationStd(scored) } : {}),
      return: meanPopulationStd(returns),
    };
  }

  /** Frees every environment. Idempotent. */
  close(): void {
    for (const env of this.envs) env.close();
  }
}

/** Options of {@link evaluate}: a run plus the number of environments stepped together. */
export interface EvaluateEnvOptions extends EvaluateOptions {
  /** Environments stepped together (default min(episodes, 10)). */
  numEnvs?: number;
  /** Time limit (default 1000, as D4RL). */
  maxEpisodeSteps?: number;
}

/**
 * Evaluates `policy` on environment `name` for `episodes` episodes and frees the
 * environments afterwards. See {@link Evaluator} to reuse them across evaluations.
 */
export async function evaluate(policy: BatchPolicy, name: string, options: EvaluateEnvOptions): Promise<EvalResult> {
  const numEnvs = options.numEnvs ?? Math.min(options.episodes, 10);
  const evaluator = await Evaluator.create(name, Math.max(1, numEnvs), { maxEpisodeSteps: options.maxEpisodeSteps });
  try {
    return evaluator.run(policy, options);
  } finally {
    evaluator.close();
  }
}

/** Mean and population standard deviation. */
export function meanPopulationStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(squares / n) };
}
