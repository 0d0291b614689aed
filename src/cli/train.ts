/**
 * `adept train`: train an offline agent on a dataset. Every run option (src/run/options.ts)
 * and every algorithm config field is a flag (kebab-case), shown in --help with its default
 * (per algorithm for config fields).
 */
import { type Command, Option } from "commander";
import { RUN_OPTIONS } from "../run/options.js";
import { algorithmNames, schemaOf } from "../run/train.js";
import { kebab } from "../util/config.js";
import { CliError } from "./errors.js";
import { addSchemaFlags, readSchemaFlags } from "./flags.js";

/** Every config field of every algorithm, with the defaults per algorithm. */
function configFields(): Map<string, { doc: string; defaults: string[] }> {
  const fields = new Map<string, { doc: string; defaults: string[] }>();
  for (const algo of algorithmNames())
    for (const [name, spec] of Object.entries(schemaOf(algo))) {
      const f = fields.get(name) ?? { doc: spec.doc, defaults: [] };
      const text = `${algo}: ${spec.default}`;
      // ADEPT variants repeat their learner's defaults: list a value once per distinct default.
      if (!f.defaults.some((d) => d.endsWith(`: ${spec.default}`))) f.defaults.push(text);
      else
        f.defaults = f.defaults.map((d) =>
          d.endsWith(`: ${spec.default}`) && !d.includes(algo) ? d.replace(/^([^:]+):/, `$1, ${algo}:`) : d,
        );
      fields.set(name, f);
    }
  return fields;
}

export function register(program: Command): void {
  const cmd = program
    .command("train")
    .description("Train an offline RL agent on a dataset (evaluates in the simulator when the task is known)")
    .requiredOption("--algo <name>", `algorithm: ${algorithmNames().join(" | ")}`)
    .requiredOption("--dataset <file|id>", "a D4RL/Minari/JSONL file, or a built dataset id (hopper-medium-replay)")
    .requiredOption("--out <dir>", "run directory (config, metrics.jsonl, checkpoints, summary)");
  addSchemaFlags(cmd, RUN_OPTIONS)
    .option("--env <name>", "environment for evaluation (default: the dataset's task)")
    .addOption(
      new Option(
        "--reward-scaling <mode>",
        "CORL's locomotion reward scale: auto (on locomotion tasks), corl (always), none (default: none for td3bc, as CORL; else auto)",
      ).choices(["auto", "corl", "none"]),
    )
    .option(
      "--world-model <file|dir>",
      "start from a pretrained world model instead of pretraining one (ADEPT variants: the diffusion model; mopo: the ensemble), a file or an `adept wm train` directory; it must have been trained on this dataset",
    )
    .option("--variant <name>", "a name for this configuration of --algo, recorded in config.json; reports show it as its own column")
    .option("--resume", "continue the run in --out from its latest checkpoint")
    .option("--no-progress", "no progress bar");
  for (const [name, f] of configFields()) cmd.addOption(new Option(`--${kebab(name)} <value>`, `${f.doc} [${f.defaults.join(", ")}]`));
  cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
    const algo = String(opts.algo);
    if (!algorithmNames().includes(algo)) throw new CliError(`unknown --algo "${algo}" (known: ${algorithmNames().join(", ")})`);
    const schema = schemaOf(algo);
    const config: Record<string, unknown> = {};
    for (const name of configFields().keys()) {
      const value = opts[name];
      if (value === undefined) continue;
      if (!(name in schema)) throw new CliError(`--${kebab(name)} does not apply to --algo ${algo}`);
      config[name] = value;
    }
    const run = readSchemaFlags(RUN_OPTIONS, opts);
    const { trainOffline } = await import("../run/train.js");
    const summary = await trainOffline({
      algo,
      dataset: String(opts.dataset),
      out: String(opts.out),
      ...run,
      config,
      resume: Boolean(opts.resume),
      ...(opts.worldModel ? { worldModel: String(opts.worldModel) } : {}),
      ...(opts.variant ? { variant: String(opts.variant) } : {}),
      env: opts.env as string | undefined,
      rewardScaling: opts.rewardScaling as "auto" | "corl" | "none" | undefined,
      progress: opts.progress !== false,
    });
    const score = (s?: { step: number; normalized: { mean: number; std: number } }): string =>
      s ? `${s.normalized.mean.toFixed(1)} ± ${s.normalized.std.toFixed(1)} (step ${s.step})` : "not evaluated";
    process.stdout.write(
      `${algo} on ${summary.dataset}: ${summary.steps} updates in ${summary.wallSeconds.toFixed(0)} s (${summary.updatesPerSecond.toFixed(0)}/s)\n` +
        `  last ${score(summary.last)}\n  best ${score(summary.best)}\n  run  ${opts.out}\n`,
    );
  });
}
