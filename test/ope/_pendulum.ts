// Pendulum data for the OPE tests: Gymnasium's Pendulum-v1 (examples/pendulum-env.js), whose
// true policy values we can simulate exactly, logged by a noisy behaviour policy.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Dataset } from "../../src/data/dataset.js";
import type { BatchPolicy } from "../../src/envs/policy.js";
import { Rng } from "../../src/util/rng.js";
import { repoRoot } from "../helpers.js";

export interface PendulumEnv {
  reset(seed?: number): Float32Array;
  step(action: ArrayLike<number>): { observation: Float32Array; reward: number; terminated: boolean; truncated: boolean };
}

export const PENDULUM_ENV = join(repoRoot(), "examples", "pendulum-env.js");

export async function pendulumModule(): Promise<{ make(): PendulumEnv; maxEpisodeSteps: number }> {
  return import(pathToFileURL(PENDULUM_ENV).href);
}

/** A policy from a function of (cos θ, sin θ, θ̇) → torque, clipped to ±2. */
function policyOf(f: (cos: number, sin: number, speed: number) => number): BatchPolicy {
  let out = new Float32Array(0);
  return (obs, n) => {
    if (out.length < n) out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.max(-2, Math.min(2, f(obs[i * 3]!, obs[i * 3 + 1]!, obs[i * 3 + 2]!)));
    return out.subarray(0, n);
  };
}

/**
 * Four hand-written policies of spread quality, best first (true γ = 0.95 values over 150
 * steps ≈ −84, −115, −132, −144): energy pumping with a PD catch at the top, PD only,
 * pushing along the swing at full torque, and damping.
 */
export const PENDULUM_POLICIES: Record<string, BatchPolicy> = {
  energy: policyOf((c, s, w) => {
    if (c > 0.9) return -(10 * s + w);
    const energy = (w * w) / 6 + (10 * (c - 1)) / 1.5;
    return 2 * Math.sign(w) * (energy < 0 ? 1 : -1);
  }),
  pd: policyOf((_c, s, w) => -(10 * s + w)),
  push: policyOf((_c, _s, w) => 2 * Math.sign(w)),
  damp: policyOf((_c, _s, w) => -w),
};

/** `episodes` episodes of `steps` steps: the behaviour acts uniformly in [−2, 2] (cut with a timeout). */
export async function pendulumDataset(episodes: number, steps: number, seed = 0): Promise<Dataset> {
  const { make } = await pendulumModule();
  const env = make();
  const rng = new Rng(seed);
  const N = episodes * steps;
  const d = {
    observations: new Float32Array(N * 3),
    actions: new Float32Array(N),
    rewards: new Float32Array(N),
    nextObservations: new Float32Array(N * 3),
    terminals: new Uint8Array(N),
    timeouts: new Uint8Array(N),
  };
  let i = 0;
  for (let e = 0; e < episodes; e++) {
    let obs = Float32Array.from(env.reset(seed * 100_000 + e));
    for (let t = 0; t < steps; t++, i++) {
      const a = 4 * rng.uniform() - 2;
      d.observations.set(obs, i * 3);
      d.actions[i] = a;
      const r = env.step([a]);
      d.rewards[i] = r.reward;
      obs = Float32Array.from(r.observation);
      d.nextObservations.set(obs, i * 3);
      d.timeouts[i] = t === steps - 1 ? 1 : 0;
    }
  }
  return {
    size: N,
    observationDim: 3,
    actionDim: 1,
    ...d,
    metadata: {},
    source: { format: "memory", nextObservations: "file", droppedRows: 0 },
  };
}

/** {@link pendulumDataset} written as JSON Lines (what a user without a simulator brings), at `file`. */
export async function writePendulumJsonl(file: string, episodes: number, steps: number, seed = 0): Promise<string> {
  const d = await pendulumDataset(episodes, steps, seed);
  const lines: string[] = [];
  for (let i = 0; i < d.size; i++)
    lines.push(
      JSON.stringify({
        observation: Array.from(d.observations.subarray(i * 3, i * 3 + 3)),
        action: [d.actions[i]],
        reward: d.rewards[i],
        next_observation: Array.from(d.nextObservations.subarray(i * 3, i * 3 + 3)),
        terminal: false,
        timeout: d.timeouts[i] === 1,
      }),
    );
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/** The true discounted return of `policy` from the reset distribution (Monte Carlo, `episodes` episodes, `steps` steps). */
export async function trueValue(policy: BatchPolicy, discount: number, episodes = 200, steps = 400): Promise<number> {
  const { make } = await pendulumModule();
  const env = make();
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    let obs = env.reset(777_000 + e);
    let g = 0,
      w = 1;
    for (let t = 0; t < steps; t++) {
      const a = policy(obs, 1);
      const r = env.step([a[0]!]);
      g += w * r.reward;
      w *= discount;
      obs = r.observation;
    }
    total += g;
  }
  return total / episodes;
}
