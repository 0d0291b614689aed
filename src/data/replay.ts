// Replay buffers and samplers: fixed capacity, columnar Float32Array storage, ring overwrite,
// seeded uniform sampling straight into a caller-owned batch (no allocation per sample call).
import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Rng } from "../util/rng.js";
import type { Dataset } from "./dataset.js";
import { DataError } from "./errors.js";
import { drawRows, gatherTransitionsInto, type TransitionSource } from "./rows.js";

/** Widths of a transition. */
export interface TransitionSpec {
  observationDim: number; // S
  actionDim: number; // A
}

/** A batch of transitions, allocated once with {@link allocateBatch} and refilled by samplers. */
export interface TransitionBatch extends TransitionSpec {
  /** B, the number of rows. */
  readonly size: number;
  observations: Float32Array; // [B, S]
  actions: Float32Array; // [B, A]
  rewards: Float32Array; // [B]
  nextObservations: Float32Array; // [B, S]
  /** 1 for a terminal transition (no bootstrap), else 0. */
  terminals: Float32Array; // [B]
}

/** Allocates a batch of `batchSize` rows for `spec`; reuse it for every sample call. */
export function allocateBatch(spec: TransitionSpec, batchSize: number): TransitionBatch {
  const { observationDim: S, actionDim: A } = spec;
  return {
    size: batchSize,
    observationDim: S,
    actionDim: A,
    observations: new Float32Array(batchSize * S),
    actions: new Float32Array(batchSize * A),
    rewards: new Float32Array(batchSize),
    nextObservations: new Float32Array(batchSize * S),
    terminals: new Float32Array(batchSize),
  };
}

/** Anything that can fill rows of a batch: a buffer, or a mix of buffers. */
export interface Sampler {
  /** Fills rows [start, end) of `out` with uniformly drawn transitions. */
  sample(rng: Rng, out: TransitionBatch, start?: number, end?: number): void;
}

/** Serializable state of a {@link ReplayBuffer}: contents (storage rows [0, size)), insertion index, size. */
export interface ReplayBufferState extends TransitionSpec {
  version: 1;
  capacity: number;
  size: number;
  /** Storage row the next transition is written to. */
  insertIndex: number;
  observations: Float32Array; // [size, S]
  actions: Float32Array; // [size, A]
  rewards: Float32Array; // [size]
  nextObservations: Float32Array; // [size, S]
  terminals: Float32Array; // [size]
}

/** A fixed-capacity ring buffer of transitions; once full, new transitions overwrite the oldest. */
export class ReplayBuffer implements Sampler {
  readonly capacity: number;
  readonly observationDim: number;
  readonly actionDim: number;
  private readonly observations: Float32Array; // [C, S]
  private readonly actions: Float32Array; // [C, A]
  private readonly rewards: Float32Array; // [C]
  private readonly nextObservations: Float32Array; // [C, S]
  private readonly terminals: Float32Array; // [C]
  private count = 0;
  private cursor = 0;
  /** Storage rows of the current {@link sample} call (reused between calls). */
  private drawn = new Int32Array(0);
  /** The storage columns, as a source for {@link gatherTransitionsInto}. */
  private readonly storage: TransitionSource;

