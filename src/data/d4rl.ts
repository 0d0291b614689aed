// The D4RL HDF5 layout, read and written. This is the one place where D4RL's snake_case
// keys meet our camelCase fields.
import {
  dtypeName,
  getArray,
  getGroup,
  guarded,
  type H5Dataset,
  type H5File,
  type H5Group,
  isNumeric,
  kindOf,
  openForRead,
  readFlags,
  readFloat32,
  readSmall,
  writeAtomically,
} from "./_hdf5.js";
import type { Dataset, MetadataValue, NumericMetadata } from "./dataset.js";
import { DataError } from "./errors.js";
import { deriveNextObservations, type StepColumns, type TransitionColumns } from "./next-observations.js";
import { checkTaskSpaces, inferTask } from "./tasks.js";
import { checkFinite, checkNotEmpty, checkRows } from "./validate.js";

/** D4RL key of each column. */
export const D4RL_KEYS = {
  observations: "observations",
  actions: "actions",
  rewards: "rewards",
  nextObservations: "next_observations",
  terminals: "terminals",
  timeouts: "timeouts",
  actionLogProbs: "infos/action_log_probs",
  qpos: "infos/qpos",
  qvel: "infos/qvel",
  nextObservationMissing: "infos/next_observation_missing",
} as const;

/** Options for reading a dataset file. */
export interface ReadOptions {
  /**
   * The environment the data comes from. Omitted: inferred from the metadata or the file
   * name, and the observation/action widths are checked against it. `null`: neither
   * inferred nor checked.
   */
  task?: string | null;
}

/** Reads a D4RL-layout HDF5 file (see docs/data.md). */
export async function readD4rl(path: string, options: ReadOptions = {}): Promise<Dataset> {
  const file = await openForRead(path);
  try {
    return readD4rlFile(file, path, options);
  } finally {
    file.close();
  }
}

/** Reads the D4RL layout from an open file. */
export function readD4rlFile(file: H5File, path: string, options: ReadOptions = {}): Dataset {
  const require = (key: string): H5Dataset => {
    const ds = getArray(file, path, key);
    if (!ds) {
      const found = guarded(path, undefined, () => file.keys()).join(", ");
      throw new DataError(
        { file: path, key },
        `is missing (a D4RL file needs observations, actions, rewards, terminals; found: ${found || "nothing"})`,
      );
    }
    return ds;
  };
  // 1. Shapes: every column has N rows; (N, 1) columns are flattened.
  const obsDs = require(D4RL_KEYS.observations);
  const N = rowsOf(path, D4RL_KEYS.observations, obsDs);
  const S = widthOf(path, D4RL_KEYS.observations, obsDs, "matrix");
  const ref = { key: D4RL_KEYS.observations, rows: N };
  const column = (key: string, kind: "matrix" | "vector", required: boolean): { ds: H5Dataset; width: number } | undefined => {
    const ds = required ? require(key) : getArray(file, path, key);
    if (!ds) return undefined;
    checkRows(path, key, rowsOf(path, key, ds), ref);
    const width = widthOf(path, key, ds, kind);
    return { ds, width };
  };
  const actions = column(D4RL_KEYS.actions, "matrix", true) as { ds: H5Dataset; width: number };
  const rewards = column(D4RL_KEYS.rewards, "vector", true) as { ds: H5Dataset; width: number };
  const terminals = column(D4RL_KEYS.terminals, "vector", true) as { ds: H5Dataset; width: number };
  const timeouts = column(D4RL_KEYS.timeouts, "vector", false);
  const next = column(D4RL_KEYS.nextObservations, "matrix", false);
  const logProbs = column(D4RL_KEYS.actionLogProbs, "vector", false);
  const qpos = column(D4RL_KEYS.qpos, "matrix", false);
  const qvel = column(D4RL_KEYS.qvel, "matrix", false);
  const missing = column(D4RL_KEYS.nextObservationMissing, "vector", false);
  checkNotEmpty(path, N);
  if (next && next.width !== S) {
    throw new DataError({ file: path, key: D4RL_KEYS.nextObservations }, `has width ${next.width} but "observations" has ${S}`);
  }

  // 2. Environment: checked before the (slow) reads so a wrong file fails fast.
  const metadata = readMetadata(file, path);
  const guess = options.task === null ? undefined : options.task ? { task: options.task, from: "the caller" } : inferTask(metadata, path);
  if (guess) checkTaskSpaces(path, guess, { observationDim: S, actionDim: actions.width });

  // 3. Values: float columns to float32 (checked finite), flags to 0/1 bytes.
  const floats = (key: string, c: { ds: H5Dataset; width: number }): Float32Array => {
    const data = readFloat32(path, key, c.ds, c.width);
    checkFinite(path, key, data, c.width);
    return data;
  };
  const steps: StepColumns = {
    size: N,
    observationDim: S,
    actionDim: actions.width,
    observations: floats(D4RL_KEYS.observations, { ds: obsDs, width: S }),
    actions: floats(D4RL_KEYS.actions, actions),
    rewards: floats(D4RL_KEYS.rewards, rewards),
    terminals: readFlags(path, D4RL_KEYS.terminals, terminals.ds),
    timeouts: timeouts ? readFlags(path, D4RL_KEYS.timeouts, timeouts.ds) : new Uint8Array(N),
  };
  if (logProbs) steps.actionLogProbs = floats(D4RL_KEYS.actionLogProbs, logProbs);
  if (qpos) {
    steps.qpos = floats(D4RL_KEYS.qpos, qpos);
    steps.qposDim = qpos.width;
  }
  if (qvel) {
    steps.qvel = floats(D4RL_KEYS.qvel, qvel);
    steps.qvelDim = qvel.width;
  }

  // 4. Next observations: the file's own where present, else derived within episodes.
  let columns: TransitionColumns;
  let droppedRows = 0;
  if (next) {
    columns = { ...steps, nextObservations: floats(D4RL_KEYS.nextObservations, next) };
    if (missing) columns.nextObservationMissing = readFlags(path, D4RL_KEYS.nextObservationMissing, missing.ds);
  } else {
    ({ columns, droppedRows } = deriveNextObservations(steps));
    checkNotEmpty(path, columns.size, "no transition has a known next observation");
  }
  const dataset: Dataset = {
    ...columns,
    metadata,
    source: { file: path, format: "d4rl", nextObservations: next ? "file" : "derived", droppedRows },
  };
  if (guess) {
    dataset.task = guess.task;
    dataset.source.taskFrom = guess.from;
  }
  return dataset;
}

