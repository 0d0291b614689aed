/**
 * Starting a run from a pretrained world model (`adept train --world-model F`): which model
 * kind each algorithm takes, which of its config fields describe that model, and the checks
 * made before anything is trained or written — the file is a complete adept world model of
 * the right kind, trained on this very dataset (its content fingerprint), with the config
 * the run asks for. Every failure is one line naming the file and the fault.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { isAdeptVariant, WM_PREFIXED_CONFIG } from "../adept/config.js";
import type { Dataset } from "../data/dataset.js";
import { DataError } from "../data/errors.js";
import { GaussianEnsembleWorldModel } from "../diffusion/ensemble.js";
import { readWorldModelHeader, type WorldModelHeader } from "../diffusion/persist.js";
import { DiffusionWorldModel } from "../diffusion/world-model.js";
import { kebab } from "../util/config.js";

/** File names inside a directory written by `adept wm train`. */
export const WORLD_MODEL_FILES = { diffusion: "world-model.safetensors", "gaussian-ensemble": "ensemble.safetensors" } as const;
export type WorldModelKind = keyof typeof WORLD_MODEL_FILES;

/**
 * Diffusion-model fields that only change how the model samples, not what it learned: a run may
 * set them to other values than the file's (the paper's Table 4 "no clipping" ablation samples
 * a model without clipping to the data's range), and the run's value is applied to the model.
 */
const SAMPLING_FIELDS: Record<string, "clip" | "guidance"> = { wmClip: "clip", wmGuidance: "guidance" };

/** A run config field → the world-model config field it sets, per kind. */
const MOPO_FIELDS: Record<string, string> = { members: "members", elites: "elites", modelWidth: "width", modelDepth: "depth" };
const ADEPT_FIELDS: Record<string, string> = Object.fromEntries(
  Object.keys(WM_PREFIXED_CONFIG).map((k) => [k, k[2]!.toLowerCase() + k.slice(3)]),
);

/** The kind of world model `algo` starts from, or null when it takes none. */
export function worldModelKindOf(algo: string): WorldModelKind | null {
  if (isAdeptVariant(algo)) return "diffusion";
  if (algo === "mopo") return "gaussian-ensemble";
  return null;
}

/** What config.json records about the world model a run started from. */
export interface WorldModelRecord {
  file: string;
  kind: WorldModelKind;
  fingerprint: string;
  /** Its gradient updates when the run started. */
  updates: number;
  heldOutFraction: number;
  splitSeed: number;
}

/** A checked world model, loaded, and the run config with its model fields taken from the file. */
export interface ReusedWorldModel {
  record: WorldModelRecord;
  model: DiffusionWorldModel | GaussianEnsembleWorldModel;
  config: Record<string, unknown>;
}

/**
 * Checks and loads the world model at `path` (a file, or a `wm train` directory holding the
 * file of the kind `algo` takes) for a run of `algo` on `dataset` with fingerprint
 * `fingerprint`. `explicit` are the config fields the user set: each one that describes the
 * model must equal the file's; the others are taken from the file, so that config.json says
 * what the run actually used.
 */
export function reuseWorldModel(
  path: string,
  algo: string,
  dataset: Dataset & { path?: string },
  fingerprint: string,
  config: Record<string, unknown>,
  explicit: Iterable<string>,
): ReusedWorldModel {
  const kind = worldModelKindOf(algo);
  if (!kind) throw new DataError({ file: path }, `--world-model applies to the ADEPT variants and mopo, not to --algo ${algo}`);
  const file = worldModelFile(path, kind);
  const header = readWorldModelHeader(file);
  if (header.kind !== kind) throw new DataError({ file }, `a "${header.kind}" world model; --algo ${algo} starts from a "${kind}" one`);
  const p = header.provenance;
  if (!p)
    throw new DataError(
      { file },
      "written without the fingerprint of its training data (an older adept): retrain it with `adept wm train`",
    );
  const here = dataset.path ?? dataset.source.file ?? "this dataset";
  if (p.fingerprint !== fingerprint)
    throw new DataError(
      { file },
      `trained on other data: its dataset fingerprint ${short(p.fingerprint)}${p.file ? ` (${p.file})` : ""} differs from ${here}'s ${short(fingerprint)}`,
    );
  if (header.observationDim !== dataset.observationDim || header.actionDim !== dataset.actionDim)
    throw new DataError(
      { file },
      `a model of S ${header.observationDim}, A ${header.actionDim}; ${here} has S ${dataset.observationDim}, A ${dataset.actionDim}`,
    );
  const asked = new Set(explicit);
  const out = { ...config, ...compatibleFields(file, header, kind, config, asked) };
  const model = kind === "diffusion" ? DiffusionWorldModel.load(file) : GaussianEnsembleWorldModel.load(file);
  if (model instanceof DiffusionWorldModel)
    for (const [runField, modelField] of Object.entries(SAMPLING_FIELDS))
      if (asked.has(runField) && config[runField] !== model.config[modelField])
        model.setSampling({ [modelField]: config[runField] as never }); // out[runField] already holds the run's value
  return {
    record: { file, kind, fingerprint, updates: header.updates, heldOutFraction: p.heldOutFraction, splitSeed: p.splitSeed },
    model,
    config: out,
  };
}

/** The run's model fields as the file has them; an explicit field that differs is an error naming both values. */
function compatibleFields(
  file: string,
  header: WorldModelHeader<Record<string, unknown>>,
  kind: WorldModelKind,
  config: Record<string, unknown>,
  explicit: Set<string>,
): Record<string, unknown> {
  const fields = kind === "diffusion" ? ADEPT_FIELDS : MOPO_FIELDS;
  const out: Record<string, unknown> = {};
  const check = (runField: string, value: unknown): void => {
    if (kind === "diffusion" && runField in SAMPLING_FIELDS && explicit.has(runField)) return; // the run's value, applied
    if (explicit.has(runField) && config[runField] !== value)
      throw new DataError(
        { file },
        `--${kebab(runField)} ${String(config[runField])} differs from the world model's ${JSON.stringify(value)}: drop the flag, or train a model with it`,
      );
    if (runField in config) out[runField] = value;
  };
  for (const [runField, modelField] of Object.entries(fields))
    if (header.config[modelField] !== undefined) check(runField, header.config[modelField]);
  check("heldOutFraction", header.provenance!.heldOutFraction);
  return out;
}

/** `path` itself, or the file of `kind` inside a `wm train` directory. */
export function worldModelFile(path: string, kind: WorldModelKind): string {
  if (!existsSync(path)) throw new DataError({ file: path }, "no such world model file or directory");
  if (!statSync(path).isDirectory()) return path;
  const file = join(path, WORLD_MODEL_FILES[kind]);
  if (!existsSync(file))
    throw new DataError(
      { file: path },
      `no ${WORLD_MODEL_FILES[kind]} inside${kind === "gaussian-ensemble" ? " (train it with `adept wm train --baseline`)" : ""}`,
    );
  return file;
}

function short(fingerprint: string): string {
  return fingerprint.length > 24 ? `${fingerprint.slice(0, 22)}…` : fingerprint;
}
