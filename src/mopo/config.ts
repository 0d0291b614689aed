/**
 * MOPO's configuration (Yu et al. 2020, "MOPO: Model-based Offline Policy Optimization"):
 * its own fields, with the defaults of the authors' code (github.com/tianheyu927/mopo,
 * examples/config/d4rl/), and the per-dataset penalty λ and rollout length h of that code's
 * D4RL configs. SAC's fields (src/agents/sac.ts) sit beside these in `--algo mopo`.
 */
import { datasetId } from "../data/cache.js";
import { defineConfig } from "../util/config.js";
import { UserError } from "../util/errors.js";

export const MOPO_CONFIG = defineConfig({
  modelSteps: {
    default: 20_000,
    doc: "ensemble updates on the dataset before training (MOPO trains to a hold-out plateau; we fix the budget, like ADEPT's wmPretrainSteps)",
  },
  members: { default: 7, doc: "Gaussian members of the ensemble (MOPO num_networks 7)" },
  modelWidth: { default: 200, doc: "hidden width of each member (MOPO 200)" },
  modelDepth: { default: 4, doc: "hidden layers of each member (MOPO 4)" },
  elites: { default: 5, doc: "members sampled from, the best by held-out MSE (MOPO num_elites 5)" },
  penalty: {
    default: -1,
    doc: "λ of r̃ = r̂ − λ·max_e ‖σ_e(s, a)‖₂ (MOPO penalty_coeff); −1: MOPO's value for the dataset (docs/mopo.md)",
  },
  rolloutLength: { default: 0, doc: "h, model steps per rollout (MOPO rollout_length); 0: MOPO's value for the dataset" },
  rolloutCount: { default: 50_000, doc: "rollouts started from dataset states per iteration (MOPO rollout_batch_size 50k)" },
  iterationSteps: { default: 1000, doc: "agent updates between two rollout batches (MOPO model_train_freq / epoch_length 1000)" },
  modelRetainIterations: {
    default: 5,
    doc: "iterations of rollouts the model buffer holds (MOPO model_retain_epochs 5; capacity = rolloutCount · h · this)",
  },
  realRatio: { default: 0.05, doc: "fraction of each agent batch drawn from the real data (MOPO real_ratio 0.05)" },
  heldOutFraction: { default: 0.05, doc: "fraction of episodes held out of ensemble training, on which the elites are chosen" },
  rolloutDeterministic: { default: false, doc: "roll out the policy's mode instead of samples a ~ π(·|s) (MOPO: samples)" },
});

/** λ and h of the MOPO authors' D4RL configs (their "mixed" is D4RL's medium-replay). */
export const MOPO_TASK_SETTINGS: Record<string, { penalty: number; rolloutLength: number }> = {
  "halfcheetah-random": { penalty: 0.5, rolloutLength: 5 },
  "hopper-random": { penalty: 1, rolloutLength: 5 },
  "walker2d-random": { penalty: 1, rolloutLength: 1 },
  "halfcheetah-medium": { penalty: 1, rolloutLength: 1 },
  "hopper-medium": { penalty: 5, rolloutLength: 5 },
  "walker2d-medium": { penalty: 5, rolloutLength: 5 },
  "halfcheetah-medium-replay": { penalty: 1, rolloutLength: 5 },
  "hopper-medium-replay": { penalty: 1, rolloutLength: 5 },
  "walker2d-medium-replay": { penalty: 1, rolloutLength: 1 },
  "halfcheetah-medium-expert": { penalty: 5, rolloutLength: 5 },
  "hopper-medium-expert": { penalty: 1, rolloutLength: 5 },
  "walker2d-medium-expert": { penalty: 2, rolloutLength: 1 },
};

/**
 * λ and h for a run: the given values, or, where one is left at its "auto" default, MOPO's
 * for the dataset — named by its id or by a file name that starts with one
 * (`hopper-random.hdf5`, `hopper_random-v2.hdf5`). A dataset MOPO has no setting for needs both.
 */
export function mopoTaskSettings(
  config: { penalty: number; rolloutLength: number },
  dataset: string,
): { penalty: number; rolloutLength: number; from: string } {
  const auto = config.penalty < 0 || config.rolloutLength === 0;
  if (config.penalty < 0 && config.penalty !== -1)
    throw new UserError(`mopo: penalty must be ≥ 0, or −1 for MOPO's value; got ${config.penalty}`);
  if (!(Number.isInteger(config.rolloutLength) && config.rolloutLength >= 0))
    throw new UserError(`mopo: rolloutLength must be an integer ≥ 0 (0: MOPO's value), got ${config.rolloutLength}`);
  if (!auto) return { ...config, from: "config" };
  const base = (dataset.split(/[\\/]/).pop() ?? dataset).replace(/\.(hdf5|h5|jsonl)$/, "").replace(/_/g, "-");
  const id = datasetId(base);
  const known = id ? MOPO_TASK_SETTINGS[id] : undefined;
  if (!known)
    throw new UserError(
      `mopo: MOPO has no penalty / rollout length for dataset "${dataset}" (known: ${Object.keys(MOPO_TASK_SETTINGS).join(", ")}); pass --penalty and --rollout-length`,
    );
  return {
    penalty: config.penalty < 0 ? known.penalty : config.penalty,
    rolloutLength: config.rolloutLength === 0 ? known.rolloutLength : config.rolloutLength,
    from: `MOPO's setting for ${id}`,
  };
}
