import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { HashCheck as PublishedCheck } from "../collect/hash.js";
import type { DatasetInfo, Distribution, ReadOptions } from "../data/index.js";
import { kebab } from "../util/config.js";
import { CliError, parseInteger, parseNumber } from "./errors.js";

/** Registers `adept data info` and `adept data import`. */
export function register(program: Command): void {
  const data = program.command("data").description("Inspect and import offline RL datasets (D4RL, Minari, JSON Lines)");

  data
    .command("info")
    .description("Show a dataset's keys, shapes, dtypes, size, episodes, returns and normalized score")
    .argument("<file>", "D4RL or Minari HDF5 file (or Minari dataset directory), or a .jsonl file")
    .option("--json", "print the report as JSON")
    .option("--env <name>", "the environment (halfcheetah, hopper, walker2d); default: from the metadata or the file name")
    .option("--no-env", "do not infer or check the environment")
    .action(async (file: string, opts: { json?: boolean; env?: string | boolean }) => {
      const { describeDataset, inspectFile, loadDataset } = await import("../data/index.js");
      const options = await readOptions(opts.env);
      const fileInfo = await inspectFile(file);
      const info = describeDataset(fileInfo, await loadDataset(file, options));
      process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : formatInfo(info));
    });

  data
    .command("import")
    .description("Convert a JSON Lines dataset into a D4RL-layout HDF5 file (format: docs/data.md)")
    .argument("<file>", "input .jsonl file: one transition or one episode per line")
    .requiredOption("--out <file>", "output HDF5 file")
    .option("--env <name>", "the environment, checked against the widths and stored as metadata/env")
    .option("--force", "overwrite the output file if it exists")
    .action(async (file: string, opts: { out: string; env?: string; force?: boolean }) => {
      const { importJsonl, summarize } = await import("../data/index.js");
      if (existsSync(opts.out) && !opts.force) throw new CliError(`${opts.out} already exists (use --force to overwrite)`);
      const dataset = await importJsonl(file, opts.out, await readOptions(opts.env ?? false));
      const s = summarize(dataset);
      const dropped = dataset.source.droppedRows > 0 ? `, ${dataset.source.droppedRows} rows without a next observation dropped` : "";
      process.stdout.write(
        `wrote ${opts.out}: ${s.transitions} transitions, ${s.episodes} episodes (S ${s.observationDim}, A ${s.actionDim})${dropped}\n`,
      );
    });

  registerBuild(data);
  registerVerify(data);
  registerTrainPolicy(data);
}

