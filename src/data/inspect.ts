import { extname } from "node:path";
import { dtypeName, fileSize, guarded, type H5Dataset, type H5Group, kindOf, openForRead } from "./_hdf5.js";
import { D4RL_KEYS } from "./d4rl.js";
import type { Dataset } from "./dataset.js";
import { resolveDatasetPath } from "./load.js";
import { type DatasetSummary, summarize } from "./stats.js";

/** One array stored in a file. */
export interface ArrayInfo {
  key: string;
  dtype: string;
  shape: number[];
}

/** What a file holds, read without loading the data. */
export interface FileInfo {
  file: string;
  bytes: number;
  format: "d4rl" | "minari" | "jsonl";
  /** The arrays; for Minari, those of the first episode (the others have the same keys). */
  arrays: ArrayInfo[];
  /** Minari: number of episode groups. */
  episodeGroups?: number;
}

/** Lists the arrays of a dataset file (keys, dtypes, shapes) without reading their values. */
export async function inspectFile(path: string): Promise<FileInfo> {
  const file = resolveDatasetPath(path);
  const bytes = fileSize(file, "a dataset file");
  if ([".jsonl", ".ndjson"].includes(extname(file).toLowerCase())) return { file, bytes, format: "jsonl", arrays: [] };
  const h5 = await openForRead(file);
  try {
    const keys = guarded(file, undefined, () => h5.keys());
    const episodes = keys.filter((k) => /^episode_\d+$/.test(k));
    const arrays: ArrayInfo[] = [];
    const walk = (group: H5Group, prefix: string): void => {
      for (const name of guarded(file, prefix || undefined, () => group.keys())) {
        const key = `${prefix}${name}`;
        const entity = guarded(file, key, () => group.get(name));
        if (kindOf(entity) === "Group") walk(entity as H5Group, `${key}/`);
        else if (kindOf(entity) === "Dataset") {
          const ds = entity as H5Dataset;
          arrays.push({ key, dtype: dtypeName(ds), shape: guarded(file, key, () => ds.shape) ?? [] });
        }
      }
    };
    if (episodes.length > 0 && !keys.includes("observations")) {
      const first = episodes.sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))[0]!;
      walk(h5.get(first) as H5Group, `${first}/`);
      return { file, bytes, format: "minari", arrays, episodeGroups: episodes.length };
    }
    walk(h5, "");
    return { file, bytes, format: "d4rl", arrays };
  } finally {
    h5.close();
  }
}

/** The report of `adept data info`: file contents and dataset statistics. */
export interface DatasetInfo extends FileInfo {
  summary: DatasetSummary;
  /** How the environment was determined, when it is known. */
  taskFrom?: string;
  nextObservations: Dataset["source"]["nextObservations"];
  droppedRows: number;
  /** Rows whose next observation is a placeholder (terminal rows of derived data). */
  missingNextObservations: number;
  metadata: Record<string, string | number | boolean>;
}

/** Combines {@link inspectFile} with the statistics of the loaded dataset. */
export function describeDataset(fileInfo: FileInfo, dataset: Dataset): DatasetInfo {
  const arrays = fileInfo.format === "jsonl" ? loadedArrays(dataset) : fileInfo.arrays;
  const metadata: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(dataset.metadata)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") metadata[key] = value;
    else if (Array.isArray(value)) metadata[key] = value.join(", ");
    else metadata[key] = `<array [${value.shape.join(", ")}]>`;
  }
  const info: DatasetInfo = {
    ...fileInfo,
    arrays,
    summary: summarize(dataset),
    nextObservations: dataset.source.nextObservations,
    droppedRows: dataset.source.droppedRows,
    missingNextObservations: dataset.nextObservationMissing?.reduce((n, v) => n + v, 0) ?? 0,
    metadata,
  };
  if (dataset.source.taskFrom) info.taskFrom = dataset.source.taskFrom;
  return info;
}

/** The columns of a loaded dataset as D4RL arrays (what an import would write). */
function loadedArrays(d: Dataset): ArrayInfo[] {
  const out: ArrayInfo[] = [
    { key: D4RL_KEYS.observations, dtype: "float32", shape: [d.size, d.observationDim] },
    { key: D4RL_KEYS.actions, dtype: "float32", shape: [d.size, d.actionDim] },
    { key: D4RL_KEYS.rewards, dtype: "float32", shape: [d.size] },
    { key: D4RL_KEYS.nextObservations, dtype: "float32", shape: [d.size, d.observationDim] },
    { key: D4RL_KEYS.terminals, dtype: "uint8", shape: [d.size] },
    { key: D4RL_KEYS.timeouts, dtype: "uint8", shape: [d.size] },
  ];
  if (d.actionLogProbs) out.push({ key: D4RL_KEYS.actionLogProbs, dtype: "float32", shape: [d.size] });
  return out;
}