/** Rows (first dimension) of an array; scalars and non-numeric arrays are errors. */
export function rowsOf(path: string, key: string, ds: H5Dataset): number {
  const shape = guarded(path, key, () => ds.shape);
  if (!shape || shape.length === 0) throw new DataError({ file: path, key }, "is a scalar, expected an array with one row per step");
  if (!isNumeric(ds)) throw new DataError({ file: path, key }, `has element type ${dtypeName(ds)}, expected numbers`);
  return shape[0]!;
}

/**
 * Values per row: a "vector" column is [N] or [N, 1]; a "matrix" column is [N, W] (or [N],
 * read as W = 1). Anything else is an error quoting the shape.
 */
export function widthOf(path: string, key: string, ds: H5Dataset, kind: "matrix" | "vector"): number {
  const shape = guarded(path, key, () => ds.shape) ?? [];
  if (shape.length === 1) return 1;
  if (shape.length === 2 && (kind === "matrix" || shape[1] === 1)) return shape[1]!;
  const want = kind === "vector" ? "[N] or [N, 1]" : "[N, width]";
  throw new DataError({ file: path, key }, `has shape [${shape.join(", ")}], expected ${want}`);
}

/** Everything under `metadata/`, by relative path; numeric arrays keep their shape. */
function readMetadata(file: H5File, path: string): Record<string, MetadataValue> {
  const out: Record<string, MetadataValue> = {};
  const group = getGroup(file, path, "metadata");
  if (group) walk(group, "metadata", "");
  return out;

  function walk(g: H5Group, groupKey: string, prefix: string): void {
    for (const name of guarded(path, groupKey, () => g.keys())) {
      const key = `${groupKey}/${name}`;
      const entity = guarded(path, key, () => g.get(name));
      if (kindOf(entity) === "Group") walk(entity as H5Group, key, `${prefix}${name}/`);
      else if (kindOf(entity) === "Dataset") {
        const value = metadataValue(path, key, entity as H5Dataset);
        if (value !== undefined) out[`${prefix}${name}`] = value;
      }
    }
  }
}

