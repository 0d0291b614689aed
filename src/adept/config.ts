/**
 * ADEPT's variants and configuration. A variant names the offline learner underneath and
 * which parts of Algorithm 1 run. Its configuration has three sections — the learner's
 * fields (from agents/registry.ts), ADEPT's own schedule fields, and the world model's —
 * resolved once by {@link resolveAdeptConfig} into a typed `{ learner, adept, worldModel }`.
 * On the command line and in a run's config.json the sections sit side by side in one flat
 * namespace, the world model's fields prefixed `wm` (`--wm-guidance` → `worldModel.guidance`);
 * {@link variantSchema} refuses a name that two sections share.
 */

import { ALGORITHMS, migrateConfig } from "../agents/registry.js";
import { WORLD_MODEL_CONFIG, type WorldModelConfig } from "../diffusion/world-model.js";
import { type ConfigOf, type ConfigSchema, defineConfig, resolveConfig } from "../util/config.js";

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

/** ADEPT's own schedule fields, resolved (the `adept` section). */
export type AdeptLoopConfig = ConfigOf<typeof ADEPT_CONFIG>;

/** A variant's configuration resolved once, by section. */
export interface AdeptConfig {
  /** The offline learner's fields (IQL, SAC or BC: see `ADEPT_VARIANTS[variant].learner`). */
  learner: Record<string, number | boolean | string>;
  /** ADEPT's own schedule: iterations, importance sampling, rollouts, diagnostics. */
  adept: AdeptLoopConfig;
  /** The world model's fields, without the `wm` prefix of the flat form. */
  worldModel: WorldModelConfig;
}

/** The flat name of a world-model field: denoisingSteps → wmDenoisingSteps. */
function prefixed(name: string): string {
  return `wm${name[0]!.toUpperCase()}${name.slice(1)}`;
}

/** The world model's fields under their flat names (`wmGuidance`, …). */
export const WM_PREFIXED_CONFIG: ConfigSchema = Object.fromEntries(Object.entries(WORLD_MODEL_CONFIG).map(([k, v]) => [prefixed(k), v]));

/** The sections of a variant's flat config, each as the schema of its flat names. */
export function variantSections(variant: AdeptVariant): Record<keyof AdeptConfig, ConfigSchema> {
  return { learner: ALGORITHMS[ADEPT_VARIANTS[variant].learner]!.schema, adept: ADEPT_CONFIG, worldModel: WM_PREFIXED_CONFIG };
}

/**
 * The flat schema of a variant — the flags of `adept train --algo <variant>` and the fields
 * of its config.json: the three sections side by side. A name in two sections would let one
 * silently overwrite the other, so it throws.
 */
export function variantSchema(variant: AdeptVariant): ConfigSchema {
  return joinSections(variantSections(variant), variant);
}

/** Schemas side by side in one namespace; a name two of them share throws (`what` names the config). */
export function joinSections(sections: Record<string, ConfigSchema>, what: string): ConfigSchema {
  const out: ConfigSchema = {};
  const owner: Record<string, string> = {};
  for (const [section, schema] of Object.entries(sections))
    for (const [name, field] of Object.entries(schema)) {
      if (name in owner) throw new Error(`${what}: config field "${name}" is in both the ${owner[name]} and the ${section} section`);
      owner[name] = section;
      out[name] = field;
    }
  return out;
}

/**
 * Resolves a flat config (flags, a run's config.json) into its sections: the one place the
 * flat namespace is split. Unknown and ill-typed fields throw, naming the field; fields an
 * earlier adept spelled differently are migrated first (see `migrateConfig`), so older runs resume.
 */
export function resolveAdeptConfig(variant: AdeptVariant, flat: Record<string, unknown> = {}): AdeptConfig {
  const { learner: learnerAlgo } = ADEPT_VARIANTS[variant];
  const given = migrateConfig(learnerAlgo, flat, `${variant} config`);
  resolveConfig(variantSchema(variant), given, variant); // rejects unknown fields and name clashes before anything is split
  const sections = variantSections(variant);
  const part = (schema: ConfigSchema): Record<string, unknown> => Object.fromEntries(Object.entries(given).filter(([k]) => k in schema));
  const learner = resolveConfig(sections.learner, part(sections.learner), variant) as AdeptConfig["learner"];
  // adept-bc clones a Gaussian policy: policy improvement is replaced, the log-probs for the IS weights remain.
  if (learnerAlgo === "bc") learner.policy = "gaussian";
  const wm = resolveConfig(WM_PREFIXED_CONFIG, part(WM_PREFIXED_CONFIG), variant);
  const worldModel = Object.fromEntries(Object.keys(WORLD_MODEL_CONFIG).map((k) => [k, wm[prefixed(k)]])) as WorldModelConfig;
  return { learner, adept: resolveConfig(ADEPT_CONFIG, part(ADEPT_CONFIG), variant), worldModel };
}
