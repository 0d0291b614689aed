/** A metadata value kept from a file (`metadata/*` in D4RL, root attributes in Minari). */
export type MetadataValue = string | number | boolean | string[] | NumericMetadata;

/** A numeric array kept from file metadata (e.g. the weights of the policy that collected the data). */
export interface NumericMetadata {
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

/** Where a dataset came from and how its next observations were obtained. */
export interface DatasetSource {
  /** The file it was read from, if any. */
  file?: string;
  format: "d4rl" | "minari" | "jsonl" | "memory";
  /**
   * `file`: the file's own next observations; `derived`: taken from the next row within the
   * same episode (the key was absent); `episodes`: from per-episode observation sequences.
   */
  nextObservations: "file" | "derived" | "episodes";
  /** Rows of the file that were dropped because their next observation is unknown (see docs/data.md). */
  droppedRows: number;
  /** How `task` was determined ("the caller", "metadata \"env\"", "the file name"). */
  taskFrom?: string;
}

/**
 * A columnar offline-RL dataset: N transitions (s, a, r, s', terminal, timeout), row-major
 * Float32Array columns. Names are camelCase versions of D4RL's (`next_observations` →
 * `nextObservations`); the translation happens only in the readers and the writer.
 *
 * Episode boundaries: an episode ends after row i when `terminals[i]` or `timeouts[i]` is 1,
 * or at the last row.
 */
export interface Dataset {
  /** N, the number of transitions. */
  readonly size: number;
  /** S, the observation width. */
  readonly observationDim: number;
  /** A, the action width. */
  readonly actionDim: number;
  observations: Float32Array; // [N, S]
  actions: Float32Array; // [N, A]
  rewards: Float32Array; // [N]
  nextObservations: Float32Array; // [N, S]
  /** 1 where the environment terminated after this step (no bootstrapping). */
  terminals: Uint8Array; // [N]
  /** 1 where the episode was cut after this step (time limit), not a terminal state. */
  timeouts: Uint8Array; // [N]
  /** log π_β(a|s) recorded at collection time (D4RL `infos/action_log_probs`). */
  actionLogProbs?: Float32Array; // [N]
  /** MuJoCo qpos before the step (D4RL `infos/qpos`), `qposDim` values per row. */
  qpos?: Float32Array; // [N, P]
  qposDim?: number;
  /** MuJoCo qvel before the step (D4RL `infos/qvel`), `qvelDim` values per row. */
  qvel?: Float32Array; // [N, V]
  qvelDim?: number;
  /**
   * 1 where s' is unknown and `nextObservations` holds a copy of s as a placeholder: terminal
   * rows whose next observation had to be derived. TD targets ignore s' there; a world
   * model should skip these rows.
   */
  nextObservationMissing?: Uint8Array; // [N]
  /** Metadata from the file, by path relative to `metadata/` (e.g. `algorithm`, `policy/fc0/weight`). */
  metadata: Record<string, MetadataValue>;
  /** The task, when known (from the caller, the metadata or the file name): a D4RL locomotion task or a registered one. */
  task?: string;
  source: DatasetSource;
}

/** Episode boundaries as half-open row ranges [starts[e], ends[e]). */
export interface EpisodeRanges {
  starts: Int32Array; // [E]
  ends: Int32Array; // [E], exclusive
  /** 1 when the episode ends with a terminal or timeout flag; 0 for a trailing cut-off episode. */
  complete: Uint8Array; // [E]
}

/** The episodes of a dataset: an episode ends after a terminal or timeout row, or at the last row. */
export function episodeRanges(dataset: Pick<Dataset, "size" | "terminals" | "timeouts">): EpisodeRanges {
  const { size, terminals, timeouts } = dataset;
  const starts: number[] = [];
  const ends: number[] = [];
  const complete: number[] = [];
  let start = 0;
  for (let i = 0; i < size; i++) {
    const flagged = terminals[i] === 1 || timeouts[i] === 1;
    if (flagged || i === size - 1) {
      starts.push(start);
      ends.push(i + 1);
      complete.push(flagged ? 1 : 0);
      start = i + 1;
    }
  }
  return { starts: Int32Array.from(starts), ends: Int32Array.from(ends), complete: Uint8Array.from(complete) };
}

/** Undiscounted return of each episode (float64 sums), in episode order. */
export function episodeReturns(dataset: Pick<Dataset, "rewards">, episodes: EpisodeRanges): Float64Array {
  const returns = new Float64Array(episodes.starts.length);
  for (let e = 0; e < returns.length; e++) {
    let sum = 0;
    for (let i = episodes.starts[e]!; i < episodes.ends[e]!; i++) sum += dataset.rewards[i]!;
    returns[e] = sum;
  }
  return returns;
}
