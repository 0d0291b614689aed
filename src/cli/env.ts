import type { Command } from "commander";
import type { BatchPolicy, EnvEntry, EnvSpec, EvalResult } from "../envs/index.js";
import { CliError, parseInteger } from "./errors.js";

/** Registers `adept env list`, `adept env info` and `adept eval`. */
export function register(program: Command): void {
  const env = program.command("env").description("The MuJoCo locomotion environments (D4RL semantics)");

  env
    .command("list")
    .description("List the environments, their sizes and D4RL reference scores")
    .option("--json", "print the list as JSON")
    .action(async (opts: { json?: boolean }) => {
      const { LOCOMOTION_TASKS, listTasks, resolveEnv } = await import("../envs/index.js");
      const rows = listTasks().map((task) => {
        const def = LOCOMOTION_TASKS[task];
        const { referenceScores, gymId } = resolveEnv(task);
        return { name: task, gymId, obsDim: def.obsDim, actDim: def.actDim, frameSkip: def.frameSkip, referenceScores };
      });
      if (opts.json) return print(JSON.stringify(rows, null, 2));
      const lines = ["name         gym id          obs  act  frame skip  random      expert"];
      for (const r of rows) {
        lines.push(
          `${r.name.padEnd(12)} ${r.gymId.padEnd(15)} ${String(r.obsDim).padStart(3)}  ${String(r.actDim).padStart(3)}  ${String(r.frameSkip).padStart(10)}  ${String(r.referenceScores?.random ?? "-").padEnd(11)} ${r.referenceScores?.expert ?? "-"}`,
        );
      }
      lines.push("", "D4RL dataset ids (e.g. hopper-medium-replay-v2) and Gym ids (e.g. Hopper-v3) resolve to these.");
      print(lines.join("\n"));
    });

  env
    .command("info")
    .description("Show an environment's spaces, timing, termination and reference scores")
    .argument("<name>", "halfcheetah | hopper | walker2d, a D4RL id (hopper-medium-v2) or a Gym id (Hopper-v3)")
    .option("--json", "print the report as JSON")
    .action(async (name: string, opts: { json?: boolean }) => {
      const { LOCOMOTION_TASKS, isEnvModulePath, isLocomotionTask, makeEnv } = await import("../envs/index.js");
      const entry = await resolve(name);
      if (isEnvModulePath(name) && entry.task === name)
        throw new CliError(
          `${name} is a JavaScript environment module, not a MuJoCo task: env info describes tasks (adept eval --env ${name} runs it)`,
        );
      const instance = await makeEnv(entry.task);
      try {
        const { spec, sizes, task } = instance;
        // The locomotion tasks' reward weights; a user's task has its own reward function.
        const def = isLocomotionTask(entry.task) ? LOCOMOTION_TASKS[entry.task] : undefined;
        const info = {
          ...entry,
          observationSpace: spaceJson(spec.observationSpace),
          actionSpace: spaceJson(spec.actionSpace),
          frameSkip: spec.frameSkip,
          dt: spec.dt,
          maxEpisodeSteps: spec.maxEpisodeSteps,
          model: sizes,
          ...(def
            ? {
                reward: {
                  forwardRewardWeight: def.forwardRewardWeight,
                  ctrlCostWeight: def.ctrlCostWeight,
                  healthyReward: def.healthyReward,
                },
                velocityClip: Number.isFinite(def.velocityClip) ? def.velocityClip : null,
              }
            : {}),
          terminates: task.terminated !== undefined || task.terminationRule !== undefined,
          resetNoise: task.resetNoise,
        };
        if (opts.json) return print(JSON.stringify(info, null, 2));
        print(formatInfo(entry, spec, info.terminates));
      } finally {
        instance.close();
      }
    });

  program
    .command("eval")
    .description("Evaluate a policy in the real simulator (D4RL normalized score)")
    .requiredOption("--env <name>", "environment: a task, D4RL id or Gym id, or a JS module path (./my-env.js, docs/envs.md)")
    .option(
      "--policy <policy>",
      `policy to run: an agent checkpoint file (adept train writes latest.safetensors and best.safetensors in its run directory), or ${Object.keys(BUILTIN_POLICIES).join(" | ")}`,
      "random",
    )
    .option("--episodes <n>", "number of episodes", "10")
    .option("--seed <s>", "seed of the reset noise and of a stochastic policy", "0")
    .option("--num-envs <n>", "environments stepped together (default min(episodes, 10))")
    .option(
      "--deterministic-kernels",
      "run the policy on the TypeScript kernels, whose results do not depend on the CPU (as `adept data build` does): the same scores on every machine, somewhat slower",
    )
    .option("--json", "print the result as JSON")
    .action(async (opts: EvalOptions) => {
      const { evaluate, openEnv } = await import("../envs/index.js");
      if (opts.deterministicKernels) {
        const { setKernels, tsKernels } = await import("../tensor/index.js");
        setKernels(tsKernels); // for the whole process, which only evaluates
      }
      const episodes = parseInteger("--episodes", opts.episodes, 1);
      const seed = parseInteger("--seed", opts.seed, 0);
      const numEnvs = opts.numEnvs === undefined ? undefined : parseInteger("--num-envs", opts.numEnvs, 1);
      // The spaces come without building an env: a policy is built before the evaluator exists.
      const source = await openEnv(opts.env);
      const { entry } = source;
      const spec = { observationSpace: source.observationSpace, actionSpace: source.actionSpace };
      const policy = await resolvePolicy(opts.policy, { entry, spec, seed });
      const bar = !opts.json && process.stderr.isTTY ? await progressBar(episodes) : undefined;
      let result: EvalResult;
      try {
        result = await evaluate(policy, opts.env, { episodes, seed, numEnvs, onEpisode: (done) => bar?.update(done) });
      } finally {
        bar?.stop();
      }
      if (opts.json) return print(JSON.stringify({ ...result, policy: opts.policy }, null, 2));
      print(formatEval(result, opts.policy));
    });
}

