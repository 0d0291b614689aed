/**
 * A sweep's specification (the JSON file) and the grid of runs it stands for.
 *
 *   { out, datasets, algos, seeds }       which runs: dataset × algo × seed under `out`
 *   { steps, evalEvery, batchSize, … }    how every run trains: src/run/options.ts's fields
 *   { overrides: { <algo> | "*": {…} } }  algorithm config fields, per algorithm or for all
 *   { jobs }                              how many run at once
 *   { variants: { <name>: {algo, config} } }  named configurations of an algorithm, usable in `algos`
 *   { worldModel: {steps, baseline, …} }      a world-model stage per dataset × seed (stages.ts)
 *
 * Every field is validated by a config schema (src/util/config.ts): the sweep's own below,
 * the run options' (their defaults are `adept train`'s), and each algorithm's for its
 * overrides. Any error names the field.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { datasetName } from "../../data/cache.js";
import { ConfigError, type ConfigOf, type ConfigSchema, defineConfig, kebab, resolveConfig } from "../../util/config.js";
import { UserError } from "../../util/errors.js";
import { childPath } from "../../util/paths.js";
import { RUN_OPTIONS } from "../options.js";
import { algorithmNames, schemaOf } from "../train.js";
import { worldModelKindOf } from "../world-model-file.js";
import { parseStage, type StageSpec, stageRun, usesStage } from "./stages.js";

/** Which runs: the grid. */
export const GRID_FIELDS = defineConfig({
  out: { default: "", required: true, doc: "root folder of the runs (relative paths: to the working directory)" },
  datasets: { default: "", list: true, required: true, doc: "dataset ids (hopper-random) or files; a file's run name is its base name" },
  algos: { default: "", list: true, required: true, doc: "algorithm names (`adept train --algo`)" },
  seeds: { default: 0, integer: true, min: 0, list: true, required: true, doc: "seeds; one run per seed" },
});

/** How every run trains: the run options but the seed (one run per seed); a sweep states its step budget. */
const { seed: _perRun, ...shared } = RUN_OPTIONS;
export const SWEEP_RUN_OPTIONS = defineConfig({ ...shared, steps: { ...RUN_OPTIONS.steps, required: true } });

/** How the sweep schedules its runs. */
export const SCHEDULE_FIELDS = defineConfig({
  jobs: { default: 1, integer: true, min: 1, doc: "runs at once (`adept sweep --jobs` overrides)" },
});

/** A config override value, as in `adept train --<field> <value>`. */
export type OverrideValue = number | boolean | string;

/** A sweep specification, validated, with defaults filled in by {@link parseSweepSpec}. */
export type SweepSpec = ConfigOf<typeof GRID_FIELDS> &
  ConfigOf<typeof SWEEP_RUN_OPTIONS> &
  ConfigOf<typeof SCHEDULE_FIELDS> & {
    /** Config overrides per algorithm; `"*"` applies to every algorithm whose config has the field. */
    overrides: Record<string, Record<string, OverrideValue>>;
    /** Named configurations of an algorithm (`"iql-expectile-0.9": {algo: "iql", config: {expectile: 0.9}}`), usable in `algos`. */
    variants: Record<string, { algo: string; config: Record<string, OverrideValue> }>;
    /** The world-model stage, when the spec has one. */
    worldModel?: StageSpec;
  };

/** The spec's keys, in the order the docs list them. */
const SPEC_KEYS = [
  ...Object.keys(GRID_FIELDS),
  ...Object.keys(SWEEP_RUN_OPTIONS),
  "overrides",
  "variants",
  "worldModel",
  ...Object.keys(SCHEDULE_FIELDS),
];

/** The algorithms a sweep may name and their config schemas: by default what `adept train --algo` accepts, read at run time. */
export interface AlgorithmCatalog {
  names: string[];
  schemaOf(algo: string): ConfigSchema;
}

/** `adept train`'s algorithms (the offline agents and the ADEPT variants), as they are now. */
export function trainAlgorithms(): AlgorithmCatalog {
  return { names: algorithmNames(), schemaOf };
}