  constructor(spec: TransitionSpec & { capacity: number }) {
    const { capacity, observationDim: S, actionDim: A } = spec;
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`ReplayBuffer: capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.observationDim = S;
    this.actionDim = A;
    this.observations = new Float32Array(capacity * S);
    this.actions = new Float32Array(capacity * A);
    this.rewards = new Float32Array(capacity);
    this.nextObservations = new Float32Array(capacity * S);
    this.terminals = new Float32Array(capacity);
    this.storage = {
      observationDim: S,
      actionDim: A,
      observations: this.observations,
      actions: this.actions,
      rewards: this.rewards,
      nextObservations: this.nextObservations,
      terminals: this.terminals,
    };
  }

  /** Transitions held (≤ capacity). */
  get size(): number {
    return this.count;
  }

  /** Storage row the next transition goes to. */
  get insertIndex(): number {
    return this.cursor;
  }

  /** Adds one transition (`terminal` true/1 for a terminal step). */
  add(
    observation: ArrayLike<number>,
    action: ArrayLike<number>,
    reward: number,
    nextObservation: ArrayLike<number>,
    terminal: boolean | number,
  ): void {
    const { observationDim: S, actionDim: A } = this;
    const row = this.cursor;
    for (let j = 0; j < S; j++) {
      this.observations[row * S + j] = observation[j]!;
      this.nextObservations[row * S + j] = nextObservation[j]!;
    }
    for (let j = 0; j < A; j++) this.actions[row * A + j] = action[j]!;
    this.rewards[row] = reward;
    this.terminals[row] = terminal ? 1 : 0;
    this.advance(1);
  }

  /** Adds rows [start, end) of a batch (e.g. model rollouts) in order. */
  addBatch(batch: TransitionBatch, start = 0, end = batch.size): void {
    this.addColumns(batch, start, end);
  }

  /** Adds rows [start, end) of a dataset in order (terminal flags become 0/1 floats). */
  addDataset(dataset: Dataset, start = 0, end = dataset.size): void {
    this.addColumns(dataset, start, end);
  }

  /** Fills rows [start, end) of `out` with transitions drawn uniformly (with replacement) using `rng`. */
  sample(rng: Rng, out: TransitionBatch, start = 0, end = out.size): void {
    const { observationDim: S, actionDim: A, count } = this;
    if (count === 0) throw new RangeError("ReplayBuffer.sample: the buffer is empty");
    if (out.observationDim !== S || out.actionDim !== A) {
      throw new RangeError(
        `ReplayBuffer.sample: batch is for (S ${out.observationDim}, A ${out.actionDim}), buffer holds (S ${S}, A ${A})`,
      );
    }
    const n = end - start;
    if (this.drawn.length < n) this.drawn = new Int32Array(n); // grows once, to the largest batch
    const rows = this.drawn;
    for (let k = 0; k < n; k++) rows[k] = rng.int(count);
    gatherTransitionsInto(this.storage, rows, out, n, start);
  }

  /** A copy of the buffer's state, for checkpoints. */
  state(): ReplayBufferState {
    const n = this.count;
    const { observationDim: S, actionDim: A } = this;
    return {
      version: 1,
      observationDim: S,
      actionDim: A,
      capacity: this.capacity,
      size: n,
      insertIndex: this.cursor,
      observations: this.observations.slice(0, n * S),
      actions: this.actions.slice(0, n * A),
      rewards: this.rewards.slice(0, n),
      nextObservations: this.nextObservations.slice(0, n * S),
      terminals: this.terminals.slice(0, n),
    };
  }

  /** Restores a state from {@link state} (same capacity and widths). */
  restore(state: ReplayBufferState): void {
    const { observationDim: S, actionDim: A, capacity } = this;
    if (state.version !== 1) throw new DataError({}, `replay buffer state: unsupported version ${state.version}`);
    if (state.capacity !== capacity || state.observationDim !== S || state.actionDim !== A) {
      throw new DataError(
        {},
        `replay buffer state is for capacity ${state.capacity}, S ${state.observationDim}, A ${state.actionDim}; this buffer has capacity ${capacity}, S ${S}, A ${A}`,
      );
    }
    const n = state.size;
    const valid =
      Number.isInteger(n) &&
      n >= 0 &&
      n <= capacity &&
      Number.isInteger(state.insertIndex) &&
      state.insertIndex >= 0 &&
      state.insertIndex < capacity;
    const lengths = [state.observations.length === n * S, state.nextObservations.length === n * S, state.actions.length === n * A];
    if (!valid || !lengths.every(Boolean) || state.rewards.length !== n || state.terminals.length !== n) {
      throw new DataError({}, "replay buffer state is inconsistent (size, insertion index and column lengths disagree)");
    }
    this.observations.set(state.observations);
    this.actions.set(state.actions);
    this.rewards.set(state.rewards);
    this.nextObservations.set(state.nextObservations);
    this.terminals.set(state.terminals);
    this.count = n;
    this.cursor = state.insertIndex;
  }

  /** A new buffer holding `state`. */
  static fromState(state: ReplayBufferState): ReplayBuffer {
    const buffer = new ReplayBuffer(state);
    buffer.restore(state);
    return buffer;
  }

  private addColumns(
    src: {
      observations: Float32Array;
      actions: Float32Array;
      rewards: Float32Array;
      nextObservations: Float32Array;
      terminals: ArrayLike<number>;
    } & TransitionSpec,
    start: number,
    end: number,
  ): void {
    const { observationDim: S, actionDim: A, capacity } = this;
    if (src.observationDim !== S || src.actionDim !== A) {
      throw new RangeError(`ReplayBuffer: source has (S ${src.observationDim}, A ${src.actionDim}), buffer holds (S ${S}, A ${A})`);
    }
    // Only the last `capacity` rows survive a ring; skip the rest.
    const from = Math.max(start, end - capacity);
    let row = from;
    while (row < end) {
      // Copy the longest run that fits before the ring wraps.
      const run = Math.min(end - row, capacity - this.cursor);
      const at = this.cursor;
      this.observations.set(src.observations.subarray(row * S, (row + run) * S), at * S);
      this.nextObservations.set(src.nextObservations.subarray(row * S, (row + run) * S), at * S);
      this.actions.set(src.actions.subarray(row * A, (row + run) * A), at * A);
      this.rewards.set(src.rewards.subarray(row, row + run), at);
      for (let k = 0; k < run; k++) this.terminals[at + k] = src.terminals[row + k] ? 1 : 0;
      this.advance(run);
      row += run;
    }
  }

  private advance(rows: number): void {
    this.cursor = (this.cursor + rows) % this.capacity;
    this.count = Math.min(this.capacity, this.count + rows);
  }
}

/**
 * Draws each batch from two samplers at a fixed ratio: the first `round(B · firstFraction)` rows
 * from `first` (e.g. real data), the rest from `second` (e.g. model rollouts). While `second`
 * is an empty buffer, the whole batch comes from `first`.
 */
export class MixedSampler implements Sampler {
  constructor(
    readonly first: Sampler & { size?: number },
    readonly second: Sampler & { size?: number },
    readonly firstFraction: number,
  ) {
    if (!(firstFraction >= 0 && firstFraction <= 1))
      throw new RangeError(`MixedSampler: firstFraction must be in [0, 1], got ${firstFraction}`);
  }

  sample(rng: Rng, out: TransitionBatch, start = 0, end = out.size): void {
    let split = start + Math.round((end - start) * this.firstFraction);
    if (this.second.size === 0) split = end;
    if (this.first.size === 0) split = start;
    if (split > start) this.first.sample(rng, out, start, split);
    if (end > split) this.second.sample(rng, out, split, end);
  }
}

/**
 * Draws batches of `size` rows uniformly (with replacement) from a fixed set of `rows` of a
 * dataset (a training split, the rows with a known s′) into a batch allocated once. The
 * dataset rows of the last batch stay in {@link picked}, for per-row lookups such as π_β.
 */
export class RowSampler {
  readonly batch: TransitionBatch;
  /** The dataset row of each batch row, from the last {@link sample}. */
  readonly picked: Int32Array;

  constructor(
    readonly dataset: TransitionSource,
    readonly rows: Int32Array,
    size: number,
  ) {
    if (rows.length === 0) throw new RangeError("RowSampler: no rows to sample from");
    this.batch = allocateBatch(dataset, size);
    this.picked = new Int32Array(size);
  }

  /** Refills and returns the batch. */
  sample(rng: Rng): TransitionBatch {
    drawRows(rng, this.rows, this.batch.size, this.picked);
    gatherTransitionsInto(this.dataset, this.picked, this.batch);
    return this.batch;
  }
}

const MAGIC = "ADEPTRB1";

/**
 * Saves a buffer to `path` (header JSON + raw little-endian float32 columns), atomically:
 * a temporary file is renamed onto `path` once complete.
 */
export async function saveReplayBuffer(path: string, buffer: ReplayBuffer): Promise<void> {
  const state = buffer.state();
  const columns = [state.observations, state.actions, state.rewards, state.nextObservations, state.terminals];
  const header = Buffer.from(
    JSON.stringify({
      version: 1,
      capacity: state.capacity,
      observationDim: state.observationDim,
      actionDim: state.actionDim,
      size: state.size,
      insertIndex: state.insertIndex,
    }),
  );
  const headerPadded = Math.ceil((MAGIC.length + 4 + header.length) / 4) * 4; // float32 alignment
  const total = headerPadded + columns.reduce((n, c) => n + c.byteLength, 0);
  const bytes = Buffer.alloc(total);
  bytes.write(MAGIC, 0, "latin1");
  bytes.writeUInt32LE(header.length, MAGIC.length);
  header.copy(bytes, MAGIC.length + 4);
  let offset = headerPadded;
  for (const c of columns) {
    Buffer.from(c.buffer, c.byteOffset, c.byteLength).copy(bytes, offset);
    offset += c.byteLength;
  }
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.partial`);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new DataError({ file: path }, `cannot be written: ${(error as Error).message}`);
  }
}

