/**
 * Publishing behaviour policies into the repository: the final (medium) actor and the
 * training snapshots are copied to `policies/<task>/`, and `policies/manifest.json` records
 * how they were made, so `adept data build` can rebuild the datasets from them.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileError } from "../util/errors.js";
import { packageRoot } from "../util/package-root.js";
import { readJson } from "./behaviour.js";

export interface ManifestEntry {
  task: string;
  seed: number;
  /** Environment steps of online SAC at the medium policy. */
  steps: number;
  /** Its deterministic evaluation (D4RL normalized, mean over episodes). */
  score: number;
  /** Target score that stopped training. */
  targetScore: number;
  /** Files, relative to policies/: the medium policy and the snapshots in step order. */
  medium: string;
  snapshots: string[];
  /** Steps between snapshots (each snapshot acted for the steps that followed it). */
  snapshotEvery: number;
  warmupSteps: number;
  command: string;
}

/** The policies folder: $ADEPT_POLICIES, or `policies/` in the adept package (the repository when cloned). */
export function policiesDir(): string {
  return process.env.ADEPT_POLICIES ?? join(packageRoot(), "policies");
}

/** Copies a finished online-SAC run's policies into `policies/<task>/` and records them in the manifest. */
export function publishPolicies(runDir: string, entry: Omit<ManifestEntry, "medium" | "snapshots">): ManifestEntry {
  const dir = join(policiesDir(), entry.task);
  mkdirSync(dir, { recursive: true });
  const final = join(runDir, "final-policy.safetensors");
  if (!existsSync(final)) throw new FileError(final, "missing: the run has no final policy yet");
  copyFileSync(final, join(dir, "medium.safetensors"));
  const snapshots = readdirSync(join(runDir, "snapshots"))
    .filter((f) => /^step-\d+\.safetensors$/.test(f))
    .map((f) => ({ f, step: Number(/\d+/.exec(f)![0]) }))
    .filter((s) => s.step <= entry.steps)
    .sort((a, b) => a.step - b.step);
  for (const s of snapshots) copyFileSync(join(runDir, "snapshots", s.f), join(dir, s.f));
  const full: ManifestEntry = {
    ...entry,
    medium: `${entry.task}/medium.safetensors`,
    snapshots: snapshots.map((s) => `${entry.task}/${s.f}`),
  };
  const manifestPath = join(policiesDir(), "manifest.json");
  const manifest = readJson(manifestPath);
  manifest[entry.task] = full;
  // The task's datasets built from policies change with them: their published hashes no longer hold.
  const hashes = manifest.datasets as Record<string, unknown> | undefined;
  for (const id of Object.keys(hashes ?? {})) if (id.startsWith(`${entry.task}-`) && !id.endsWith("-random")) delete hashes![id];
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return full;
}