/** An error in a sweep spec; the message names the field. */
export class SpecError extends UserError {
  override name = "SpecError";
}

/** `body`, with a schema's ConfigError reported as the spec's error. */
function specField<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof ConfigError) throw new SpecError(error.message);
    throw error;
  }
}

/**
 * Validates a parsed spec: unknown keys, wrong types, unknown algorithms (checked against
 * `algorithms`, by default the registry at run time) and overrides that no algorithm of the
 * sweep accepts all throw a {@link SpecError} naming the field.
 */
export function parseSweepSpec(raw: unknown, algorithms: AlgorithmCatalog = trainAlgorithms()): SweepSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new SpecError("a sweep spec must be a JSON object");
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input))
    if (!SPEC_KEYS.includes(key)) throw new SpecError(`unknown key "${key}" (known: ${SPEC_KEYS.join(", ")})`);
  const pick = (schema: ConfigSchema): Record<string, unknown> => Object.fromEntries(Object.keys(schema).map((k) => [k, input[k]]));
  const spec: SweepSpec = {
    ...specField(() => resolveConfig(GRID_FIELDS, pick(GRID_FIELDS), "", false)),
    ...specField(() => resolveConfig(SWEEP_RUN_OPTIONS, pick(SWEEP_RUN_OPTIONS), "", false)),
    overrides: parseOverrides(input.overrides ?? {}),
    variants: parseVariants(input.variants ?? {}, algorithms),
    ...(input.worldModel !== undefined ? { worldModel: specField(() => parseStage(input.worldModel)) } : {}),
    ...specField(() => resolveConfig(SCHEDULE_FIELDS, pick(SCHEDULE_FIELDS), "", false)),
  };
  algorithms = withVariants(algorithms, spec.variants);
  for (const algo of spec.algos) if (algorithms.names.includes(algo)) specField(() => usesStage(baseAlgo(spec, algo), spec.worldModel));

  for (const algo of spec.algos)
    if (!algorithms.names.includes(algo)) throw new SpecError(`algos: unknown algorithm "${algo}" (known: ${algorithms.names.join(", ")})`);
  const names = new Map<string, string>();
  for (const d of spec.datasets) {
    const name = datasetName(d);
    try {
      childPath(spec.out, name, `datasets: "${d}" gives the run name`);
    } catch (error) {
      throw new SpecError((error as Error).message);
    }
    const other = names.get(name);
    if (other !== undefined) throw new SpecError(`datasets: "${other}" and "${d}" would share the run name "${name}"`);
    names.set(name, d);
  }
  for (const [name, list] of [
    ["algos", spec.algos],
    ["seeds", spec.seeds],
  ] as const)
    if (new Set<unknown>(list).size !== list.length) throw new SpecError(`${name}: duplicate entries`);

  // Overrides: per-algorithm fields must exist in that algorithm's config and parse; "*" fields
  // must exist in at least one of the sweep's algorithms.
  for (const [target, fields] of Object.entries(spec.overrides)) {
    if (target === "*") {
      for (const field of Object.keys(fields))
        if (!spec.algos.some((a) => field in algorithms.schemaOf(a)))
          throw new SpecError(`overrides["*"].${field}: no algorithm of the sweep has this config field`);
      continue;
    }
    if (!spec.algos.includes(target))
      throw new SpecError(`overrides: "${target}" is not one of the sweep's algos (${spec.algos.join(", ")})`);
    specField(() => resolveConfig(algorithms.schemaOf(target), fields, `overrides.${target}`));
  }
  for (const algo of spec.algos)
    specField(() => resolveConfig(algorithms.schemaOf(algo), overridesFor(spec, algo, algorithms), `overrides["*"] for ${algo}`));
  return spec;
}

