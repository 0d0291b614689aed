// Test helpers for the world model: in-memory datasets (toy rules, and random-action
// MuJoCo data with logged qpos/qvel), and temporary directories.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Dataset } from "../../src/data/index.js";
import type { LocomotionEnv } from "../../src/envs/index.js";
import type { Rng } from "../../src/util/rng.js";

/** A fresh temporary directory and a function that removes it. */
export function tempDir(): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "adept-wm-"));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An in-memory dataset from columns; every row its own 1-step episode unless `terminals`/`timeouts` say otherwise. */
export function memoryDataset(columns: {
  observations: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextObservations: Float32Array;
  observationDim: number;
  actionDim: number;
  terminals?: Uint8Array;
  timeouts?: Uint8Array;
}): Dataset {
  const size = columns.rewards.length;
  return {
    size,
    observationDim: columns.observationDim,
    actionDim: columns.actionDim,
    observations: columns.observations,
    actions: columns.actions,
    rewards: columns.rewards,
    nextObservations: columns.nextObservations,
    terminals: columns.terminals ?? new Uint8Array(size),
    timeouts: columns.timeouts ?? new Uint8Array(size).fill(1),
    metadata: {},
    source: { format: "memory", nextObservations: "file", droppedRows: 0 },
  };
}

/**
 * A toy transition rule on S-dim states and A-dim actions, s, a ~ U(−1, 1):
 * s′ = next(s, a) + noise·N(0, 1), r = reward(s, a, s′), done = terminal(s′).
 */
export function toyDataset(
  n: number,
  S: number,
  A: number,
  rng: Rng,
  rule: {
    next: (s: number[], a: number[], rng: Rng) => number[];
    reward?: (s: number[], a: number[], s2: number[]) => number;
    terminal?: (s2: number[]) => boolean;
  },
  noise = 0.01,
): Dataset {
  const observations = new Float32Array(n * S),
    actions = new Float32Array(n * A),
    nextObservations = new Float32Array(n * S);
  const rewards = new Float32Array(n),
    terminals = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = Array.from({ length: S }, () => 2 * rng.uniform() - 1);
    const a = Array.from({ length: A }, () => 2 * rng.uniform() - 1);
    const s2 = rule.next(s, a, rng).map((v) => v + noise * rng.normal());
    observations.set(s, i * S);
    actions.set(a, i * A);
    nextObservations.set(s2, i * S);
    rewards[i] = rule.reward?.(s, a, s2) ?? 0;
    terminals[i] = rule.terminal?.(s2) ? 1 : 0;
  }
  return memoryDataset({ observations, actions, rewards, nextObservations, observationDim: S, actionDim: A, terminals });
}

/**
 * `n` transitions of uniform random actions in a MuJoCo env, with the logged qpos/qvel
 * before each step (the D4RL "random" protocol in miniature). Episodes are cut at `maxSteps`.
 */
export function randomPhysicsDataset(env: LocomotionEnv, n: number, rng: Rng, maxSteps = 200): Dataset {
  const S = env.spec.observationSpace.dim,
    A = env.spec.actionSpace.dim;
  const { nq, nv } = env.sizes;
  const observations = new Float32Array(n * S),
    actions = new Float32Array(n * A),
    nextObservations = new Float32Array(n * S);
  const rewards = new Float32Array(n),
    terminals = new Uint8Array(n),
    timeouts = new Uint8Array(n);
  const qpos = new Float32Array(n * nq),
    qvel = new Float32Array(n * nv);
  let obs = env.reset(rng.int(1 << 30)).slice();
  let t = 0;
  const action = new Float32Array(A);
  for (let i = 0; i < n; i++) {
    const state = env.getState();
    qpos.set(state.qpos, i * nq);
    qvel.set(state.qvel, i * nv);
    for (let j = 0; j < A; j++) action[j] = 2 * rng.uniform() - 1;
    observations.set(obs, i * S);
    actions.set(action, i * A);
    const result = env.step(action);
    t++;
    nextObservations.set(result.observation, i * S);
    rewards[i] = result.reward;
    terminals[i] = result.terminated ? 1 : 0;
    timeouts[i] = !result.terminated && (result.truncated || t >= maxSteps || i === n - 1) ? 1 : 0;
    if (terminals[i] || timeouts[i]) {
      obs = env.reset().slice();
      t = 0;
    } else obs = result.observation.slice();
  }
  const dataset = memoryDataset({ observations, actions, rewards, nextObservations, observationDim: S, actionDim: A, terminals, timeouts });
  return { ...dataset, qpos, qposDim: nq, qvel, qvelDim: nv, task: env.spec.task };
}
