/**
 * `adept train`: train an offline agent on a dataset. Every algorithm config field is a
 * flag (kebab-case), shown in --help with each algorithm's default.
 */
import { type Command, Option } from "commander";
import { algorithmNames, schemaOf } from "../run/train.js";
import { kebab } from "../util/config.js";
import { startBackend } from "./doctor.js";
import { CliError } from "./errors.js";

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
    .option("--steps <n>", "gradient updates", "100000")
    .option("--seed <s>", "random seed (networks, sampling, evaluation)", "0")
    .requiredOption("--out <dir>", "run directory (config, metrics.jsonl, checkpoints, summary)")
    .option("--batch-size <n>", "batch size (CORL: 256)", "256")
    .option("--eval-every <n>", "evaluate every n updates; 0: only at the end (CORL: 5000)", "5000")
    .option("--eval-episodes <n>", "episodes per evaluation (CORL: 10); 0 disables evaluation", "10")
    .option("--checkpoint-every <n>", "save latest.safetensors every n updates", "5000")
    .option("--log-every <n>", "metrics line (means) every n updates", "1000")
    .option("--env <name>", "environment for evaluation (default: the dataset's task)")
    .addOption(
      new Option(
        "--reward-scaling <mode>",
        "CORL's locomotion reward scale: auto (on locomotion tasks), corl (always), none (default: none for td3bc, as CORL; else auto)",
      ).choices(["auto", "corl", "none"]),
    )
    .option(
      "--precision <name>",
      "matrix products: fp32 | bf16 (oneDNN, AVX512-BF16 or AMX; docs/core.md) (default: $ADEPT_PRECISION or fp32)",
    )
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
    const int = (flag: string, v: unknown, min = 0): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new CliError(`--${flag} must be an integer ≥ ${min}, got "${v}"`);
      return n;
    };
    const { trainOffline } = await import("../run/train.js");
    await startBackend(opts.precision as string | undefined); // --precision; logs the backend once
    try {
      const summary = await trainOffline({
        algo,
        dataset: String(opts.dataset),
        steps: int("steps", opts.steps, 1),
        seed: int("seed", opts.seed),
        out: String(opts.out),
        config,
        batchSize: int("batch-size", opts.batchSize, 1),
        evalEvery: int("eval-every", opts.evalEvery),
        evalEpisodes: int("eval-episodes", opts.evalEpisodes),
        checkpointEvery: int("checkpoint-every", opts.checkpointEvery, 1),
        logEvery: int("log-every", opts.logEvery, 1),
        resume: Boolean(opts.resume),
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
    } catch (error) {
      if (error instanceof Error && !(error instanceof CliError) && /^(run directory|unknown|steps|.*: )/.test(error.message))
        throw new CliError(error.message);
      throw error;
    }
  });
}
