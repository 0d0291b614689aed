/**
 * `adept ope`: offline policy evaluation of a checkpoint on a dataset, without a simulator
 * (src/ope/). FQE with a bootstrap interval, rollouts in the diffusion world model and/or
 * the Gaussian ensemble (loaded with --world-model, or trained here on the dataset), and the
 * cheap diagnostics.
 */
import { Command, Option } from "commander";
import { FQE_CONFIG } from "../ope/fqe.js";
import type { OpeReport } from "../ope/index.js";
import { CliError, parseInteger } from "./errors.js";
import { addSchemaFlags, readSchemaFlags } from "./flags.js";

export function register(program: Command): void {
  const cmd = new Command("ope")
    .description("Estimate a policy's value from logged data alone: FQE, world-model rollouts, and diagnostics")
    .requiredOption("--policy <checkpoint>", "an agent checkpoint (adept train's latest/best.safetensors)")
    .requiredOption("--dataset <file|id>", "the logged data: a D4RL/Minari/JSONL file or a built dataset id")
    .addOption(
      new Option("--method <m>", "fqe; model (the diffusion world model); ensemble (the Gaussian ensemble); all")
        .choices(["fqe", "model", "ensemble", "all"])
        .default("fqe"),
    )
    .option("--world-model <file>", "a world model saved by `adept wm train` (diffusion or ensemble), trained on this data's units")
    .option("--wm-steps <n>", "gradient steps of a world model trained here when none is given", "5000")
    .option("--rollouts <n>", "model rollouts", "100")
    .option(
      "--horizon <n>",
      "steps per model rollout (default: the task's time limit where the data's task is known, else the data's mean episode length)",
    )
    .option("--seed <s>", "seed of critics, resamples and rollouts", "0")
    .option("--json", "print the report as JSON");
  addSchemaFlags(cmd, FQE_CONFIG);
  program.addCommand(cmd);
  cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
    const seed = parseInteger("--seed", String(opts.seed), 0);
    const rollouts = parseInteger("--rollouts", String(opts.rollouts), 1);
    const wmSteps = parseInteger("--wm-steps", String(opts.wmSteps), 1);
    const horizon = opts.horizon === undefined ? undefined : parseInteger("--horizon", String(opts.horizon), 1);
    const fqeConfig = readSchemaFlags(FQE_CONFIG, opts);
    const method = String(opts.method);
    const { evaluateOffline, prepareOpeData } = await import("../ope/index.js");
    const { policy, agent } = await loadPolicy(String(opts.policy));
    const { resolveDataset } = await import("../data/cache.js");
    const { loadDataset } = await import("../data/load.js");
    const path = resolveDataset(String(opts.dataset));
    const dataset = await loadDataset(path);
    if (agent.observationDim !== dataset.observationDim || agent.actionDim !== dataset.actionDim)
      throw new CliError(
        `${opts.policy} acts on observations of width ${agent.observationDim} and actions of width ${agent.actionDim}, but ${path} has ${dataset.observationDim} and ${dataset.actionDim}`,
      );
    const data = prepareOpeData(dataset, 0.1, seed);
    const worldModels = await worldModelsFor(method, opts.worldModel as string | undefined, dataset, wmSteps, seed, !opts.json);
    const report = evaluateOffline(data, policy, {
      fqe: method === "fqe" || method === "all",
      worldModels,
      fqeConfig,
      rollouts,
      horizon,
      seed,
      onProgress: (what, done, total) => {
        if (!opts.json && process.stderr.isTTY) process.stderr.write(`\r${what} ${done}/${total}   `);
      },
    });
    if (!opts.json && process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    const result = { policy: opts.policy, dataset: path, ...report };
    process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatReport(String(opts.policy), path, report)}\n`);
  });
}

/** A checkpoint as a policy in the data's units (its action scaler undone); a bad file is a one-line FileError. */
async function loadPolicy(file: string) {
  const { loadAgentCheckpoint } = await import("../agents/checkpoint.js");
  const { agentPolicy } = await import("../agents/policy.js");
  const { agent, info } = loadAgentCheckpoint(file);
  return { agent, policy: agentPolicy(agent, info.stats) };
}

/** The world models a method needs: the one given, or ones trained here on the dataset. */
async function worldModelsFor(
  method: string,
  file: string | undefined,
  dataset: import("../data/dataset.js").Dataset,
  steps: number,
  seed: number,
  verbose: boolean,
) {
  if (method === "fqe") return [];
  const wm = await import("../diffusion/index.js");
  if (file) {
    const model = wm.loadWorldModel(file);
    if (model.observationDim !== dataset.observationDim || model.actionDim !== dataset.actionDim)
      throw new CliError(
        `--world-model ${file} models widths ${model.observationDim}/${model.actionDim}, the data has ${dataset.observationDim}/${dataset.actionDim}`,
      );
    return [model];
  }
  const kinds = method === "all" ? ["model", "ensemble"] : [method];
  const models = [];
  for (const kind of kinds) {
    if (verbose)
      process.stderr.write(
        `training the ${kind === "model" ? "diffusion world model" : "Gaussian ensemble"} for ${steps} steps (pass --world-model to reuse one)\n`,
      );
    const model =
      kind === "model"
        ? wm.DiffusionWorldModel.fromDataset(dataset, {}, seed)
        : wm.GaussianEnsembleWorldModel.fromDataset(dataset, {}, seed);
    model.fit(dataset, steps);
    models.push(model);
  }
  return models;
}

/** The report as text; a missing estimate is said in words, never left blank. */
export function formatReport(policy: string, dataset: string, r: OpeReport): string {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
  const lines = [`policy       ${policy}`, `data         ${dataset} (${r.transitions} transitions, ${r.episodes} episodes)`];
  if (r.fqe)
    lines.push(
      `fqe          ${f(r.fqe.estimate)}  [${f(r.fqe.low)}, ${f(r.fqe.high)}]  (discounted return, γ ${r.discount}, ${r.fqe.perCritic.length} critic(s) × ${r.fqe.steps} steps)`,
    );
  for (const m of r.models)
    lines.push(
      `${m.model.padEnd(12)} return ${f(m.return.mean)} ± ${f(m.return.std)}, discounted ${f(m.discountedReturn.mean)} ± ${f(m.discountedReturn.std)}  (${m.rollouts} rollouts, horizon ${m.horizon}, mean length ${f(m.meanLength)})`,
    );
  lines.push(`action rmse  ${f(r.diagnostics.actionRmse)} (policy vs data actions, in [−1, 1] units)`);
  if (r.diagnostics.heldOutTdRmse !== undefined) lines.push(`td rmse      ${f(r.diagnostics.heldOutTdRmse)} (FQE on held-out episodes)`);
  if (r.diagnostics.fqeValue !== undefined) lines.push(`fqe value    ${f(r.diagnostics.fqeValue)} (mean Q(s, π(s)) over data states)`);
  for (const [kind, frac] of Object.entries(r.diagnostics.outOfSupport))
    lines.push(`off-support  ${(100 * frac).toFixed(1)} % of states (${kind} uncertainty above the data's 95th percentile)`);
  return lines.join("\n");
}
