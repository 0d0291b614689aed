/**
 * Collecting transitions in the simulator, the way D4RL recorded its datasets: for each
 * step, the observation, the action, its log-probability under the behaviour policy, the
 * reward, the next observation, terminal/timeout flags and the simulator state (qpos, qvel)
 * before the step. Several environments run side by side so the policy is called on a
 * batch; each episode is written out contiguously when it ends.
 */
import type { Dataset } from "../data/dataset.js";
import type { MujocoEnv } from "../envs/mujoco-env.js";
import { makeEnv } from "../envs/registry.js";
import type { BoxSpace } from "../envs/types.js";
import { Rng } from "../util/rng.js";

/**
 * A behaviour policy on a batch: fills `actions` [n, A] and `logProbs` [n] (log π_β(a|s)) for
 * `observations` [n, S].
 */
export type CollectPolicy = (observations: Float32Array, n: number, actions: Float32Array, logProbs: Float32Array) => void;

/** Uniform random actions in [−1, 1]^A, log-density −A·log 2 (D4RL's random datasets). */
export function uniformPolicy(actionDim: number, rng: Rng): CollectPolicy {
  const logDensity = -actionDim * Math.LN2;
  return (_obs, n, actions, logProbs) => {
    rng.fillUniform(actions.subarray(0, n * actionDim), -1, 1);
    logProbs.fill(logDensity, 0, n);
  };
}

/** Uniform random actions in a task's action box (its log-density), for tasks whose box is not [−1, 1]. */
export function uniformBoxPolicy(space: BoxSpace, rng: Rng): CollectPolicy {
  const { dim, low, high } = space;
  let logDensity = 0;
  for (let j = 0; j < dim; j++) logDensity -= Math.log((high[j] as number) - (low[j] as number));
  return (_obs, n, actions, logProbs) => {
    for (let i = 0; i < n; i++)
      for (let j = 0; j < dim; j++) {
        const lo = low[j] as number;
        actions[i * dim + j] = lo + ((high[j] as number) - lo) * rng.uniform();
      }
    logProbs.fill(logDensity, 0, n);
  };
}

export interface CollectOptions {
  seed: number;
  /** Environments stepped together (default 10). */
  numEnvs?: number;
  /** Called with the number of transitions written so far. */
  onProgress?: (written: number) => void;
}

/** One environment's episode in progress, in row-major columns of at most maxEpisodeSteps rows. */
class EpisodeBuffer {
  rows = 0;
  readonly obs: Float32Array;
  readonly act: Float32Array;
  readonly rew: Float32Array;
  readonly next: Float32Array;
  readonly logp: Float32Array;
  readonly qpos: Float32Array;
  readonly qvel: Float32Array;
  terminated = false;

  constructor(
    readonly maxRows: number,
    S: number,
    A: number,
    readonly nq: number,
    readonly nv: number,
  ) {
    this.obs = new Float32Array(maxRows * S);
    this.act = new Float32Array(maxRows * A);
    this.rew = new Float32Array(maxRows);
    this.next = new Float32Array(maxRows * S);
    this.logp = new Float32Array(maxRows);
    this.qpos = new Float32Array(maxRows * nq);
    this.qvel = new Float32Array(maxRows * nv);
  }
}

/** Collects exactly `size` transitions of `policy` on `task` (a built-in or registered task's name). */
export async function collectTransitions(task: string, size: number, policy: CollectPolicy, options: CollectOptions): Promise<Dataset> {
  const numEnvs = Math.max(1, Math.min(options.numEnvs ?? 10, size));
  const envs: MujocoEnv[] = [];
  try {
    for (let i = 0; i < numEnvs; i++) envs.push(await makeEnv(task));
    const spec = envs[0]!.spec;
    const S = spec.observationSpace.dim,
      A = spec.actionSpace.dim;
    const { nq, nv } = envs[0]!.sizes;
    const out = {
      observations: new Float32Array(size * S),
      actions: new Float32Array(size * A),
      rewards: new Float32Array(size),
      nextObservations: new Float32Array(size * S),
      terminals: new Uint8Array(size),
      timeouts: new Uint8Array(size),
      actionLogProbs: new Float32Array(size),
      qpos: new Float32Array(size * nq),
      qvel: new Float32Array(size * nv),
    };
    let written = 0;
    /** Appends an ended episode (cut to the space left); its last row gets terminal or timeout. */
    const flush = (ep: EpisodeBuffer): void => {
      const n = Math.min(ep.rows, size - written);
      out.observations.set(ep.obs.subarray(0, n * S), written * S);
      out.actions.set(ep.act.subarray(0, n * A), written * A);
      out.rewards.set(ep.rew.subarray(0, n), written);
      out.nextObservations.set(ep.next.subarray(0, n * S), written * S);
      out.actionLogProbs.set(ep.logp.subarray(0, n), written);
      out.qpos.set(ep.qpos.subarray(0, n * nq), written * nq);
      out.qvel.set(ep.qvel.subarray(0, n * nv), written * nv);
      const lastRow = written + n - 1;
      if (ep.terminated && n === ep.rows) out.terminals[lastRow] = 1;
      else out.timeouts[lastRow] = 1; // the time limit, or cut by the dataset size
      written += n;
      ep.rows = 0;
      ep.terminated = false;
      options.onProgress?.(written);
    };

    const seeds = new Rng(options.seed);
    const episodes = envs.map(() => new EpisodeBuffer(spec.maxEpisodeSteps, S, A, nq, nv));
    const obsBatch = new Float32Array(numEnvs * S);
    const actBatch = new Float32Array(numEnvs * A);
    const logpBatch = new Float32Array(numEnvs);
    for (const env of envs) env.reset(seeds.nextUint32());
    while (written < size) {
      for (let k = 0; k < numEnvs; k++) envs[k]!.observe(obsBatch, k * S);
      policy(obsBatch, numEnvs, actBatch, logpBatch);
      for (let k = 0; k < numEnvs && written < size; k++) {
        const env = envs[k]!,
          ep = episodes[k]!,
          r = ep.rows;
        ep.obs.set(obsBatch.subarray(k * S, (k + 1) * S), r * S);
        const { qpos, qvel } = env.getState();
        ep.qpos.set(qpos, r * nq);
        ep.qvel.set(qvel, r * nv);
        const action = actBatch.subarray(k * A, (k + 1) * A);
        ep.act.set(action, r * A);
        ep.logp[r] = logpBatch[k]!;
        const result = env.step(action);
        ep.rew[r] = result.reward;
        ep.next.set(result.observation, r * S);
        ep.rows++;
        if (result.terminated || result.truncated) {
          ep.terminated = result.terminated;
          flush(ep);
          env.reset(seeds.nextUint32());
        }
      }
    }
    return {
      size,
      observationDim: S,
      actionDim: A,
      ...out,
      qposDim: nq,
      qvelDim: nv,
      metadata: {},
      task,
      source: { format: "memory", nextObservations: "file", droppedRows: 0 },
    };
  } finally {
    for (const env of envs) env.close();
  }
}
