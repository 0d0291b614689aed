import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The adept package's root folder (the one with binding.gyp), found above this module. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "binding.gyp"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`adept: cannot find the package root (binding.gyp) above ${import.meta.url}`);
    dir = parent;
  }
  return dir;
}
