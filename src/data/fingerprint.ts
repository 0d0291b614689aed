/**
 * A dataset's content hash, the one identity of a dataset's contents: published per built
 * dataset in `policies/manifest.json` (and checked by `adept data verify`), and stored in a
 * saved world model so that a run can refuse a model trained on other data. Renaming or
 * moving the file keeps it; changing one value changes it.
 *
 * The hash is of the arrays, not of the HDF5 file (whose bytes also depend on the HDF5
 * library's layout choices): SHA-256 over, for each column below in this order that the
 * dataset has, the UTF-8 line `<key> <dtype> <shape>\n` (e.g. `observations float32
 * 1000000,11\n`; shape comma-separated) followed by the column's raw little-endian bytes,
 * row-major. Metadata is not hashed. docs/data.md states the same definition.
 */
import { createHash } from "node:crypto";
import { endianness } from "node:os";
import type { Dataset } from "./dataset.js";

type Column = { key: string; data: Float32Array | Uint8Array; width: number | null };

/** The hashed columns, in hash order, under their D4RL keys. */
function columns(d: Dataset): Column[] {
  const all: (Column | null)[] = [
    { key: "observations", data: d.observations, width: d.observationDim },
    { key: "actions", data: d.actions, width: d.actionDim },
    { key: "rewards", data: d.rewards, width: null },
    { key: "next_observations", data: d.nextObservations, width: d.observationDim },
    { key: "terminals", data: d.terminals, width: null },
    { key: "timeouts", data: d.timeouts, width: null },
    d.actionLogProbs ? { key: "infos/action_log_probs", data: d.actionLogProbs, width: null } : null,
    d.qpos ? { key: "infos/qpos", data: d.qpos, width: d.qposDim ?? 0 } : null,
    d.qvel ? { key: "infos/qvel", data: d.qvel, width: d.qvelDim ?? 0 } : null,
    d.nextObservationMissing ? { key: "infos/next_observation_missing", data: d.nextObservationMissing, width: null } : null,
  ];
  return all.filter((c): c is Column => c !== null);
}

/** Little-endian bytes of a column (a view on little-endian machines, a copy otherwise). */
function littleEndian(data: Float32Array | Uint8Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof Uint8Array || endianness() === "LE") return bytes;
  const out = new Uint8Array(bytes.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i]!, true);
  return out;
}

/** SHA-256 (hex) of a dataset's arrays, as defined at the top of this file. */
export function datasetSha256(dataset: Dataset): string {
  const hash = createHash("sha256");
  for (const c of columns(dataset)) {
    const dtype = c.data instanceof Float32Array ? "float32" : "uint8";
    const shape = c.width === null ? `${dataset.size}` : `${dataset.size},${c.width}`;
    hash.update(`${c.key} ${dtype} ${shape}\n`, "utf8");
    hash.update(littleEndian(c.data));
  }
  return hash.digest("hex");
}

/** The fingerprint's version: bump when what it covers changes (old and new never compare equal). */
const FINGERPRINT_VERSION = "v2";

/** `sha256-v2:<hex>`: {@link datasetSha256} with its version, as world-model files record it. */
export function datasetFingerprint(dataset: Dataset): string {
  return `sha256-${FINGERPRINT_VERSION}:${datasetSha256(dataset)}`;
}
