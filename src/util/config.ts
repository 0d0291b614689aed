/**
 * Typed configuration schemas: each field has a default and a one-line doc (with the paper
 * symbol and the source of the default). The CLI derives its flags and help from the same
 * schema, and the resolved config is written into run directories and checkpoints.
 */
import { UserError } from "./errors.js";

export type Scalar = number | boolean | string;

/**
 * One field: its default and a doc line. Strings may be restricted to `choices`, numbers to
 * integers and a lower bound. A `required` field has no default (its `default` only fixes
 * the type; leaving it out is an error, and a required string may not be empty). A `list`
 * field holds a non-empty array of such values (from JSON; its default is the empty list).
 */
export interface FieldSpec<T extends Scalar = Scalar> {
  default: T;
  doc: string;
  choices?: readonly T[];
  /** Numbers: whole numbers only. */
  integer?: boolean;
  /** Numbers: the smallest value accepted. */
  min?: number;
  required?: boolean;
  list?: boolean;
}

export type ConfigSchema = Record<string, FieldSpec>;

/** A literal default's general type (`true` → boolean, `0.7` → number, `"cosine"` → string). */
type Widen<T> = T extends boolean ? boolean : T extends number ? number : T extends string ? string : T;

/** The value a field holds: its default's type, or an array of it for a list field. */
type ValueOf<F extends FieldSpec> = F extends { list: true } ? Widen<F["default"]>[] : Widen<F["default"]>;

/** The plain config object a schema describes. */
export type ConfigOf<S extends ConfigSchema> = { -readonly [K in keyof S]: ValueOf<S[K]> };

/** A config value that does not fit its schema; the message names the field and the value. */
export class ConfigError extends UserError {
  override name = "ConfigError";
}

/** Identity, for type inference of schema literals. */
export function defineConfig<S extends ConfigSchema>(schema: S): S {
  return schema;
}

/** The defaults of a schema. */
export function defaults<S extends ConfigSchema>(schema: S): ConfigOf<S> {
  return Object.fromEntries(Object.entries(schema).map(([k, f]) => [k, f.list ? [] : f.default])) as ConfigOf<S>;
}

/**
 * Defaults overridden by `overrides`; values given as strings (from the command line) are
 * parsed to the field's type, unless `fromText` is false (JSON input: the types must match).
 * Unknown keys, missing required fields and ill-typed values throw a {@link ConfigError}
 * naming the field as `<what>.<field>` (`<field>` when `what` is "").
 */
export function resolveConfig<S extends ConfigSchema>(
  schema: S,
  overrides: Record<string, unknown> = {},
  what = "config",
  fromText = true,
): ConfigOf<S> {
  const at = (key: string): string => (what === "" ? key : `${what}.${key}`);
  const out = defaults(schema) as Record<string, unknown>;
  for (const [key, raw] of Object.entries(overrides)) {
    if (raw === undefined) continue;
    const field = schema[key];
    if (!field) throw new ConfigError(`${what || "config"}: unknown field "${key}" (known: ${Object.keys(schema).join(", ")})`);
    out[key] = parseValue(field, raw, at(key), fromText);
  }
  for (const [key, field] of Object.entries(schema))
    if (field.required && overrides[key] === undefined) throw new ConfigError(`missing "${at(key)}" (${field.doc})`);
  return out as ConfigOf<S>;
}

/**
 * One field's value, checked against its spec: from the command line (a string, parsed to
 * the field's type) or, with `fromText` false, from JSON. A list's elements are never parsed.
 */
export function parseValue(field: FieldSpec, raw: unknown, where: string, fromText = true): Scalar | Scalar[] {
  if (!field.list) return parseScalar(field, raw, where, fromText);
  if (!Array.isArray(raw) || raw.length === 0)
    throw new ConfigError(`${where}: expected a non-empty array of ${describe(field, true)}, got ${JSON.stringify(raw)}`);
  return raw.map((v, i) => {
    try {
      return parseScalar(field, v, `${where}[${i}]`, false);
    } catch {
      throw new ConfigError(`${where}: expected a non-empty array of ${describe(field, true)}, got ${JSON.stringify(raw)}`);
    }
  });
}

function parseScalar(field: FieldSpec, raw: unknown, where: string, fromText: boolean): Scalar {
  const type = typeof field.default;
  let value: unknown = raw;
  if (fromText && typeof raw === "string" && type === "number") value = raw.trim() === "" ? Number.NaN : Number(raw);
  if (fromText && typeof raw === "string" && type === "boolean") {
    if (raw !== "true" && raw !== "false") throw new ConfigError(`${where}: expected true or false, got "${raw}"`);
    value = raw === "true";
  }
  const ok =
    typeof value === type &&
    (type !== "number" ||
      (Number.isFinite(value as number) &&
        (!field.integer || Number.isSafeInteger(value)) &&
        (field.min === undefined || (value as number) >= field.min))) &&
    (type !== "string" || !field.required || value !== "");
  if (!ok) throw new ConfigError(`${where}: expected ${describe(field, false)}, got ${JSON.stringify(raw)}`);
  if (field.choices && !field.choices.includes(value as never))
    throw new ConfigError(`${where}: expected one of ${field.choices.join(", ")}, got ${JSON.stringify(raw)}`);
  return value as Scalar;
}

/** What a field accepts, in words: `an integer ≥ 1`, `a number`, (plural) `integers ≥ 0`. */
export function describe(field: FieldSpec, plural: boolean): string {
  const type = typeof field.default;
  const bound = type === "number" && field.min !== undefined ? ` ≥ ${field.min}` : "";
  if (type === "number" && field.integer) return `${plural ? "integers" : "an integer"}${bound}`;
  if (type === "number") return `${plural ? "numbers" : "a number"}${bound}`;
  if (type === "string" && field.required) return plural ? "non-empty strings" : "a non-empty string";
  return plural ? `${type}s` : `a ${type}`;
}

/** camelCase → kebab-case, for flag names. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
