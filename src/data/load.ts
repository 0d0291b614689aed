import { existsSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { guarded, openForRead } from "./_hdf5.js";
import { type ReadOptions, readD4rlFile } from "./d4rl.js";
import type { Dataset } from "./dataset.js";
import { DataError } from "./errors.js";
import { readJsonl } from "./jsonl.js";
import { isMinariFile, readMinariFile } from "./minari.js";

/**
 * Loads a dataset from any supported file: D4RL HDF5, Minari HDF5 (the file, or the dataset
 * directory holding `data/main_data.hdf5`), or JSON Lines (`.jsonl`). The layout is detected
 * from the file's contents, not its name.
 */
export async function loadDataset(path: string, options: ReadOptions = {}): Promise<Dataset> {
  const file = resolveDatasetPath(path);
  if ([".jsonl", ".ndjson"].includes(extname(file).toLowerCase())) return readJsonl(file, options);
  const h5 = await openForRead(file);
  try {
    if (guarded(file, undefined, () => h5.get("observations")) !== null) return readD4rlFile(h5, file, options);
    if (isMinariFile(h5, file)) return readMinariFile(h5, file, options);
    const keys = guarded(file, undefined, () => h5.keys());
    throw new DataError(
      { file, key: "observations" },
      `is missing: neither a D4RL file (needs observations, actions, rewards, terminals) nor a Minari file (episode_* groups); found: ${keys.join(", ") || "nothing"}`,
    );
  } finally {
    h5.close();
  }
}

/** A Minari dataset directory resolves to its `data/main_data.hdf5`; anything else is returned as is. */
export function resolveDatasetPath(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) {
    for (const candidate of [join(path, "data", "main_data.hdf5"), join(path, "main_data.hdf5")]) {
      if (existsSync(candidate)) return candidate;
    }
  }
  return path;
}
