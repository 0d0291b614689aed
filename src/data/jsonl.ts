// JSON Lines input: one transition per line, or one episode per line (both may be mixed).
// The format is documented in docs/data.md; every error names the file, the line and the field.
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import { fileSize } from "./_hdf5.js";
import { type ReadOptions, writeD4rl } from "./d4rl.js";
import type { Dataset } from "./dataset.js";
import { DataError } from "./errors.js";
import { deriveNextObservations, type StepColumns } from "./next-observations.js";
import { checkTaskSpaces, inferTask } from "./tasks.js";
import { checkNotEmpty } from "./validate.js";

const TRANSITION_KEYS = ["observation", "action", "reward", "next_observation", "terminal", "timeout", "log_prob"];
const EPISODE_KEYS = ["observations", "actions", "rewards", "terminal", "timeout", "log_probs"];

/** A Float32Array that grows by doubling (JSON Lines files do not say how many rows they hold). */
class FloatColumn {
  data = new Float32Array(1024);
  length = 0;
  push(values: ArrayLike<number>): void {
    if (this.length + values.length > this.data.length) {
      const grown = new Float32Array(Math.max(this.data.length * 2, this.length + values.length));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    for (let i = 0; i < values.length; i++) this.data[this.length++] = values[i]!;
  }
  pushZeros(count: number): void {
    this.push(new Float32Array(count));
  }
  finish(): Float32Array {
    return this.data.slice(0, this.length);
  }
}

/** Reads a JSON Lines dataset (see docs/data.md for the format). */
export async function readJsonl(path: string, options: ReadOptions = {}): Promise<Dataset> {
  fileSize(path, "a JSON Lines file");
  let S = -1; // observation width, fixed by the first line
  let A = -1; // action width
  let dimsLine = 0;
  let hasLogProbs: boolean | undefined;
  let logProbsLine = 0;
  const observations = new FloatColumn(); // [N, S]
  const actions = new FloatColumn(); // [N, A]
  const rewards = new FloatColumn(); // [N]
  const next = new FloatColumn(); // [N, S], zeros where unknown
  const logProbs = new FloatColumn(); // [N]
  const terminals: number[] = [];
  const timeouts: number[] = [];
  const nextKnown: number[] = [];

  let line = 0;
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    const where = { file: path, line };
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      throw new DataError(where, `not valid JSON (${(error as Error).message})`);
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw new DataError(where, "expected a JSON object (one transition or one episode per line)");
    }
    const r = record as Record<string, unknown>;
    const episode = "observations" in r;
    const allowed = episode ? EPISODE_KEYS : TRANSITION_KEYS;
    for (const key of Object.keys(r)) {
      if (!allowed.includes(key)) {
        throw new DataError(
          { ...where, key },
          `is not a known field of ${episode ? "an episode" : "a transition"} line (allowed: ${allowed.join(", ")})`,
        );
      }
    }
    const vector = (key: string, value: unknown, width: number): number[] => {
      if (value === undefined) throw new DataError({ ...where, key }, "is missing");
      if (!Array.isArray(value)) throw new DataError({ ...where, key }, `must be an array of numbers, got ${typeof value}`);
      if (width >= 0 && value.length !== width) {
        throw new DataError({ ...where, key }, `has ${value.length} values but line ${dimsLine} has ${width}`);
      }
      value.forEach((v, i) => {
        if (typeof v !== "number" || !Number.isFinite(v)) {
          throw new DataError({ ...where, key }, `element ${i} is ${JSON.stringify(v)}, expected a finite number`);
        }
      });
      return value as number[];
    };
    const matrix = (key: string, value: unknown, rows: number | undefined, width: number): number[][] => {
      if (value === undefined) throw new DataError({ ...where, key }, "is missing");
      if (!Array.isArray(value)) throw new DataError({ ...where, key }, "must be an array of arrays");
      if (rows !== undefined && value.length !== rows) throw new DataError({ ...where, key }, `has ${value.length} rows, expected ${rows}`);
      return value.map((row, t) => vector(`${key}[${t}]`, row, width));
    };
    const flag = (key: string, value: unknown): number => {
      if (value === undefined || value === false || value === 0) return 0;
      if (value === true || value === 1) return 1;
      throw new DataError({ ...where, key }, `must be true/false or 0/1, got ${JSON.stringify(value)}`);
    };
    const number = (key: string, value: unknown): number => {
      if (value === undefined) throw new DataError({ ...where, key }, "is missing");
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new DataError({ ...where, key }, `must be a finite number, got ${JSON.stringify(value)}`);
      }
      return value;
    };
    const fixDims = (s: number, a: number): void => {
      if (S === -1) [S, A, dimsLine] = [s, a, line];
    };
    const checkLogProbs = (present: boolean, key: string): void => {
      if (hasLogProbs === undefined) [hasLogProbs, logProbsLine] = [present, line];
      if (present !== hasLogProbs) {
        throw new DataError(
          { ...where, key },
          present ? `is given but line ${logProbsLine} has none` : `is missing but line ${logProbsLine} has it`,
        );
      }
    };

    if (episode) {
      // One episode: observations [T or T+1, S], actions [T, A], rewards [T].
      const acts = matrix("actions", r.actions, undefined, A);
      const T = acts.length;
      if (T === 0) throw new DataError({ ...where, key: "actions" }, "is empty (an episode needs at least one step)");
      fixDims(Array.isArray(r.observations) && Array.isArray(r.observations[0]) ? r.observations[0].length : -1, acts[0]!.length);
      const obs = matrix("observations", r.observations, undefined, S);
      if (obs.length !== T && obs.length !== T + 1) {
        throw new DataError(
          { ...where, key: "observations" },
          `has ${obs.length} rows, expected ${T} or ${T + 1} (the steps, optionally with the final observation)`,
        );
      }
      const rews = vector("rewards", r.rewards, T);
      const terminal = flag("terminal", r.terminal);
      // Why: an episode line ends an episode; without a terminal it was cut, i.e. a timeout.
      const timeout = r.timeout === undefined ? 1 - terminal : flag("timeout", r.timeout);
      checkLogProbs(r.log_probs !== undefined, "log_probs");
      const lps = r.log_probs === undefined ? undefined : vector("log_probs", r.log_probs, T);
      for (let t = 0; t < T; t++) {
        observations.push(obs[t]!);
        actions.push(acts[t]!);
        rewards.push([rews[t]!]);
        const known = obs.length === T + 1;
        if (known) next.push(obs[t + 1]!);
        else next.pushZeros(S);
        nextKnown.push(known ? 1 : 0);
        terminals.push(t === T - 1 ? terminal : 0);
        timeouts.push(t === T - 1 ? timeout : 0);
        if (lps) logProbs.push([lps[t]!]);
      }
    } else {
      // One transition.
      const obsValue = r.observation;
      const actValue = r.action;
      fixDims(Array.isArray(obsValue) ? obsValue.length : -1, Array.isArray(actValue) ? actValue.length : -1);
      observations.push(vector("observation", obsValue, S));
      actions.push(vector("action", actValue, A));
      rewards.push([number("reward", r.reward)]);
      if (r.next_observation === undefined) next.pushZeros(S);
      else next.push(vector("next_observation", r.next_observation, S));
      nextKnown.push(r.next_observation === undefined ? 0 : 1);
      terminals.push(flag("terminal", r.terminal));
      timeouts.push(flag("timeout", r.timeout));
      checkLogProbs(r.log_prob !== undefined, "log_prob");
      if (r.log_prob !== undefined) logProbs.push([number("log_prob", r.log_prob)]);
    }
  }
  const N = rewards.length;
  checkNotEmpty(path, N, "no transitions in the file");

  const steps: StepColumns = {
    size: N,
    observationDim: S,
    actionDim: A,
    observations: observations.finish(),
    actions: actions.finish(),
    rewards: rewards.finish(),
    terminals: Uint8Array.from(terminals),
    timeouts: Uint8Array.from(timeouts),
  };
  if (hasLogProbs) steps.actionLogProbs = logProbs.finish();
  const mask = Uint8Array.from(nextKnown);
  const allKnown = !mask.includes(0);
  const { columns, droppedRows } = allKnown
    ? { columns: { ...steps, nextObservations: next.finish() }, droppedRows: 0 }
    : deriveNextObservations(steps, { nextObservations: next.finish(), mask });
  checkNotEmpty(path, columns.size, "no transition has a known next observation");

  const metadata = {};
  const guess = options.task === null ? undefined : options.task ? { task: options.task, from: "the caller" } : inferTask(metadata, path);
  if (guess) checkTaskSpaces(path, guess, { observationDim: S, actionDim: A }, { observations: "observation", actions: "action" });
  const dataset: Dataset = {
    ...columns,
    metadata,
    source: { file: path, format: "jsonl", nextObservations: allKnown ? "file" : "derived", droppedRows },
  };
  if (guess) {
    dataset.task = guess.task;
    dataset.source.taskFrom = guess.from;
  }
  return dataset;
}

/**
 * Converts a JSON Lines file into a D4RL-layout HDF5 file (written atomically) and returns
 * the dataset it holds. `metadata/source` records the input file name.
 */
export async function importJsonl(input: string, output: string, options: ReadOptions = {}): Promise<Dataset> {
  const dataset = await readJsonl(input, options);
  await writeD4rl(output, dataset, { metadata: { source: basename(input), format: "adept-jsonl-import" } });
  return dataset;
}