/** The shape of `overrides`: `{"<algo>" | "*": {field: value}}`; the fields are checked against each algorithm's schema. */
function parseOverrides(value: unknown): SweepSpec["overrides"] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(value)) throw new SpecError(`overrides: expected an object {"<algo>" | "*": {field: value}}, got ${JSON.stringify(value)}`);
  for (const [target, fields] of Object.entries(value)) {
    if (!isObject(fields)) throw new SpecError(`overrides.${target}: expected an object of config fields, got ${JSON.stringify(fields)}`);
    for (const [f, v] of Object.entries(fields))
      if (!["number", "boolean", "string"].includes(typeof v))
        throw new SpecError(`overrides.${target}.${f}: expected a number, boolean or string, got ${JSON.stringify(v)}`);
  }
  return value as SweepSpec["overrides"];
}

/** The shape of `variants`: each a known algorithm (not itself a variant) and fields its config has; names are new. */
function parseVariants(value: unknown, algorithms: AlgorithmCatalog): SweepSpec["variants"] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(value)) throw new SpecError(`variants: expected an object {"<name>": {"algo", "config"}}, got ${JSON.stringify(value)}`);
  for (const [name, v] of Object.entries(value)) {
    if (algorithms.names.includes(name)) throw new SpecError(`variants.${name}: the name of an algorithm; choose another`);
    if (!isObject(v) || typeof v.algo !== "string" || !algorithms.names.includes(v.algo))
      throw new SpecError(`variants.${name}: expected {"algo": <one of ${algorithms.names.join(", ")}>, "config": {…}}`);
    for (const key of Object.keys(v))
      if (key !== "algo" && key !== "config") throw new SpecError(`variants.${name}: unknown key "${key}" (known: algo, config)`);
    const config = v.config ?? {};
    if (!isObject(config)) throw new SpecError(`variants.${name}.config: expected an object of config fields`);
    specField(() => resolveConfig(algorithms.schemaOf(v.algo as string), config, `variants.${name}.config`));
  }
  return value as SweepSpec["variants"];
}

/** The catalog with the spec's variants as names of their own (a variant's schema is its algorithm's). */
function withVariants(algorithms: AlgorithmCatalog, variants: SweepSpec["variants"]): AlgorithmCatalog {
  return {
    names: [...algorithms.names, ...Object.keys(variants)],
    schemaOf: (algo) => algorithms.schemaOf(variants[algo]?.algo ?? algo),
  };
}

/** The `adept train --algo` of an entry of `algos` (a variant's algorithm, or the name itself). */
export function baseAlgo(spec: SweepSpec, algo: string): string {
  return spec.variants[algo]?.algo ?? algo;
}

/** Reads and validates a spec file; relative paths in it stay relative to the working directory. */
export function readSweepSpec(path: string, algorithms: AlgorithmCatalog = trainAlgorithms()): SweepSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new SpecError(`sweep spec ${path}: ${(error as Error).message}`);
  }
  try {
    return parseSweepSpec(raw, algorithms);
  } catch (error) {
    if (error instanceof SpecError) throw new SpecError(`sweep spec ${path}: ${error.message}`);
    throw error;
  }
}

/** A part of a spec's grid to run or show (`adept sweep --algos … --seeds … --datasets …`): each a subset of the spec's. */
export interface SpecPart {
  algos?: string[];
  seeds?: number[];
  datasets?: string[];
}

/**
 * The spec narrowed to `part`: the same `out`, runs and stages (so a later full sweep skips what
 * the part finished), in the spec's order. The world-model stage trains the Gaussian ensemble
 * only when a kept algorithm starts from it (mopo), so that a part without mopo does not pay
 * for it; the full spec trains it later, on the same stage. `keepStage` leaves the stage whole:
 * on a queue a stage is a job named by its settings, so a narrowed one would be another stage.
 */
export function narrowSpec(spec: SweepSpec, part: SpecPart, options: { keepStage?: boolean } = {}): SweepSpec {
  const keep = <T>(flag: string, all: T[], asked: T[] | undefined): T[] => {
    if (asked === undefined) return all;
    const unknown = asked.filter((v) => !all.includes(v));
    if (unknown.length > 0)
      throw new UserError(
        `${flag}: ${unknown.map((v) => JSON.stringify(v)).join(", ")} not in the spec's ${flag.slice(2)} (${all.join(", ")})`,
      );
    return all.filter((v) => asked.includes(v));
  };
  const narrowed: SweepSpec = {
    ...spec,
    algos: keep("--algos", spec.algos, part.algos),
    seeds: keep("--seeds", spec.seeds, part.seeds),
    datasets: keep("--datasets", spec.datasets, part.datasets),
  };
  if (
    !options.keepStage &&
    spec.worldModel?.baseline &&
    !narrowed.algos.some((a) => worldModelKindOf(baseAlgo(spec, a)) === "gaussian-ensemble")
  )
    narrowed.worldModel = { ...spec.worldModel, baseline: false };
  return narrowed;
}

