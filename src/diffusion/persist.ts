/**
 * The file layout shared by every saved world model: one safetensors file whose tensors are
 * grouped by part (`ddpm.*`, `opt.ddpm.*`, …) and whose metadata carries a format tag and
 * version, the model's kind, its dimensions, config, normalization statistics, update
 * counter and RNG state — everything needed to sample from it or to resume training it.
 */
import { loadTensors, saveTensors } from "../nn/serialize.js";
import type { Tensor } from "../tensor/tensor.js";
import type { RngState } from "../util/rng.js";
import type { WorldModelStats } from "./normalization.js";

/** The file format tag and version written into every saved world model. */
export const WORLD_MODEL_FORMAT = "adept-world-model";
export const WORLD_MODEL_FORMAT_VERSION = "1";

/** What a world model file says about the model besides its tensors. */
export interface WorldModelHeader<Config> {
  kind: string;
  observationDim: number;
  actionDim: number;
  config: Config;
  stats: WorldModelStats;
  updates: number;
  rng: RngState;
}

/** The header of a model: its own fields and the state of its random stream. */
export function headerOf<Config>(
  model: Omit<WorldModelHeader<Config>, "rng"> & { rng: { getState(): RngState } },
): WorldModelHeader<Config> {
  const { kind, observationDim, actionDim, config, stats, updates } = model;
  return { kind, observationDim, actionDim, config, stats, updates, rng: model.rng.getState() };
}

/** Writes `parts` (prefix → named tensors) and `header` to `path`. */
export function writeWorldModel<Config>(
  path: string,
  header: WorldModelHeader<Config>,
  parts: Record<string, Iterable<[string, Tensor]>>,
): void {
  const tensors: Record<string, Tensor> = {};
  for (const [prefix, named] of Object.entries(parts)) for (const [name, t] of named) tensors[`${prefix}.${name}`] = t;
  saveTensors(path, tensors, {
    format: WORLD_MODEL_FORMAT,
    version: WORLD_MODEL_FORMAT_VERSION,
    kind: header.kind,
    observationDim: String(header.observationDim),
    actionDim: String(header.actionDim),
    config: JSON.stringify(header.config),
    stats: JSON.stringify(header.stats),
    updates: String(header.updates),
    rng: JSON.stringify(header.rng),
  });
}

/** Reads a file written by {@link writeWorldModel}, checking that it holds a model of `kind`. */
export function readWorldModel<Config>(
  path: string,
  kind: string,
): { header: WorldModelHeader<Config>; part(prefix: string): Record<string, Tensor> } {
  const { tensors, metadata } = loadTensors(path);
  checkFormat(metadata, path, kind);
  const json = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key] ?? "");
    } catch {
      throw new Error(`${path}: world model metadata "${key}" is missing or not JSON`);
    }
  };
  const header: WorldModelHeader<Config> = {
    kind,
    observationDim: Number(metadata.observationDim),
    actionDim: Number(metadata.actionDim),
    config: json("config") as Config,
    stats: json("stats") as WorldModelStats,
    updates: Number(metadata.updates ?? 0),
    rng: json("rng") as RngState,
  };
  const part = (prefix: string): Record<string, Tensor> =>
    Object.fromEntries(
      Object.entries(tensors)
        .filter(([k]) => k.startsWith(`${prefix}.`))
        .map(([k, t]) => [k.slice(prefix.length + 1), t]),
    );
  return { header, part };
}

/** Checks a saved model's format tag, version and (when given) kind; `source` names the file in errors. */
export function checkFormat(metadata: Record<string, string>, source: string, kind?: string): void {
  if (metadata.format !== WORLD_MODEL_FORMAT)
    throw new Error(`${source}: not an adept world model (format "${metadata.format ?? "missing"}")`);
  if (metadata.version !== WORLD_MODEL_FORMAT_VERSION)
    throw new Error(`${source}: world model format version ${metadata.version}, this library reads ${WORLD_MODEL_FORMAT_VERSION}`);
  if (kind && metadata.kind !== kind) throw new Error(`${source}: a "${metadata.kind}" world model, expected "${kind}"`);
}
