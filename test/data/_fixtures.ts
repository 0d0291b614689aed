// Test helpers: temporary directories, raw HDF5 files of any layout (written directly with
// h5wasm, so tests can build broken files the library itself would never write), and
// small synthetic datasets.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import h5wasm from "h5wasm/node";
import type { Dataset } from "../../src/data/index.js";
import { Rng } from "../../src/util/rng.js";

/** A fresh temporary directory and a function that removes it. */
export function tempDir(): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "adept-data-"));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One array (or scalar) to put in a raw HDF5 file. `dtype` uses h5wasm codes: "<f" f32, "<d" f64, "<B" u8, "<b" i8, "<q" i64. */
export interface RawArray {
  key: string;
  data: Float32Array | Float64Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | string | number;
  shape?: number[];
  dtype?: string;
}

/** Writes a raw HDF5 file, creating groups along each key's path; `attrs` go on the root. */
export async function writeRawHdf5(path: string, arrays: RawArray[], attrs: Record<string, string | number> = {}): Promise<void> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, "w");
  try {
    for (const a of arrays) {
      const parts = a.key.split("/");
      const name = parts.pop() as string;
      let group: InstanceType<typeof h5wasm.Group> = file;
      for (const part of parts) group = (group.get(part) as InstanceType<typeof h5wasm.Group> | null) ?? group.create_group(part);
      group.create_dataset({ name, data: a.data, shape: a.shape ?? null, dtype: a.dtype ?? null });
    }
    for (const [name, value] of Object.entries(attrs)) file.create_attribute(name, value);
  } finally {
    file.close();
  }
}

/** Synthetic step columns: `episodes` lengths, obs/actions drawn from `rng`; the last step of each episode is terminal or a timeout as given. */
export function syntheticSteps(rng: Rng, S: number, A: number, episodes: { length: number; end: "terminal" | "timeout" | "none" }[]) {
  const N = episodes.reduce((n, e) => n + e.length, 0);
  const observations = new Float32Array(N * S);
  const actions = new Float32Array(N * A);
  const rewards = new Float32Array(N);
  const terminals = new Uint8Array(N);
  const timeouts = new Uint8Array(N);
  rng.fillNormal(observations);
  rng.fillUniform(actions, -1, 1);
  rng.fillNormal(rewards);
  let row = 0;
  for (const e of episodes) {
    row += e.length;
    if (e.end === "terminal") terminals[row - 1] = 1;
    if (e.end === "timeout") timeouts[row - 1] = 1;
  }
  return { N, S, A, observations, actions, rewards, terminals, timeouts };
}

/** A complete in-memory dataset with every optional column, for round trips. */
export function syntheticDataset(seed: number, N = 50, S = 4, A = 2): Dataset {
  const rng = new Rng(seed);
  const steps = syntheticSteps(rng, S, A, [
    { length: Math.floor(N / 2), end: "terminal" },
    { length: N - Math.floor(N / 2), end: "timeout" },
  ]);
  const nextObservations = new Float32Array(N * S);
  rng.fillNormal(nextObservations);
  const qpos = new Float32Array(N * (S + 1));
  const qvel = new Float32Array(N * S);
  rng.fillNormal(qpos);
  rng.fillNormal(qvel);
  const actionLogProbs = new Float32Array(N);
  rng.fillNormal(actionLogProbs);
  return {
    size: N,
    observationDim: S,
    actionDim: A,
    observations: steps.observations,
    actions: steps.actions,
    rewards: steps.rewards,
    nextObservations,
    terminals: steps.terminals,
    timeouts: steps.timeouts,
    actionLogProbs,
    qpos,
    qposDim: S + 1,
    qvel,
    qvelDim: S,
    metadata: { algorithm: "SAC", iteration: 7, ratio: 0.25, policy: { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) } },
    source: { format: "memory", nextObservations: "file", droppedRows: 0 },
  };
}

/** Byte-level equality of two typed arrays (bit for bit, NaN-safe). */
export function sameBits(a: ArrayBufferView | undefined, b: ArrayBufferView | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
