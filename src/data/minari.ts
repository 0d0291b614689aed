// The Minari HDF5 layout: one group per episode (`episode_0`, `episode_1`, …) holding
// observations [T+1, S] (the final observation included), actions [T, A], rewards [T],
// terminations [T] and truncations [T]. Episodes are concatenated into the D4RL columns.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { getArray, guarded, type H5Dataset, type H5File, kindOf, openForRead, readFlags, readFloat32 } from "./_hdf5.js";
import { type ReadOptions, rowsOf, widthOf } from "./d4rl.js";
import type { Dataset, MetadataValue } from "./dataset.js";
import { DataError } from "./errors.js";
import { checkTaskSpaces, inferTask } from "./tasks.js";
import { checkFinite, checkNotEmpty, checkRows } from "./validate.js";

/** True when the file's root holds Minari episode groups. */
export function isMinariFile(file: H5File, path: string): boolean {
  return guarded(path, undefined, () => file.keys()).some((k) => /^episode_\d+$/.test(k));
}

/** Reads a Minari dataset file (`data/main_data.hdf5`). */
export async function readMinari(path: string, options: ReadOptions = {}): Promise<Dataset> {
  const file = await openForRead(path);
  try {
    return readMinariFile(file, path, options);
  } finally {
    file.close();
  }
}

interface EpisodeArrays {
  name: string;
  steps: number; // T
  observations: H5Dataset; // [T+1, S]
  actions: H5Dataset; // [T, A]
  rewards: H5Dataset; // [T]
  terminations: H5Dataset; // [T]
  truncations: H5Dataset; // [T]
}

/** Reads the Minari layout from an open file. */
export function readMinariFile(file: H5File, path: string, options: ReadOptions = {}): Dataset {
  const names = guarded(path, undefined, () => file.keys())
    .filter((k) => /^episode_\d+$/.test(k))
    .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
  // 1. Shapes of every episode, checked before anything is read.
  let S = -1;
  let A = -1;
  let N = 0;
  const episodes: EpisodeArrays[] = names.map((name) => {
    const array = (key: string): H5Dataset => {
      const full = `${name}/${key}`;
      if (kindOf(guarded(path, full, () => file.get(full))) === "Group") {
        throw new DataError({ file: path, key: full }, "is a group (dictionary spaces are not supported)");
      }
      const ds = getArray(file, path, full);
      if (!ds) throw new DataError({ file: path, key: full }, "is missing");
      return ds;
    };
    const observations = array("observations");
    const actions = array("actions");
    const T = rowsOf(path, `${name}/actions`, actions);
    checkRows(path, `${name}/observations`, rowsOf(path, `${name}/observations`, observations), { key: `${name}/actions`, rows: T + 1 });
    const episode: EpisodeArrays = {
      name,
      steps: T,
      observations,
      actions,
      rewards: array("rewards"),
      terminations: array("terminations"),
      truncations: array("truncations"),
    };
    for (const key of ["rewards", "terminations", "truncations"] as const) {
      widthOf(path, `${name}/${key}`, episode[key], "vector");
      checkRows(path, `${name}/${key}`, rowsOf(path, `${name}/${key}`, episode[key]), { key: `${name}/actions`, rows: T });
    }
    const s = widthOf(path, `${name}/observations`, observations, "matrix");
    const a = widthOf(path, `${name}/actions`, actions, "matrix");
    if (S === -1) [S, A] = [s, a];
    if (s !== S) throw new DataError({ file: path, key: `${name}/observations` }, `has width ${s} but episode_0 has ${S}`);
    if (a !== A) throw new DataError({ file: path, key: `${name}/actions` }, `has width ${a} but episode_0 has ${A}`);
    N += T;
    return episode;
  });
  if (episodes.length === 0) throw new DataError({ file: path }, "the dataset is empty (no episode_* groups)");
  checkNotEmpty(path, N, "every episode has 0 steps");

  const metadata = readMinariMetadata(file, path);
  const guess = options.task === null ? undefined : options.task ? { task: options.task, from: "the caller" } : inferTask(metadata, path);
  if (guess) checkTaskSpaces(path, guess, { observationDim: S, actionDim: A });

  // 2. Concatenate: s = observations[0:T], s' = observations[1:T+1].
  const observations = new Float32Array(N * S); // [N, S]
  const nextObservations = new Float32Array(N * S); // [N, S]
  const actions = new Float32Array(N * A); // [N, A]
  const rewards = new Float32Array(N); // [N]
  const terminals = new Uint8Array(N);
  const timeouts = new Uint8Array(N);
  let row = 0;
  for (const ep of episodes) {
    const { name, steps: T } = ep;
    if (T === 0) continue;
    const obs = readFloat32(path, `${name}/observations`, ep.observations, S); // [T+1, S]
    checkFinite(path, `${name}/observations`, obs, S);
    observations.set(obs.subarray(0, T * S), row * S);
    nextObservations.set(obs.subarray(S), row * S);
    const act = readFloat32(path, `${name}/actions`, ep.actions, A);
    checkFinite(path, `${name}/actions`, act, A);
    actions.set(act, row * A);
    const rew = readFloat32(path, `${name}/rewards`, ep.rewards, 1);
    checkFinite(path, `${name}/rewards`, rew, 1);
    rewards.set(rew, row);
    terminals.set(readFlags(path, `${name}/terminations`, ep.terminations), row);
    timeouts.set(readFlags(path, `${name}/truncations`, ep.truncations), row);
    // Why: episodes are concatenated, so an episode that ends with neither flag (a recording
    // cut short) must still end here; in D4RL terms that is a timeout.
    const last = row + T - 1;
    if (terminals[last] === 0 && timeouts[last] === 0) timeouts[last] = 1;
    row += T;
  }
  const dataset: Dataset = {
    size: N,
    observationDim: S,
    actionDim: A,
    observations,
    actions,
    rewards,
    nextObservations,
    terminals,
    timeouts,
    metadata,
    source: { file: path, format: "minari", nextObservations: "episodes", droppedRows: 0 },
  };
  if (guess) {
    dataset.task = guess.task;
    dataset.source.taskFrom = guess.from;
  }
  return dataset;
}

/** Root attributes of the file, plus string/number fields of a `metadata.json` beside it (newer Minari). */
function readMinariMetadata(file: H5File, path: string): Record<string, MetadataValue> {
  const out: Record<string, MetadataValue> = {};
  const attrs = guarded(path, undefined, () => file.attrs);
  for (const [name, attr] of Object.entries(attrs)) {
    const value = guarded(path, `@${name}`, () => attr.json_value);
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") out[name] = value;
  }
  for (const candidate of [join(dirname(path), "metadata.json"), join(dirname(path), "..", "metadata.json")]) {
    if (!existsSync(candidate)) continue;
    try {
      const json = JSON.parse(readFileSync(candidate, "utf8")) as Record<string, unknown>;
      for (const [name, value] of Object.entries(json)) {
        if (out[name] !== undefined) continue;
        if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") out[name] = value;
        else if (name === "env_spec" && value !== null) out[name] = JSON.stringify(value);
      }
    } catch {
      // an unreadable sidecar only loses metadata, never the data
    }
    break;
  }
  return out;
}
