/**
 * `adept train`: train an offline agent on a dataset. Every run option (src/run/options.ts)
 * and every algorithm config field is a flag (kebab-case). `adept train --help` shows the
 * run options and the list of algorithms; `adept train --algo iql --help` adds IQL's own
 * fields with IQL's defaults (the config flags of the other algorithms stay out of sight).
 */
import { constants } from "node:os";
import { type Command, Help, Option } from "commander";
import { RUN_OPTIONS } from "../run/options.js";
import { algorithmNames, schemaOf } from "../run/train.js";
import type { ConfigSchema, FieldSpec } from "../util/config.js";
import { kebab } from "../util/config.js";
import { startBackend } from "./doctor.js";
import { CliError } from "./errors.js";
import { addSchemaFlags, fieldOptions, flagValue, readSchemaFlags } from "./flags.js";

/** Every config field of every algorithm once (the first algorithm's spec stands for its type). */
function configFields(): Map<string, FieldSpec> {
  const fields = new Map<string, FieldSpec>();
  for (const algo of algorithmNames())
    for (const [name, spec] of Object.entries(schemaOf(algo))) if (!fields.has(name)) fields.set(name, spec);
  return fields;
}

/** The `--algo` the command line names, if any (commander has parsed it before --help runs). */
function requestedAlgo(cmd: Command): string | undefined {
  const parsed = cmd.opts().algo as string | undefined;
  if (parsed !== undefined) return parsed;
  // `--help --algo iql`: commander stops parsing at --help; read the words themselves.
  const words = process.argv;
  const at = words.findIndex((w) => w === "--algo" || w.startsWith("--algo="));
  if (at < 0) return undefined;
  return words[at]!.includes("=") ? words[at]!.slice("--algo=".length) : words[at + 1];
}

/** --help: the shared options, then the fields of the algorithm named by --algo (with its defaults). */
function configureHelp(cmd: Command): void {
  cmd.configureHelp({
    visibleOptions(this: Help, c: Command): Option[] {
      const shown = Help.prototype.visibleOptions.call(this, c);
      const algo = requestedAlgo(c);
      if (algo === undefined || !algorithmNames().includes(algo)) return shown;
      const schema: ConfigSchema = schemaOf(algo);
      const own = Object.entries(schema).flatMap(([name, field]) =>
        fieldOptions(name, field)
          .filter((o) => !o.hidden)
          .map((o) => o.helpGroup(`${algo} options (its defaults):`)),
      );
      return [...shown, ...own];
    },
  });
  cmd.addHelpText("after", () => {
    const algo = requestedAlgo(cmd);
    if (algo !== undefined && algorithmNames().includes(algo)) return "";
    return (
      `\nAlgorithms (--algo): ${algorithmNames().join(", ")}.\n` +
      "Each has its own config fields (network width, learning rates, …): see them with\n" +
      "  adept train --algo <name> --help\n"
    );
  });
}

export function register(program: Command): void {
  const cmd = program
    .command("train")
    .description("Train an offline RL agent on a dataset (evaluates in the simulator when the task is known)")
    .requiredOption("--algo <name>", `algorithm: ${algorithmNames().join(" | ")}`)
    .requiredOption("--dataset <file|id>", "a D4RL/Minari HDF5 or JSONL file, or a built dataset id (hopper-medium-replay)")
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
    .option(
      "--precision <name>",
      "matrix products: fp32 | bf16 (oneDNN, AVX512-BF16 or AMX; docs/core.md) (default: $ADEPT_PRECISION or fp32)",
    )
    .option(
      "--resume",
      "continue the run in --out from its latest checkpoint (settings other than --steps, --checkpoint-every, --log-every must match config.json; a run started from --world-model resumes without it)",
    )
    .option("--no-progress", "no progress bar");
  // The algorithms' config fields parse always but show in --help only for the --algo named.
  for (const [name, field] of configFields()) for (const option of fieldOptions(name, field, false)) cmd.addOption(option.hideHelp());
  configureHelp(cmd);
  cmd.action(async (opts: Record<string, string | boolean | undefined>, command: Command) => {
    const algo = String(opts.algo);
    if (!algorithmNames().includes(algo)) throw new CliError(`unknown --algo "${algo}" (known: ${algorithmNames().join(", ")})`);
    const schema = schemaOf(algo);
    const config: Record<string, unknown> = {};
    for (const name of configFields().keys()) {
      const value = flagValue(opts[name]);
      if (value === undefined) continue;
      if (!(name in schema))
        throw new CliError(`--${kebab(name)} does not apply to --algo ${algo} (see adept train --algo ${algo} --help)`);
      config[name] = value;
    }
    const run = readSchemaFlags(RUN_OPTIONS, opts);
    const { trainOffline } = await import("../run/train.js");
    await startBackend(opts.precision as string | undefined); // --precision; logs the backend once
    const { watchParent } = await import("../run/parent-watch.js");
    watchParent(); // a sweep's worker stops when its sweep is gone
    // The flags typed (not defaults): on --resume only these are compared with config.json.
    // (A module --env is loaded by trainOffline before the data is read, so that a task it
    // registers is known to the data reader.)
    const explicit = [...Object.keys(RUN_OPTIONS), "env", "rewardScaling"].filter((k) => command.getOptionValueSource(k) === "cli");
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
      explicit: [...explicit, "algo", "dataset", "out", "config", "resume"],
    });
    if (summary.status === "stopped" && summary.signal) {
      // Stopped is not finished: 128 + the signal number, as a shell reports a process it killed.
      process.exitCode = 128 + (constants.signals[summary.signal] ?? 15);
      return;
    }
    const score = (s?: { step: number; normalized: { mean: number; std: number } }): string =>
      s ? `${s.normalized.mean.toFixed(1)} ± ${s.normalized.std.toFixed(1)} (step ${s.step})` : "not evaluated";
    process.stdout.write(
      `${algo} on ${summary.dataset}: ${summary.steps} updates in ${summary.wallSeconds.toFixed(0)} s (${summary.updatesPerSecond.toFixed(0)}/s)\n` +
        `  last ${score(summary.last)}\n  best ${score(summary.best)}\n  run  ${opts.out}\n`,
    );
  });
}