interface EvalOptions {
  env: string;
  policy: string;
  episodes: string;
  seed: string;
  numEnvs?: string;
  deterministicKernels?: boolean;
  json?: boolean;
}

/** What a policy factory gets: the environment it will act in and the run's seed. */
export interface PolicyContext {
  entry: EnvEntry;
  spec: Pick<EnvSpec, "observationSpace" | "actionSpace">;
  seed: number;
}

/**
 * Policies known by name. `--policy <x>` looks here first; a later issue adds checkpoints
 * (a `--policy` that is a file path) in {@link resolvePolicy}.
 */
export const BUILTIN_POLICIES: Record<string, (context: PolicyContext) => Promise<BatchPolicy>> = {
  random: async ({ spec, seed }) => {
    const { randomPolicy, RANDOM_POLICY_SEED_OFFSET } = await import("../envs/index.js");
    const { Rng } = await import("../util/rng.js");
    // A stream apart from the reset seeds, which are Rng(seed)'s own draws (so neither
    // Rng(seed) nor a fork of it, whose seed is that first draw, would be independent).
    return randomPolicy(spec.actionSpace, new Rng(seed + RANDOM_POLICY_SEED_OFFSET));
  },
};

/**
 * Maps a `--policy` string to a batch policy: a built-in name, or an agent checkpoint file
 * (`adept train` writes `latest.safetensors` and `best.safetensors`), which acts
 * deterministically on observations normalized with its training statistics.
 */
