/**
 * Fail before work, leave nothing half-made: the checks a run makes before its first update,
 * and the undo of what it wrote when it fails before that update. Kept in one small module
 * so that one version of each check exists (the CLI, `trainOffline` and sweeps share it).
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Dataset } from "../data/dataset.js";
import { openEnv } from "../envs/source.js";
import { UserError } from "../util/errors.js";

/** The widths an environment acts in. */
export interface EnvWidths {
  name: string;
  observationDim: number;
  actionDim: number;
}

/**
 * Throws one line naming both widths, the dataset and the env when the data's observation or
 * action width is not the environment's (a policy trained on the data could never act in it).
 */
export function checkDataFitsEnv(dataset: Pick<Dataset, "observationDim" | "actionDim">, datasetName: string, env: EnvWidths): void {
  if (dataset.observationDim === env.observationDim && dataset.actionDim === env.actionDim) return;
  throw new UserError(
    `${datasetName} has observations of width ${dataset.observationDim} and actions of width ${dataset.actionDim}, ` +
      `but environment ${env.name} has ${env.observationDim} and ${env.actionDim}: pass the matching --env, or none to train without evaluation`,
  );
}

/**
 * A run directory claimed for a fresh run: `abandon()` removes what the run wrote (those of
 * the named files that were not there before) and the directory itself if the run created
 * it, so a run that fails before its first update leaves `--out` as it found it and the
 * same command works once the fault is fixed.
 */
export class FreshRunDir {
  private readonly created: boolean;
  private readonly ours: string[];
  private abandoned = false;

  constructor(
    readonly dir: string,
    files: readonly string[],
  ) {
    this.created = !existsSync(dir);
    this.ours = files.filter((f) => !existsSync(join(dir, f)));
    mkdirSync(dir, { recursive: true });
  }

  /** Deletes the run's files (and the directory when this run made it and it is empty). Idempotent. */
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    for (const f of this.ours) rmSync(join(this.dir, f), { force: true, recursive: true }); // tensorboard/ is a folder
    if (this.created && existsSync(this.dir) && readdirSync(this.dir).length === 0) rmdirSync(this.dir);
  }
}

/**
 * The widths of a named environment (a registered task, a D4RL or Gym id, or a JS module
 * path), without building it; a module is loaded and its exports checked.
 */
export async function envWidths(name: string): Promise<EnvWidths> {
  const { observationSpace, actionSpace } = await openEnv(name);
  return { name, observationDim: observationSpace.dim, actionDim: actionSpace.dim };
}
