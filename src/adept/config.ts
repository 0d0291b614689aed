/**
 * ADEPT's variants and configuration. A variant names the offline learner underneath and
 * which parts of Algorithm 1 run; the configuration joins the learner's fields, ADEPT's own
 * schedule fields and the world model's fields (prefixed `wm`, e.g. `wmGuidance`).
 */

import { BC_CONFIG } from "../agents/bc.js";
import { IQL_CONFIG } from "../agents/iql.js";
import { SAC_CONFIG } from "../agents/sac.js";
import { WORLD_MODEL_CONFIG } from "../diffusion/world-model.js";
import { type ConfigSchema, defineConfig } from "../util/config.js";

export const ADEPT_CONFIG = defineConfig({
  wmPretrainSteps: { default: 20_000, doc: "world-model updates on the dataset before the loop (Algorithm 1: pretrain)" },
  behaviour: {
    default: "auto",
    doc: "π_β: logged log-probs of the dataset, a Gaussian fitted by BC, or auto (logged where present)",
    choices: ["auto", "logged", "bc"],
  },
  behaviourSteps: { default: 10_000, doc: "BC updates to fit π_β when it is not logged" },
  iterationSteps: { default: 1000, doc: "G, agent updates per loop iteration" },
  wmStepsPerIteration: { default: 50, doc: "importance-sampled world-model updates per iteration" },
  isBatchSize: { default: 1024, doc: "N, dataset transitions per importance-sampled update (paper 1024)" },
  isClip: { default: true, doc: "clip the importance ratios (paper: on; Table 4 ablation)" },
  isClipRatio: { default: 10, doc: "c: each ratio π/π_β is clipped to [1/c, c] before self-normalization" },
  isTemperature: {
    default: 1,
    doc: "α: the clipped ratios are raised to α ∈ (0, 1] before self-normalization (1: the paper; 0.25, 0.5 temper degenerate weights)",
  },
  isAnchor: {
    default: 0,
    doc: "β: the world-model loss is (1 − β)·IS-weighted + β·unweighted on the same batch, a real-data anchor as RAMBO's likelihood term (0: the paper)",
  },
  rewardPenalty: {
    default: 0,
    doc: "λ: model rewards become r̂ − λ·u(s, a), u the spread of penaltySamples denoising samples of (s′, r) for the same (s, a) (0: the paper)",
  },
  penaltySamples: {
    default: 4,
    doc: "K ≥ 2 denoising samples per (s, a) whose spread is u for rewardPenalty (costs K× the rollout sampling)",
  },
  rolloutCount: { default: 1000, doc: "rollouts started from dataset states per iteration" },
  horizon: { default: 10, doc: "H, model steps per rollout (paper 10)" },
  rolloutDeterministic: {
    default: true,
    doc: "roll out the policy's mode instead of samples a ~ π(·|s) (MBPO/MOPO sample; see docs/adept.md for why we do not by default)",
  },
  rolloutTerminals: {
    default: "auto",
    doc: "how model rollouts end: d ~ Bernoulli(P(done)) (sample), P(done) > 0.5 (threshold), the task's known rule on s′ (task; MOPO-style), or task when the data's task is known, else sample (auto)",
    choices: ["auto", "sample", "threshold", "task"],
  },
  modelRetainIterations: { default: 5, doc: "iterations of rollouts the model buffer holds (capacity = rolloutCount · H · this)" },
  realRatio: { default: 0.5, doc: "fraction of each agent batch drawn from the real data (the rest from the model buffer)" },
  heldOutFraction: { default: 0.05, doc: "fraction of episodes held out of world-model training, for the ε_r, ε_m estimates" },
  gapSamples: { default: 1024, doc: "held-out transitions / states used for ε_r, ε_m and ε_π at each evaluation" },
  gapRollouts: { default: 10, doc: "start states for the model-vs-simulator return gap (needs infos/qpos, infos/qvel)" },
  syntheticSize: { default: 0, doc: "synther-iql: transitions generated once (0: as many as the dataset has)" },
});

/** The variants of `adept train --algo`, as in the paper's ablations. */
export const ADEPT_VARIANTS = {
  "adept-iql": {
    learner: "iql",
    summary: "ADEPT with IQL: importance-sampled world-model updates, model rollouts, IQL on the mix",
    importanceSampling: true,
    rollouts: true,
    synthetic: false,
  },
  "adept-sac": {
    learner: "sac",
    summary: "ADEPT with SAC (the paper's Table 4 baseline)",
    importanceSampling: true,
    rollouts: true,
    synthetic: false,
  },
  "diff-iql": {
    learner: "iql",
    summary: "ablation: world model trained once, no importance-sampled updates; rollouts still used",
    importanceSampling: false,
    rollouts: true,
    synthetic: false,
  },
  "diff-sac": { learner: "sac", summary: "ablation: as diff-iql with SAC", importanceSampling: false, rollouts: true, synthetic: false },
  "synther-iql": {
    learner: "iql",
    summary: "diffusion once before training to enlarge the dataset (SynthER-style), then IQL",
    importanceSampling: false,
    rollouts: false,
    synthetic: true,
  },
  "adept-bc": {
    learner: "bc",
    summary: "ablation: ADEPT with policy improvement replaced by (Gaussian) behaviour cloning",
    importanceSampling: true,
    rollouts: true,
    synthetic: false,
  },
} as const;
export type AdeptVariant = keyof typeof ADEPT_VARIANTS;

/** True for an ADEPT variant name. */
export function isAdeptVariant(name: string): name is AdeptVariant {
  return Object.hasOwn(ADEPT_VARIANTS, name);
}

/** The world model's fields, prefixed `wm` (denoisingSteps → wmDenoisingSteps). */
export const WM_PREFIXED_CONFIG: ConfigSchema = Object.fromEntries(
  Object.entries(WORLD_MODEL_CONFIG).map(([k, v]) => [`wm${k[0]!.toUpperCase()}${k.slice(1)}`, v]),
);

/** Splits prefixed world-model fields back out: {wmGuidance: 0.2, …} → {guidance: 0.2}. */
export function worldModelFields(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (k in WM_PREFIXED_CONFIG) out[k[2]!.toLowerCase() + k.slice(3)] = v;
  return out;
}

/** The full schema of a variant: learner fields + ADEPT fields + prefixed world-model fields. */
export function variantSchema(variant: AdeptVariant): ConfigSchema {
  const learner = { iql: IQL_CONFIG, sac: SAC_CONFIG, bc: BC_CONFIG }[ADEPT_VARIANTS[variant].learner] as ConfigSchema;
  return { ...learner, ...ADEPT_CONFIG, ...WM_PREFIXED_CONFIG };
}

/** The learner's own fields of a full variant config. */
export function learnerFields(variant: AdeptVariant, config: Record<string, unknown>): Record<string, unknown> {
  const learner = { iql: IQL_CONFIG, sac: SAC_CONFIG, bc: BC_CONFIG }[ADEPT_VARIANTS[variant].learner] as ConfigSchema;
  return Object.fromEntries(Object.entries(config).filter(([k]) => k in learner));
}
