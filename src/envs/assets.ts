// Locating and reading the project's MJCF files (src/envs/assets/*.xml).
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/**
 * Where the MJCF files may be, relative to this compiled module: next to it (if a build
 * step copies them) or in the source tree (`dist/src/envs/` → `src/envs/assets/`).
 */
const ASSET_DIRS = ["./assets/", "../../../src/envs/assets/"];

const cache = new Map<string, Promise<string>>();

/** The text of the MJCF asset `file` (e.g. `"hopper.xml"`), read once per process. */
export function readAsset(file: string): Promise<string> {
  let text = cache.get(file);
  if (!text) {
    text = readFirst(file);
    cache.set(file, text);
    // A failed read is not cached, so a later call can retry.
    text.catch(() => cache.delete(file));
  }
  return text;
}

async function readFirst(file: string): Promise<string> {
  const tried: string[] = [];
  for (const dir of ASSET_DIRS) {
    const path = fileURLToPath(new URL(dir + file, import.meta.url));
    try {
      return await readFile(path, "utf8");
    } catch {
      tried.push(path);
    }
  }
  throw new Error(`MJCF asset ${file} not found (looked in ${tried.join(", ")})`);
}