/** Loads a buffer saved by {@link saveReplayBuffer}. */
export async function loadReplayBuffer(path: string): Promise<ReplayBuffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new DataError({ file: path }, "no such file");
  }
  if (bytes.length < MAGIC.length + 4 || bytes.toString("latin1", 0, MAGIC.length) !== MAGIC) {
    throw new DataError({ file: path }, "is not an adept replay buffer file");
  }
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  let header: Omit<ReplayBufferState, "observations" | "actions" | "rewards" | "nextObservations" | "terminals">;
  try {
    header = JSON.parse(bytes.toString("utf8", MAGIC.length + 4, MAGIC.length + 4 + headerLength));
  } catch {
    throw new DataError({ file: path }, "is truncated or damaged: its header cannot be read");
  }
  const { size: n, observationDim: S, actionDim: A } = header;
  const lengths = [n * S, n * A, n, n * S, n];
  let offset = Math.ceil((MAGIC.length + 4 + headerLength) / 4) * 4;
  const need = offset + lengths.reduce((a, b) => a + b, 0) * 4;
  if (bytes.length !== need) throw new DataError({ file: path }, `is truncated or damaged: ${bytes.length} bytes, expected ${need}`);
  const [observations, actions, rewards, nextObservations, terminals] = lengths.map((len) => {
    const column = new Float32Array(len);
    Buffer.from(column.buffer).set(bytes.subarray(offset, offset + len * 4));
    offset += len * 4;
    return column;
  }) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  try {
    return ReplayBuffer.fromState({ ...header, observations, actions, rewards, nextObservations, terminals });
  } catch (error) {
    if (error instanceof DataError) throw new DataError({ file: path }, error.message);
    throw error;
  }
}