function metadataValue(path: string, key: string, ds: H5Dataset): MetadataValue | undefined {
  const raw = readSmall(path, key, ds);
  const shape = ds.shape ?? [];
  const type = dtypeName(ds);
  if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") {
    return type === "bool" ? raw === 1 || raw === true : raw;
  }
  if (typeof raw === "bigint") return Number(raw);
  if (Array.isArray(raw) && raw.every((v) => typeof v === "string")) return raw as string[];
  if (raw instanceof Float32Array || raw instanceof Float64Array || raw instanceof Int32Array || raw instanceof Uint8Array) {
    return { shape, data: raw };
  }
  if (ArrayBuffer.isView(raw)) {
    const values = Array.from(raw as unknown as ArrayLike<number | bigint>, Number);
    return { shape, data: Float64Array.from(values) };
  }
  return undefined; // compound/reference metadata: not kept
}

/** Options for writing a D4RL file. */
export interface WriteOptions {
  /** Extra metadata written under `metadata/`, over the dataset's own. */
  metadata?: Record<string, MetadataValue>;
}

/**
 * Writes `dataset` as a D4RL-layout HDF5 file that D4RL tools (h5py) read: float32 columns,
 * uint8 0/1 flags, `infos/*` and `metadata/*`. Written to a temporary file and renamed, so a
 * crash never leaves a half-written file under `path`.
 */
export async function writeD4rl(path: string, dataset: Dataset, options: WriteOptions = {}): Promise<void> {
  const { size: N, observationDim: S, actionDim: A } = dataset;
  await writeAtomically(path, (file) => {
    const f32 = (name: string, data: Float32Array, width: number | null): void => {
      file.create_dataset({ name, data, shape: width === null ? [N] : [N, width], dtype: "<f" });
    };
    const flags = (name: string, data: Uint8Array): void => {
      file.create_dataset({ name, data, shape: [N], dtype: "<B" });
    };
    f32(D4RL_KEYS.observations, dataset.observations, S);
    f32(D4RL_KEYS.actions, dataset.actions, A);
    f32(D4RL_KEYS.rewards, dataset.rewards, null);
    f32(D4RL_KEYS.nextObservations, dataset.nextObservations, S);
    flags(D4RL_KEYS.terminals, dataset.terminals);
    flags(D4RL_KEYS.timeouts, dataset.timeouts);
    const hasInfos = dataset.actionLogProbs || dataset.qpos || dataset.qvel || dataset.nextObservationMissing?.includes(1);
    const infos = hasInfos ? file.create_group("infos") : file;
    if (dataset.actionLogProbs) infos.create_dataset({ name: "action_log_probs", data: dataset.actionLogProbs, shape: [N], dtype: "<f" });
    if (dataset.qpos && dataset.qposDim !== undefined) {
      infos.create_dataset({ name: "qpos", data: dataset.qpos, shape: [N, dataset.qposDim], dtype: "<f" });
    }
    if (dataset.qvel && dataset.qvelDim !== undefined) {
      infos.create_dataset({ name: "qvel", data: dataset.qvel, shape: [N, dataset.qvelDim], dtype: "<f" });
    }
    if (dataset.nextObservationMissing?.includes(1)) {
      infos.create_dataset({ name: "next_observation_missing", data: dataset.nextObservationMissing, shape: [N], dtype: "<B" });
    }
    const metadata: Record<string, MetadataValue> = { ...dataset.metadata, ...options.metadata };
    if (dataset.task && inferTask(metadata) === undefined) metadata.env = dataset.task;
    writeMetadata(file.create_group("metadata"), metadata);
  });
}

function writeMetadata(root: H5Group, metadata: Record<string, MetadataValue>): void {
  for (const [path, value] of Object.entries(metadata)) {
    const parts = path.split("/");
    const name = parts.pop() as string;
    let group = root;
    for (const part of parts) group = (group.get(part) as H5Group | null) ?? group.create_group(part);
    if (typeof value === "string") group.create_dataset({ name, data: value });
    else if (Array.isArray(value)) group.create_dataset({ name, data: value });
    else if (typeof value === "boolean") group.create_dataset({ name, data: Uint8Array.of(value ? 1 : 0), shape: [] });
    else if (typeof value === "number") {
      const data = Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? Int32Array.of(value) : Float64Array.of(value);
      group.create_dataset({ name, data, shape: [] });
    } else group.create_dataset({ name, data: (value as NumericMetadata).data, shape: (value as NumericMetadata).shape });
  }
}
