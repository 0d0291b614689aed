/**
 * Checkpoints as units. Everything a resume needs — the agent (with the loop's state in its
 * metadata) and whatever the learner keeps beside it (ADEPT: world model, model buffer,
 * behaviour model, loop RNG) — is written into a fresh directory, described by a manifest
 * (every file, its size and SHA-256), and only then made current by one atomic rename:
 *
 *   <run>/checkpoints/.tmp-<pid>-<n>/        being written (never read)
 *   <run>/checkpoints/step-<step>-<n>/       a complete unit: agent.safetensors, …, manifest.json
 *   <run>/latest.safetensors                 symlink → checkpoints/step-…/agent.safetensors
 *
 * Replacing the `latest.safetensors` link is the atomic step (rename(2) over it), so a kill at
 * any moment leaves either the old unit or the new one current, never a mix; the link keeps
 * `adept eval --policy <run>/latest.safetensors` working. Units that are not current and
 * temporary files are removed by {@link cleanCheckpoints} at the next start.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { UserError } from "../util/errors.js";
import { faultPoint } from "./_fault.js";

/** The agent file inside a unit; `latest.safetensors` links to it. */
export const AGENT_FILE = "agent.safetensors";
const MANIFEST = "manifest.json";
const UNITS = "checkpoints";

/** What manifest.json records. */
export interface UnitManifest {
  format: "adept-checkpoint-unit";
  version: 1;
  /** Agent updates at the checkpoint. */
  step: number;
  /** Every file of the unit but the manifest: size in bytes and SHA-256 (hex). */
  files: Record<string, { bytes: number; sha256: string }>;
}

/** A complete unit found on disk. */
export interface CheckpointUnit {
  /** The unit's directory; legacy single-file checkpoints: the run directory. */
  dir: string;
  /** Its agent checkpoint. */
  agentPath: string;
  step: number;
  /** False for a `latest.safetensors` written before units existed (a plain file, agent only). */
  unit: boolean;
}

/** `<run>/latest.safetensors`. */
export function latestPath(run: string): string {
  return join(run, "latest.safetensors");
}

let counter = 0;

/**
 * Writes a unit: `write(dir)` fills a fresh directory (the agent into `dir/agent.safetensors`,
 * anything else beside it); then the manifest is written, the directory renamed to its final
 * name, and `latest.safetensors` switched to it. Older units are removed afterwards.
 */
export async function writeCheckpointUnit(
  run: string,
  step: number,
  write: (dir: string) => Promise<void> | void,
): Promise<CheckpointUnit> {
  const units = join(run, UNITS);
  mkdirSync(units, { recursive: true });
  const tmp = join(units, `.tmp-${process.pid}-${counter++}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  await write(tmp);
  faultPoint("unit-files");
  if (!existsSync(join(tmp, AGENT_FILE))) throw new Error(`checkpoint unit ${tmp}: the writer left no ${AGENT_FILE}`);
  const manifest: UnitManifest = { format: "adept-checkpoint-unit", version: 1, step, files: {} };
  for (const name of readdirSync(tmp).sort()) {
    const bytes = readFileSync(join(tmp, name));
    manifest.files[name] = { bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
  }
  writeFileSync(join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  let final = join(units, `step-${step}`);
  for (let k = 1; existsSync(final); k++) final = join(units, `step-${step}-${k}`); // the same step written again (e.g. after the last evaluation)
  renameSync(tmp, final); // complete on disk, not yet current
  faultPoint("unit-renamed");
  // The one atomic step: a new link under a private name, renamed over latest.safetensors.
  const link = `${latestPath(run)}.new-${process.pid}`;
  rmSync(link, { force: true });
  symlinkSync(relative(run, join(final, AGENT_FILE)), link);
  renameSync(link, latestPath(run));
  faultPoint("unit-current");
  removeStaleUnits(run, final);
  return { dir: final, agentPath: join(final, AGENT_FILE), step, unit: true };
}

/**
 * The current checkpoint of a run, verified complete against its manifest, or undefined when
 * the run has none. A unit that does not match its manifest (edited, or a disk fault) is an
 * error naming the file, not something to resume from.
 */
export function currentCheckpoint(run: string): CheckpointUnit | undefined {
  const latest = latestPath(run);
  let link: ReturnType<typeof lstatSync>;
  try {
    link = lstatSync(latest);
  } catch {
    return undefined;
  }
  if (!link.isSymbolicLink()) return { dir: run, agentPath: latest, step: Number.NaN, unit: false };
  const agentPath = join(run, readlinkSync(latest));
  const dir = dirname(agentPath);
  if (!existsSync(agentPath)) return undefined; // a dangling link: its unit was removed by hand
  const manifestPath = join(dir, MANIFEST);
  let manifest: UnitManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as UnitManifest;
  } catch (error) {
    throw new UserError(`checkpoint ${dir} has no readable ${MANIFEST} (${(error as Error).message}): it cannot be resumed`);
  }
  for (const [name, want] of Object.entries(manifest.files)) {
    const path = join(dir, name);
    if (!existsSync(path)) throw new UserError(`checkpoint ${dir} is incomplete: ${name} is missing`);
    const size = statSync(path).size;
    if (size !== want.bytes)
      throw new UserError(`checkpoint ${dir} is damaged: ${name} has ${size} bytes, its manifest says ${want.bytes}`);
    const sha = createHash("sha256").update(readFileSync(path)).digest("hex");
    if (sha !== want.sha256) throw new UserError(`checkpoint ${dir} is damaged: ${name} does not match the SHA-256 in its manifest`);
  }
  return { dir, agentPath, step: manifest.step, unit: true };
}

/**
 * Removes what an interrupted writer left: temporary unit directories, units that are not
 * current, and `*.tmp-<pid>` / `*.new-<pid>` files in the run directory. Call it only while
 * holding the run's lock (another writer's temporary files are not leftovers).
 */
export function cleanCheckpoints(run: string): string[] {
  const removed: string[] = [];
  if (!existsSync(run)) return removed;
  for (const name of readdirSync(run))
    if (/\.(tmp|new)(-\d+)?$/.test(name) && !name.startsWith(".lock")) {
      rmSync(join(run, name), { recursive: true, force: true });
      removed.push(name);
    }
  const current = currentUnitDir(run);
  removed.push(...removeStaleUnits(run, current));
  return removed;
}

function currentUnitDir(run: string): string | undefined {
  try {
    if (!lstatSync(latestPath(run)).isSymbolicLink()) return undefined;
    return dirname(join(run, readlinkSync(latestPath(run))));
  } catch {
    return undefined;
  }
}

/** Removes every entry of `<run>/checkpoints` but `keep`; returns their names. */
function removeStaleUnits(run: string, keep: string | undefined): string[] {
  const units = join(run, UNITS);
  if (!existsSync(units)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(units)) {
    if (keep !== undefined && name === basename(keep)) continue;
    rmSync(join(units, name), { recursive: true, force: true });
    removed.push(join(UNITS, name));
  }
  return removed;
}
