/**
 * The offline algorithms by name, with their config schemas: what `adept train --algo`
 * accepts and what checkpoints record.
 */
import { ConfigError, type ConfigSchema } from "../util/config.js";
import type { Agent } from "./agent.js";
import { BC, BC_CONFIG } from "./bc.js";
import { CQL, CQL_CONFIG } from "./cql.js";
import { IQL, IQL_CONFIG } from "./iql.js";
import { SAC, SAC_CONFIG } from "./sac.js";
import { TD3BC, TD3BC_CONFIG } from "./td3bc.js";

export interface AlgorithmEntry {
  /** One line for `--help`. */
  summary: string;
  schema: ConfigSchema;
  create(observationDim: number, actionDim: number, config: Record<string, unknown>, seed: number): Agent;
}

export const ALGORITHMS: Record<string, AlgorithmEntry> = {
  bc: { summary: "behaviour cloning (MSE or Gaussian likelihood)", schema: BC_CONFIG, create: (s, a, c, seed) => new BC(s, a, c, seed) },
  cql: {
    summary: "Conservative Q-Learning, CQL(H) (CORL defaults)",
    schema: CQL_CONFIG,
    create: (s, a, c, seed) => new CQL(s, a, c, seed),
  },
  iql: { summary: "Implicit Q-Learning (CORL defaults)", schema: IQL_CONFIG, create: (s, a, c, seed) => new IQL(s, a, c, seed) },
  sac: {
    summary: "Soft Actor-Critic on a fixed dataset (the paper's SAC baseline)",
    schema: SAC_CONFIG,
    create: (s, a, c, seed) => new SAC(s, a, c, seed),
  },
  td3bc: { summary: "TD3+BC (CORL defaults)", schema: TD3BC_CONFIG, create: (s, a, c, seed) => new TD3BC(s, a, c, seed) },
};

/** Creates an agent by algorithm name; unknown names list the known ones. */
export function makeAgent(algo: string, observationDim: number, actionDim: number, config: Record<string, unknown> = {}, seed = 0): Agent {
  const entry = ALGORITHMS[algo];
  if (!entry) throw new Error(`unknown algorithm "${algo}" (known: ${Object.keys(ALGORITHMS).join(", ")})`);
  return entry.create(observationDim, actionDim, migrateConfig(algo, config, `${algo} config`), seed);
}

/**
 * Configs saved by an earlier adept (checkpoints, run directories' config.json) may spell
 * fields the way it did; translate them so that runs begun before a rename still load and
 * resume. Unknown fields are still rejected afterwards. `source` names the file in errors.
 */
export function migrateConfig(algo: string, config: Record<string, unknown>, path: string): Record<string, unknown> {
  const out = { ...config };
  if (algo === "sac" && "targetEntropy" in out) {
    // Before 0.1.0's per-dimension field, SAC stored `targetEntropy: null`, meaning H̄ = −|A|.
    const old = out.targetEntropy;
    delete out.targetEntropy;
    if (old !== null)
      throw new ConfigError(`${path}: SAC config "targetEntropy": ${JSON.stringify(old)} has no per-dimension equivalent; retrain`);
    out.targetEntropyPerDim ??= -1;
  }
  return out;
}