/** Registers `adept data verify`. */
function registerVerify(data: Command): void {
  data
    .command("verify")
    .description(
      "Recompute a built dataset's behaviour log-probs from policies/ and compare them with the recorded ones, and its array hash with the one published in policies/manifest.json",
    )
    .argument("<dataset>", "a file written by `adept data build`, or its id (hopper-medium-replay)")
    .option("--sample <n>", "rows to check, spread evenly over the file", "20000")
    .option("--json", "print the result as JSON")
    .option("--record-hash", "publish the file's hash in policies/manifest.json (when its log-probs match), replacing any other")
    .action(async (spec: string, opts: { sample: string; json?: boolean; recordHash?: boolean }) => {
      const { loadDataset } = await import("../data/index.js");
      const { resolveDataset } = await import("../data/cache.js");
      const { verifyLogProbs } = await import("../collect/verify.js");
      const { checkHash, recordHash } = await import("../collect/hash.js");
      const sample = parseInteger("--sample", opts.sample, 1);
      const path = resolveDataset(spec);
      const dataset = await loadDataset(path);
      const check = verifyLogProbs(dataset, path, { sample });
      let hash: HashCheck = checkHash(dataset, path);
      const logProbsOk = check.mismatches === 0 && check.checked > 0;
      if (opts.recordHash && logProbsOk && hash.status !== "match") {
        hash = { ...hash, previous: recordHash(hash.id, hash.size, hash.seed, hash.sha256), status: "recorded" };
      }
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...check, hash }, null, 2)}\n`);
      else {
        const w = check.worst;
        process.stdout.write(
          `${path}: ${check.checked} rows checked against ${check.policies.join(", ")}\n` +
            `  mismatches ${check.mismatches}, max |Δ log π| ${check.maxAbsError.toExponential(2)}, mean ${check.meanAbsError.toExponential(2)}` +
            `${w ? ` (worst row ${w.row}: recorded ${w.recorded.toFixed(4)}, recomputed ${w.recomputed.toFixed(4)})` : ""}\n` +
            `  ${check.saturated} rows with an action within 1e-4 of ±1 not compared\n` +
            `${formatHash(hash)}\n`,
        );
      }
      if (!logProbsOk) {
        process.stderr.write(
          check.checked === 0 ? "adept: no rows could be checked\n" : "adept: recorded log-probs do not match the policies\n",
        );
        process.exitCode = 1;
      }
      if (hash.status === "mismatch") {
        process.stderr.write("adept: the file's arrays differ from the published build (see DATASETS.md)\n");
        process.exitCode = 1;
      }
    });
}

/** A hash check as the CLI reports it: also "recorded" after --record-hash, with the hash it replaced. */
type HashCheck = Omit<PublishedCheck, "status"> & { status: PublishedCheck["status"] | "recorded"; previous?: string };

/** The one-line result of the hash check. */
function formatHash(h: HashCheck): string {
  const what = `${h.id}, ${h.size} rows, seed ${h.seed}`;
  switch (h.status) {
    case "match":
      return `sha256 ${h.sha256}: matches policies/manifest.json (${what})`;
    case "mismatch":
      return `sha256 ${h.sha256}: MISMATCH, policies/manifest.json has ${h.expected} (${what})`;
    case "unpublished":
      return `sha256 ${h.sha256}: no published hash for ${what} in policies/manifest.json`;
    case "recorded":
      return `sha256 ${h.sha256}: recorded in policies/manifest.json (${what}${h.previous ? `; replaces ${h.previous}` : ""})`;
  }
}

/** Registers `adept data train-policy`. */
function registerTrainPolicy(data: Command): void {
  data
    .command("train-policy")
    .description(
      "Train a behaviour policy with online SAC until it reaches a target score, then publish it under policies/ (long; resumable)",
    )
    .argument("<task>", "halfcheetah | hopper | walker2d")
    .option("--target-score <x>", "stop at the first evaluation with D4RL normalized score ≥ x (default: the task's D4RL medium level)")
    .option("--total-steps <n>", "environment steps at most", "1000000")
    .option("--warmup-steps <n>", "uniform random actions before learning", "10000")
    .option("--snapshot-every <n>", "save the actor every n steps (for medium-replay)", "25000")
    .option("--eval-every <n>", "evaluate every n steps", "10000")
    .option("--seed <s>", "seed", "0")
    .option("--out <dir>", "run directory (default: $ADEPT_CACHE/behaviour/<task>-seed<s>)")
    .option("--resume", "continue the run in --out")
    .option("--no-publish", "do not copy the result into policies/")
    .option("--no-progress", "no progress bar")
    .action(async (task: string, opts: Record<string, string | boolean | undefined>) => {
      const { isLocomotionTask } = await import("../envs/scores.js");
      if (!isLocomotionTask(task)) throw new CliError(`unknown task "${task}" (expected halfcheetah, hopper or walker2d)`);
      const { MEDIUM_TARGETS } = await import("../collect/build.js");
      const int = (flag: string, min: number): number => parseInteger(`--${kebab(flag)}`, String(opts[flag]), min);
      const seed = int("seed", 0);
      const totalSteps = int("totalSteps", 1);
      const targetScore = opts.targetScore === undefined ? MEDIUM_TARGETS[task] : parseNumber("--target-score", String(opts.targetScore));
      const { cacheDir } = await import("../data/cache.js");
      const { join } = await import("node:path");
      const out = String(opts.out ?? join(cacheDir(), "behaviour", `${task}-seed${seed}`));
      const warmupSteps = int("warmupSteps", 0);
      const snapshotEvery = int("snapshotEvery", 1);
      const evalEvery = int("evalEvery", 1);
      const command = `adept data train-policy ${task} --target-score ${targetScore} --total-steps ${totalSteps} --warmup-steps ${warmupSteps} --snapshot-every ${snapshotEvery} --seed ${seed}`;
      const { trainOnlineSAC } = await import("../collect/online-sac.js");
      const result = await trainOnlineSAC({
        task,
        out,
        seed,
        totalSteps,
        targetScore,
        warmupSteps,
        snapshotEvery,
        evalEvery,
        resume: Boolean(opts.resume),
        progress: opts.progress !== false,
        command,
      });
      const last = result.evaluations.at(-1);
      process.stdout.write(
        `${task}: ${result.envSteps} steps, last score ${last ? last[1].toFixed(1) : "n/a"}, ${result.reachedTarget ? "reached" : "did not reach"} ${targetScore}\n`,
      );
      if (opts.publish !== false && (result.reachedTarget || result.envSteps >= totalSteps)) {
        const { publishPolicies } = await import("../collect/publish.js");
        const entry = publishPolicies(out, {
          task,
          seed,
          steps: result.envSteps,
          score: last?.[1] ?? Number.NaN,
          targetScore,
          snapshotEvery,
          warmupSteps,
          command,
        });
        process.stdout.write(`published policies/${entry.medium} and ${entry.snapshots.length} snapshots\n`);
      }
    });
}

/** Registers `adept data build`. */
function registerBuild(data: Command): void {
  data
    .command("build")
    .description("Build a D4RL-protocol dataset with our simulator and behaviour policies (written to the dataset cache)")
    .argument("<id>", "<halfcheetah|hopper|walker2d>-<random|medium|medium-replay|expert|medium-expert>")
    .option("--size <n>", "transitions (default: D4RL's size for the kind)")
    .option("--seed <s>", "seed of the reset noise and the policy's sampling", "0")
    .option("--out <file>", "output file (default: $ADEPT_CACHE/datasets/<id>.hdf5, ADEPT_CACHE defaults to .cache/adept)")
    .option("--force", "overwrite an existing file")
    .option("--no-progress", "no progress bar")
    .action(async (id: string, opts: { size?: string; seed: string; out?: string; force?: boolean; progress?: boolean }) => {
      const { buildDataset, parseDatasetId } = await import("../collect/build.js");
      const { datasetCachePath } = await import("../data/cache.js");
      const { createProgress } = await import("../util/progress.js");
      const { summarize } = await import("../data/index.js");
      const parsed = parseDatasetId(id);
      const size = opts.size === undefined ? undefined : parseInteger("--size", opts.size, 1);
      const seed = parseInteger("--seed", opts.seed, Number.MIN_SAFE_INTEGER);
      const out = opts.out ?? datasetCachePath(`${parsed.task}-${parsed.kind}`);
      if (existsSync(out) && !opts.force) throw new CliError(`${out} already exists (use --force to rebuild it)`);
      let progress: ReturnType<typeof createProgress> | null = null;
      const { path, dataset } = await buildDataset(id, {
        size,
        seed,
        out,
        onProgress: (n, total) => {
          progress ??= createProgress(`build ${id}`, total, { enabled: opts.progress !== false });
          progress.update(n);
        },
      });
      (progress as ReturnType<typeof createProgress> | null)?.stop();
      const s = summarize(dataset);
      process.stdout.write(
        `wrote ${path}: ${s.transitions} transitions, ${s.episodes} episodes, normalized return ${s.normalizedScore ? `${s.normalizedScore.mean.toFixed(1)} ± ${s.normalizedScore.std.toFixed(1)}` : "n/a"}\n`,
      );
    });
}

/** `--env name` → that task; `--no-env` (false) → no inference; absent → infer. */
async function readOptions(env: string | boolean | undefined): Promise<ReadOptions> {
  const { parseTask } = await import("../data/index.js");
  if (env === false) return { task: null };
  if (typeof env === "string") return { task: parseTask(env) };
  return {};
}

function formatInfo(info: DatasetInfo): string {
  const s = info.summary;
  const lines: string[] = [];
  const mb = (info.bytes / 2 ** 20).toFixed(1);
  lines.push(`file         ${info.file} (${info.format}, ${mb} MiB)`);
  lines.push(`environment  ${s.task ? `${s.task} (from ${info.taskFrom})` : "unknown"}`);
  lines.push(`transitions  ${s.transitions}  (observation ${s.observationDim}, action ${s.actionDim})`);
  lines.push(`episodes     ${s.episodes} (${s.completeEpisodes} complete; ${s.terminals} terminals, ${s.timeouts} timeouts)`);
  lines.push(`length       ${fmt(s.episodeLength)}`);
  lines.push(`return       ${fmt(s.returns)}`);
  if (s.normalizedScore) lines.push(`normalized   ${fmt(s.normalizedScore)}`);
  const next =
    info.nextObservations === "derived"
      ? `derived from the next row within episodes (${info.droppedRows} rows dropped, ${info.missingNextObservations} terminal rows without s')`
      : info.nextObservations === "episodes"
        ? "from the episodes' observation sequences"
        : "from the file";
  lines.push(`next obs     ${next}`);
  if (info.episodeGroups !== undefined) lines.push(`arrays       (${info.episodeGroups} episode groups; the first shown)`);
  else if (info.arrays.length > 0) lines.push("arrays");
  const width = Math.max(0, ...info.arrays.map((a) => a.key.length));
  for (const a of info.arrays) lines.push(`  ${a.key.padEnd(width)}  ${a.dtype.padEnd(8)} [${a.shape.join(", ")}]`);
  const metadata = Object.entries(info.metadata);
  if (metadata.length > 0) {
    lines.push("metadata");
    for (const [key, value] of metadata) lines.push(`  ${key}: ${String(value).slice(0, 100)}`);
  }
  return `${lines.join("\n")}\n`;
}

function fmt(d: Distribution): string {
  const n = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));
  return `mean ${n(d.mean)} ± ${n(d.std)}, min ${n(d.min)}, median ${n(d.median)}, max ${n(d.max)}`;
}