/** The config overrides one algorithm gets: the `"*"` fields its config has, then its own. */
export function overridesFor(
  spec: SweepSpec,
  algo: string,
  algorithms: AlgorithmCatalog = trainAlgorithms(),
): Record<string, OverrideValue> {
  const base = baseAlgo(spec, algo);
  const schema = algorithms.names.includes(base) ? algorithms.schemaOf(base) : {};
  const shared = Object.entries(spec.overrides["*"] ?? {}).filter(([field]) => field in schema);
  return { ...Object.fromEntries(shared), ...(spec.overrides[algo] ?? {}), ...(spec.variants[algo]?.config ?? {}) };
}

/** One run of the grid. */
export interface SweepRun {
  /** `<dataset>/<algo>/seed<k>`. */
  name: string;
  dataset: string;
  algo: string;
  seed: number;
  /** The run directory. */
  dir: string;
  /** The `adept` command: `train`, or `wm train` for a world-model stage. */
  command: string[];
  /** Its arguments (without `--resume`). */
  trainArgs: string[];
  /** The name of the stage whose models this run starts from (it runs after that stage is done). */
  needs?: string;
}

/**
 * The runs of a spec, seed-major (every dataset × algo for seed 0, then seed 1, …) so that a
 * sweep cut short still covers the whole table with its first seeds. Every run option is
 * passed as its flag, so a run's command line alone says how it was trained.
 */
export function sweepRuns(spec: SweepSpec, algorithms: AlgorithmCatalog = trainAlgorithms()): SweepRun[] {
  const runs: SweepRun[] = [];
  const catalog = withVariants(algorithms, spec.variants);
  for (const seed of spec.seeds)
    for (const dataset of spec.datasets) {
      // The world-model stage of this dataset and seed comes first, when some algorithm uses it.
      const stage =
        spec.worldModel && spec.algos.some((a) => usesStage(baseAlgo(spec, a), spec.worldModel))
          ? stageRun(spec.worldModel, spec.out, dataset, seed)
          : null;
      if (stage) runs.push({ ...stage, algo: "wm", command: ["wm", "train"], trainArgs: stage.args });
      for (const algo of spec.algos) {
        const name = `${datasetName(dataset)}/${algo}/seed${seed}`;
        const dir = childPath(spec.out, name, "run name"); // a dataset named `..` must not put runs outside `out`
        // A dataset given as an existing file is passed by absolute path; ids resolve in the worker.
        const data = existsSync(dataset) ? resolve(dataset) : dataset;
        const args = [
          "--algo",
          baseAlgo(spec, algo),
          "--dataset",
          data,
          "--seed",
          String(seed),
          "--steps",
          String(spec.steps),
          "--out",
          dir,
        ];
        for (const field of Object.keys(SWEEP_RUN_OPTIONS) as Array<keyof typeof SWEEP_RUN_OPTIONS>)
          if (field !== "steps") args.push(`--${kebab(field)}`, String(spec[field]));
        for (const [field, value] of Object.entries(overridesFor(spec, algo, catalog))) args.push(`--${kebab(field)}`, String(value));
        const fromStage = stage !== null && usesStage(baseAlgo(spec, algo), spec.worldModel);
        if (fromStage) args.push("--world-model", stage.dir);
        if (spec.variants[algo]) args.push("--variant", algo);
        runs.push({ name, dataset, algo, seed, dir, command: ["train"], trainArgs: args, ...(fromStage ? { needs: stage.name } : {}) });
      }
    }
  return runs;
}