export async function resolvePolicy(name: string, context: PolicyContext): Promise<BatchPolicy> {
  const factory = Object.hasOwn(BUILTIN_POLICIES, name) ? BUILTIN_POLICIES[name] : undefined;
  if (factory) return factory(context);
  const { existsSync } = await import("node:fs");
  if (!existsSync(name)) {
    throw new CliError(`unknown policy "${name}": expected a checkpoint file or one of ${Object.keys(BUILTIN_POLICIES).join(", ")}`);
  }
  const { loadAgentCheckpoint } = await import("../agents/checkpoint.js");
  const { agentPolicy } = await import("../agents/policy.js");
  const { agent, info } = loadAgentCheckpoint(name);
  const { nonFiniteTensor } = await import("../run/divergence.js");
  const bad = nonFiniteTensor(agent.state().tensors);
  if (bad) throw new CliError(`${name}: ${bad.quantity} is ${bad.value}: the checkpoint comes from a run that diverged and cannot act`);
  const S = context.spec.observationSpace.dim,
    A = context.spec.actionSpace.dim;
  if (agent.observationDim !== S || agent.actionDim !== A)
    throw new CliError(
      `${name}: the agent acts on ${agent.observationDim} observations / ${agent.actionDim} actions, ${context.entry.name} has ${S} / ${A}`,
    );
  return agentPolicy(agent, info.stats);
}

async function resolve(name: string): Promise<EnvEntry> {
  const { isEnvModulePath, openEnv, resolveEnv } = await import("../envs/index.js");
  // A module that exports a MuJoCo task registers it as it loads.
  if (isEnvModulePath(name)) return (await openEnv(name)).entry;
  return resolveEnv(name);
}

async function progressBar(total: number): Promise<{ update(done: number): void; stop(): void }> {
  const { SingleBar, Presets } = await import("cli-progress");
  const bar = new SingleBar(
    { format: "eval {bar} {value}/{total} episodes", stream: process.stderr, clearOnComplete: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}

function spaceJson(space: EnvSpec["observationSpace"]): { dim: number; low: number[] | number; high: number[] | number } {
  // JSON has no Infinity: uniform bounds collapse to one number, ±Infinity to null via JSON.
  const uniform = (a: Float64Array): number[] | number => (a.every((v) => v === a[0]) ? (a[0] as number) : Array.from(a));
  return { dim: space.dim, low: uniform(space.low), high: uniform(space.high) };
}

function formatInfo(entry: EnvEntry, spec: EnvSpec, terminates: boolean): string {
  const lines = [
    `name         ${entry.name}${entry.dataset ? ` (D4RL ${entry.dataset.kind} dataset, ${entry.dataset.version})` : ""}`,
    `task         ${entry.task}${entry.gymId ? ` (${entry.gymId} semantics)` : ""}`,
    `observation  ${spec.observationSpace.dim}`,
    `action       ${spec.actionSpace.dim} in [${spec.actionSpace.low[0]}, ${spec.actionSpace.high[0]}]`,
    `frame skip   ${spec.frameSkip} (dt ${+spec.dt.toFixed(6)} s)`,
    `time limit   ${spec.maxEpisodeSteps} steps (truncated)`,
    `terminates   ${terminates ? "when unhealthy" : "never"}`,
    `reference    ${entry.referenceScores ? `random ${entry.referenceScores.random}, expert ${entry.referenceScores.expert}` : "none (no normalized score)"}`,
  ];
  return lines.join("\n");
}

function formatEval(r: EvalResult, policy: string): string {
  const f = (x: number): string => x.toFixed(2);
  const meanLength = r.lengths.reduce((a, b) => a + b, 0) / r.lengths.length;
  return [
    `env          ${r.env} (${r.task}), policy ${policy}, ${r.episodes} episodes, seed ${r.seed}`,
    `return       ${f(r.return.mean)} ± ${f(r.return.std)}`,
    `length       ${f(meanLength)} (${r.terminated.filter(Boolean).length} terminated)`,
    `normalized   ${r.normalized ? `${f(r.normalized.mean)} ± ${f(r.normalized.std)}` : "none (the environment has no reference scores)"}`,
  ].join("\n");
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
