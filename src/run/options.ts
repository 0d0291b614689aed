/**
 * The options of a training run that have a default: the one home of those defaults.
 * `adept train` derives its flags and --help from this schema, `trainOffline` fills in what
 * a caller leaves out from it, and a sweep spec takes the same fields (validated by it) and
 * hands them to its workers as the same flags.
 *
 * A new run option is one field here (default + doc); nothing else repeats its default.
 * Options without a default are flags of their own in src/cli/train.ts: the algorithm, the
 * dataset and the run directory (required), the evaluation environment (the dataset's task)
 * and the reward scaling (its default depends on the algorithm, see `defaultRewardScaling`).
 */
import { type ConfigOf, defineConfig } from "../util/config.js";

export const RUN_OPTIONS = defineConfig({
  steps: { default: 100_000, integer: true, min: 1, doc: "gradient updates (the paper: 1M)" },
  seed: { default: 0, integer: true, min: 0, doc: "random seed (networks, sampling, evaluation)" },
  evalEvery: { default: 5000, integer: true, min: 0, doc: "evaluate every n updates; 0: only at the end (CORL: 5000)" },
  evalEpisodes: { default: 10, integer: true, min: 0, doc: "episodes per evaluation (CORL: 10); 0 disables evaluation" },
  batchSize: { default: 256, integer: true, min: 1, doc: "batch size (CORL: 256)" },
  checkpointEvery: { default: 5000, integer: true, min: 1, doc: "save latest.safetensors every n updates" },
  opeEvery: {
    default: 0,
    integer: true,
    min: 0,
    doc: "without a simulator: offline estimate (FQE) of the policy every n updates and at the end; 0: never",
  },
  opeSteps: { default: 2000, integer: true, min: 1, doc: "gradient steps of each training-time FQE critic" },
  logEvery: { default: 1000, integer: true, min: 1, doc: "a metrics line (means since the last one) every n updates" },
  log: {
    default: "jsonl",
    doc: "logs: metrics.jsonl always, plus csv (metrics.csv) and/or tensorboard (event files in tensorboard/), comma-separated: csv,tensorboard",
  },
});

/** The run options, resolved. */
export type RunOptions = ConfigOf<typeof RUN_OPTIONS>;
